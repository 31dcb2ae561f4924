package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"

	"github.com/orgkit/orgkit/domain"
)

// ErrRefused is wrapped by Send's error when the URL's scheme or an address of its host is
// one the sender may not reach; no request was sent.
var ErrRefused = errors.New("refused")

// checkScheme admits https, and plain http only when private targets are allowed: a
// plain-http receiver outside a test or dev setup would expose events and signatures.
func (s *Sender) checkScheme(scheme string) error {
	switch {
	case scheme == "https", scheme == "http" && s.allowPrivate:
		return nil
	case scheme == "http":
		return fmt.Errorf("%w: plain http, the URL must use https", ErrRefused)
	default:
		return fmt.Errorf("%w: scheme %q, the URL must use https", ErrRefused, scheme)
	}
}

// publicDialer connects only to public addresses. It resolves the host itself, refuses it
// when any address is not public, and dials the addresses it checked: a second lookup
// between check and connect could answer differently (DNS rebinding). Its dialer's Control
// checks the address of each socket once more, whatever reached it.
type publicDialer struct {
	resolver *net.Resolver
	dialer   *net.Dialer
}

func newPublicDialer(resolver *net.Resolver) *publicDialer {
	return &publicDialer{
		resolver: resolver,
		dialer:   &net.Dialer{Resolver: resolver, Control: refuseNonPublic, KeepAlive: dialKeepAlive},
	}
}

// DialContext is http.Transport's dial hook.
func (d *publicDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("port %q: %w", portStr, err)
	}
	ips, err := d.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if domain.PublicAddr(ip) {
			continue
		}
		if literal := ip.String() == host; literal {
			return nil, fmt.Errorf("%w: %s is a private, loopback or link-local address", ErrRefused, host)
		}
		return nil, fmt.Errorf("%w: %s resolves to %s, a private, loopback or link-local address", ErrRefused, host, ip.Unmap())
	}
	var errs []error
	for _, ip := range ips {
		conn, err := d.dialer.DialContext(ctx, network, netip.AddrPortFrom(ip.Unmap(), uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// lookup returns the host's addresses; a literal address is its own answer.
func (d *publicDialer) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	ips, err := d.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("%s has no address", host)
	}
	return ips, nil
}

// refuseNonPublic is the net.Dialer Control hook: it runs before each socket connects, with
// the numeric address, so nothing reaches a non-public address past it.
func refuseNonPublic(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: address %q", ErrRefused, address)
	}
	if !domain.PublicAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s is a private, loopback or link-local address", ErrRefused, ap.Addr())
	}
	return nil
}
