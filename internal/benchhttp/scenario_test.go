package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer good" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"unauthorized"}}`))
			return
		}
		w.Header()["Date"] = nil // a fixed length of the answer
		_, _ = w.Write([]byte("hello"))
	}))
	defer srv.Close()

	ok := &scenario{label: "ok", target: target{url: srv.URL, headers: []string{"Authorization: Bearer good"}}}
	if err := ok.probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	// "HTTP/1.1 200 OK\r\n" + "Content-Length: 5\r\n" + "Content-Type: text/plain; charset=utf-8\r\n" + "\r\n" + body
	if ok.bytes != 5 || ok.wire != 17+19+41+2+5 {
		t.Fatalf("bytes %d, wire %d", ok.bytes, ok.wire)
	}

	refused := &scenario{label: "refused", target: target{url: srv.URL, headers: []string{"Authorization: Bearer bad"}}}
	if err := refused.probe(context.Background()); err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "unauthorized") {
		t.Fatalf("want the status and the server's answer, got %v", err)
	}

	scripted := &scenario{target: target{url: "http://unreachable.invalid", script: "s.lua"}}
	if err := scripted.probe(context.Background()); err != nil {
		t.Fatalf("a scripted scenario is not probed: %v", err)
	}
}
