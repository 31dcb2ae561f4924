package mail

import "crypto/x509"

// SetRootCAs makes s trust the certificates pool signs, as a test trusts its smtptest server.
func SetRootCAs(s *SMTP, pool *x509.CertPool) { s.rootCAs = pool }
