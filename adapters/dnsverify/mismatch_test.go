package dnsverify_test

import (
	"errors"
	"net"
	"testing"

	"github.com/miekg/dns"

	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
	"github.com/orgkit/orgkit/ports"
)

// wrongQuestionServer answers every UDP query with the right ID and a TXT record for
// another name, like a spoofed or confused server; it reports its failures when the test
// ends.
func wrongQuestionServer(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- answerWrongQuestions(pc) }()
	t.Cleanup(func() {
		if err := pc.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return pc.LocalAddr().String()
}

// answerWrongQuestions serves pc until it is closed.
func answerWrongQuestions(pc net.PacketConn) error {
	buf := make([]byte, 1500)
	for {
		n, from, err := pc.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		var q dns.Msg
		if err := q.Unpack(buf[:n]); err != nil {
			return err
		}
		resp := new(dns.Msg).SetReply(&q)
		resp.Question[0].Name = "elsewhere.example."
		resp.Answer = []dns.RR{&dns.TXT{
			Hdr: dns.RR_Header{Name: "elsewhere.example.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
			Txt: []string{"forged"},
		}}
		out, err := resp.Pack()
		if err != nil {
			return err
		}
		if _, err := pc.WriteTo(out, from); err != nil {
			return err
		}
	}
}

func TestResolver_LookupTXT_answerForAnotherQuestion(t *testing.T) {
	t.Parallel()
	const name = "_orgkit-verification.example.com"

	t.Run("is_an_error", func(t *testing.T) {
		t.Parallel()
		_, err := lookup(t, resolver(t, shortTimeout, wrongQuestionServer(t)), name)
		if err == nil || errors.Is(err, ports.ErrNoTXTRecords) {
			t.Fatalf("error %v, want a resolver error", err)
		}
	})

	t.Run("next_resolver_asked", func(t *testing.T) {
		t.Parallel()
		second := dnstest.Start(t)
		second.SetTXT(name, "orgkit-verify=abc123")
		got, err := lookup(t, resolver(t, shortTimeout, wrongQuestionServer(t), second.Addr()), name)
		wantRecords(t, got, err, "orgkit-verify=abc123")
	})
}
