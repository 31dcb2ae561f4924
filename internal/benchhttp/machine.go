package main

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// machine describes where the numbers came from: they only compare within one run, and a
// reader of a pasted table needs the CPU and how busy the machine was.
func machine() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return cpuModel(string(b)) + ", " + strconv.Itoa(runtime.NumCPU()) + " CPUs"
}

// cpuModel is the first "model name" of a /proc/cpuinfo, or "unknown CPU".
func cpuModel(cpuinfo string) string {
	sc := bufio.NewScanner(strings.NewReader(cpuinfo))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown CPU"
}

// loadAverage is the 1, 5 and 15-minute load averages, or "?" where /proc is not there.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}
