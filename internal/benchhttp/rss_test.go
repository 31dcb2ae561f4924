package main

import (
	"os"
	"testing"
)

func TestParseVmHWM(t *testing.T) {
	status := "Name:\torgkit\nVmPeak:\t 1300000 kB\nVmHWM:\t   51234 kB\nVmRSS:\t   40000 kB\n"
	if n, err := parseVmHWM(status); err != nil || n != 51234<<10 {
		t.Fatalf("got %d %v", n, err)
	}
	for _, bad := range []string{"Name:\torgkit\n", "VmHWM:\t12 MB\n", "VmHWM:\tlots kB\n"} {
		if _, err := parseVmHWM(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestPeakRSSOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	if n, err := peakRSS(os.Getpid()); err != nil || n < 1<<20 {
		t.Fatalf("got %d %v", n, err)
	}
}

func TestCPUModel(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n"
	if got := cpuModel(info); got != "AMD EPYC 7B13" {
		t.Errorf("got %q", got)
	}
	if got := cpuModel(""); got != "unknown CPU" {
		t.Errorf("got %q", got)
	}
}
