package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/botport/botport/internal/kore"
)

// Refusals of a webhook's URL (412, as the contract's field rules answer).
var (
	ErrURL = &kore.Error{Code: kore.EINVALID,
		Msg: "Invalid webhook URL: an absolute http or https URL without credentials or fragment, at most 2048 characters"}
	ErrPrivateURL = &kore.Error{Code: kore.EINVALID,
		Msg: "Webhook URL refused: its host is a loopback, private, link-local or reserved address"}
	ErrUnresolvedURL = &kore.Error{Code: kore.EINVALID, Msg: "Webhook URL refused: its host does not resolve"}
)

// maxURL bounds a webhook URL's length.
const maxURL = 2048

// errPrivateDial is a dial refused because the address it reached is not
// public: the name resolved elsewhere than at registration (DNS
// rebinding), or a redirect of resolution.
var errPrivateDial = errors.New("webhook: refused to connect to a loopback, private, link-local or reserved address")

// Destinations decides where deliveries may go. Unless AllowPrivate is
// set, a URL is refused at registration when its host is, or resolves to,
// an address that is not public, and every connection of a delivery is
// checked again at dial time against the address actually dialled, so
// that a name which resolves to a public address at registration and to
// a private one later (DNS rebinding) is refused too.
type Destinations struct {
	AllowPrivate bool
	// Resolver resolves host names at registration (nil:
	// net.DefaultResolver).
	Resolver *net.Resolver
}

// Check parses a webhook URL and returns it, or refuses it: ErrURL for a
// URL that is not absolute http or https, carries credentials or a
// fragment, or is too long; ErrPrivateURL when its host is, or any of its
// addresses is, not public (unless AllowPrivate); ErrUnresolvedURL when
// the host does not resolve (unless AllowPrivate, which skips resolution).
func (d Destinations) Check(ctx context.Context, raw string) (*url.URL, error) {
	if len(raw) > maxURL || strings.ContainsAny(raw, " \t\r\n") {
		return nil, ErrURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil ||
		u.Fragment != "" || u.Opaque != "" {
		return nil, ErrURL
	}
	if d.AllowPrivate {
		return u, nil
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if !Public(a) {
			return nil, ErrPrivateURL
		}
		return u, nil
	}
	r := d.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil, ErrUnresolvedURL
	}
	for _, a := range addrs {
		if !Public(a) {
			return nil, ErrPrivateURL
		}
	}
	return u, nil
}

// reserved are ranges that are neither private nor loopback nor link-local
// in net/netip's sense, but reach no public host, or can embed an IPv4
// address that is private (NAT64, 6to4, Teredo).
var reserved = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "240.0.0.0/4", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:db8::/32", "2002::/16",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Public reports whether a is an address deliveries may reach without
// AllowPrivate: not loopback, private (RFC 1918, unique local), link-local,
// multicast, unspecified, or in a reserved range. An IPv4-mapped IPv6
// address is judged as its IPv4 address.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// control is the dialer's check of the address it is about to connect to,
// after resolution: the one place no DNS answer can get around.
func (d Destinations) control(_, address string, _ syscall.RawConn) error {
	if d.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: dial %q: %w", address, errPrivateDial)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("webhook: dial %s: %w", ap.Addr(), errPrivateDial)
	}
	return nil
}

// Client returns the HTTP client deliveries are sent with: no proxy (it
// would dial on the delivery's behalf, past the check), no redirects (a 3xx
// is a failed attempt, as the specification recommends), every connection
// checked at dial time, and an attempt bounded by timeout (15 s to 30 s is
// the specification's advice).
func (d Destinations) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: d.control}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       timeout,
	}
}
