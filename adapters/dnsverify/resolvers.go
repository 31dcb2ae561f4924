package dnsverify

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// ParseResolvers reads a comma-separated resolver list, as ORGKIT_DNS_RESOLVERS holds it,
// into host:port addresses (port 53 when missing). A blank list returns nil: use
// resolv.conf. Errors name the position and content of the first entry that is not host:port
// with an IP address or host name and a port from 1 to 65535.
func ParseResolvers(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]string, 0, len(parts))
	for i, p := range parts {
		addr, err := normalizeResolver(p)
		if err != nil {
			return nil, fmt.Errorf("dnsverify: resolver %d of %q: %w", i+1, s, err)
		}
		out = append(out, addr)
	}
	return out, nil
}

// normalizeResolver checks one resolver address and returns it as host:port, adding port 53
// when it is missing: "10.0.0.1" is "10.0.0.1:53", "::1" and "[::1]" are "[::1]:53".
func normalizeResolver(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("empty address")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		// No port: an IPv4 address, a host name, or an IPv6 address, bare or bracketed.
		host, port = s, "53"
		if inner, ok := strings.CutPrefix(s, "["); ok {
			inner, ok = strings.CutSuffix(inner, "]")
			if !ok || !isIP(inner) {
				return "", fmt.Errorf("%q is not host:port (e.g. 10.0.0.1:53 or [::1]:53)", s)
			}
			host = inner
		} else if strings.Contains(s, ":") && !isIP(s) {
			return "", fmt.Errorf("%q is not host:port (e.g. 10.0.0.1:53 or [::1]:53)", s)
		}
	}
	if !isIP(host) && !isHostName(host) {
		return "", fmt.Errorf("host %q in %q is neither an IP address nor a host name", host, s)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return "", fmt.Errorf("port %q in %q is not a number from 1 to 65535", port, s)
	}
	return net.JoinHostPort(host, strconv.FormatUint(n, 10)), nil
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// isHostName accepts letters, digits and hyphens in dot-separated labels, with a last label
// that is not all digits, so a mistyped IPv4 address such as 10.0.0.256 is refused rather
// than looked up as a name.
func isHostName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '-') {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	return strings.TrimLeft(last, "0123456789") != ""
}

// resolvConfServers reads the nameservers of a resolv.conf file as host:port. Errors: the
// file cannot be read, or names no nameserver.
func resolvConfServers(path string) ([]string, error) {
	conf, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("dnsverify: no resolvers configured and %s cannot be read: %w", path, err)
	}
	if len(conf.Servers) == 0 {
		return nil, fmt.Errorf("dnsverify: no resolvers configured and %s names no nameserver", path)
	}
	servers := make([]string, 0, len(conf.Servers))
	for _, s := range conf.Servers {
		servers = append(servers, net.JoinHostPort(s, conf.Port))
	}
	return servers, nil
}
