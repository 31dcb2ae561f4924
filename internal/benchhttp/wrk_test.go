package main

import (
	"slices"
	"testing"
	"time"
)

func TestLoadArgs(t *testing.T) {
	l := load{threads: 2, connections: 32}
	got := l.args(target{url: "http://h/v1/me", headers: []string{"Authorization: Bearer t"}}, 5*time.Second)
	want := []string{"-t2", "-c32", "-d5s", "--latency", "-H", "Authorization: Bearer t", "http://h/v1/me"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	got = l.args(target{url: "http://h/r?slug=", script: "s.lua", scriptArgs: []string{"slugs.txt"}}, 3*time.Second)
	want = []string{"-t2", "-c32", "-d3s", "--latency", "-s", "s.lua", "http://h/r?slug=", "--", "slugs.txt"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
