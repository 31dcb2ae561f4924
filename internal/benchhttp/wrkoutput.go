package main

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what one wrk pass reported.
type wrkResult struct {
	RPS          float64       // "Requests/sec:"
	P50, P99     time.Duration // "Latency Distribution" (wrk --latency)
	Requests     int64         // "N requests in …"
	Non2xx3xx    int64         // "Non-2xx or 3xx responses:", 0 when wrk printed none
	SocketErrors int64         // the sum of "Socket errors:" (connect, read, write, timeout)
}

// parseWrk reads wrk 4's text report. Every field the benchmark relies on must be there: a
// report without them means wrk failed in a way its exit status does not always show (a
// script error, an unreachable server), and a number made up from nothing would mislead.
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	var haveRPS, haveP50, haveP99, haveRequests bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		fields := strings.Fields(line)
		var err error
		switch {
		case strings.HasPrefix(line, "Requests/sec:") && len(fields) == 2:
			r.RPS, err = strconv.ParseFloat(fields[1], 64)
			haveRPS = true
		case line == "" || len(fields) < 2:
		case fields[0] == "50%":
			r.P50, err = parseWrkDuration(fields[1])
			haveP50 = true
		case fields[0] == "99%":
			r.P99, err = parseWrkDuration(fields[1])
			haveP99 = true
		case len(fields) >= 3 && fields[1] == "requests" && fields[2] == "in":
			r.Requests, err = strconv.ParseInt(fields[0], 10, 64)
			haveRequests = true
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:"):
			r.Non2xx3xx, err = strconv.ParseInt(fields[len(fields)-1], 10, 64)
		case strings.HasPrefix(line, "Socket errors:"):
			r.SocketErrors, err = sumSocketErrors(strings.TrimPrefix(line, "Socket errors:"))
		}
		if err != nil {
			return r, fmt.Errorf("wrk output: %q: %w", line, err)
		}
	}
	var missing []string
	for _, f := range []struct {
		name string
		ok   bool
	}{{"Requests/sec", haveRPS}, {"50% latency", haveP50}, {"99% latency", haveP99}, {"request count", haveRequests}} {
		if !f.ok {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return r, fmt.Errorf("wrk output lacks %s (was --latency given?):\n%s", strings.Join(missing, ", "), out)
	}
	return r, nil
}

// parseWrkDuration reads wrk's latencies: a number and one of its units us, ms, s, m, h
// (it never prints ns).
func parseWrkDuration(s string) (time.Duration, error) {
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}} {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, err
			}
			return time.Duration(f * float64(u.unit)), nil
		}
	}
	return 0, errors.New("not a wrk duration")
}

// sumSocketErrors adds up "connect 0, read 0, write 0, timeout 0".
func sumSocketErrors(s string) (int64, error) {
	var sum int64
	for part := range strings.SplitSeq(s, ",") {
		f := strings.Fields(part)
		if len(f) != 2 {
			return 0, errors.New("not a socket error count")
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}
