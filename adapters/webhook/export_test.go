package webhook

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
)

// RefuseNonPublic is the dialer's Control hook, for tests without network.
var RefuseNonPublic = refuseNonPublic

// GuardDialer is the dialer behind s's address check (nil when s allows private targets),
// so a test can show its Control hook refuses on its own.
func GuardDialer(s *Sender) *net.Dialer {
	if s.guard == nil {
		return nil
	}
	return s.guard.dialer
}

// SetRootCAs makes s trust the certificates pool signs, as a test trusts its TLS receiver.
// Call it before the first Send.
func SetRootCAs(s *Sender, pool *x509.CertPool) {
	s.client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool}
}

// UsesProxy reports whether s's transport sends through a proxy.
func UsesProxy(s *Sender) bool { return s.client.Transport.(*http.Transport).Proxy != nil }
