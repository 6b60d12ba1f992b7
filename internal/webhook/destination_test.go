package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestPublic(t *testing.T) {
	for _, tt := range []struct {
		addr   string
		public bool
	}{
		{"93.184.215.14", true},
		{"8.8.8.8", true},
		{"2606:4700::1111", true},
		{"127.0.0.1", false},
		{"127.8.9.10", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"172.32.0.1", true},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fd00::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"100.64.0.1", false},
		{"198.18.0.1", false},
		{"255.255.255.255", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::a00:1", false}, // NAT64 of 10.0.0.1
		{"2002:a00:1::1", false},  // 6to4 of 10.0.0.1
	} {
		if got := Public(netip.MustParseAddr(tt.addr)); got != tt.public {
			t.Errorf("Public(%s) = %v, want %v", tt.addr, got, tt.public)
		}
	}
}

// noDNS is a resolver that answers from /etc/hosts only: every DNS query
// fails at once.
var noDNS = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("no DNS in this test")
}}

func TestCheck(t *testing.T) {
	d := Destinations{Resolver: noDNS}
	for _, tt := range []struct {
		url  string
		want error // nil: accepted
	}{
		{"https://93.184.215.14/hooks", nil},
		{"http://8.8.8.8:8080/x?y=1", nil},
		{"https://[2606:4700::1111]/", nil},
		{"http://127.0.0.1:9000/hook", ErrPrivateURL},
		{"http://[::1]/", ErrPrivateURL},
		{"http://10.0.0.7/", ErrPrivateURL},
		{"http://169.254.169.254/latest/meta-data", ErrPrivateURL},
		{"http://[fe80::1%25eth0]/", ErrPrivateURL},
		{"http://[::ffff:192.168.0.1]/", ErrPrivateURL},
		{"http://localhost:8080/", ErrPrivateURL}, // /etc/hosts: loopback
		{"https://hooks.example.invalid/", ErrUnresolvedURL},
		{"ftp://93.184.215.14/", ErrURL},
		{"/relative", ErrURL},
		{"https://user:pass@93.184.215.14/", ErrURL},
		{"https://93.184.215.14/#frag", ErrURL},
		{"https:///nohost", ErrURL},
		{"mailto:a@b.c", ErrURL},
		{"https://93.184.215.14/a b", ErrURL},
		{"", ErrURL},
	} {
		_, err := d.Check(context.Background(), tt.url)
		if err != tt.want && !errors.Is(err, tt.want) {
			t.Errorf("Check(%q) = %v, want %v", tt.url, err, tt.want)
		}
	}
	allow := Destinations{AllowPrivate: true, Resolver: noDNS}
	for _, u := range []string{"http://127.0.0.1:9000/hook", "http://localhost/", "https://hooks.example.invalid/"} {
		if _, err := allow.Check(context.Background(), u); err != nil {
			t.Errorf("Check(%q) with private destinations allowed: %v", u, err)
		}
	}
	if _, err := allow.Check(context.Background(), "ftp://127.0.0.1/"); err != ErrURL {
		t.Errorf("an ftp URL with private destinations allowed: %v, want ErrURL", err)
	}
}

// TestDialCheck shows that the delivery client refuses a private address
// at dial time, whatever was checked at registration (a name that
// resolved elsewhere then: DNS rebinding).
func TestDialCheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	_, err := Destinations{}.Client(5e9).Get(srv.URL)
	if !errors.Is(err, errPrivateDial) {
		t.Errorf("GET %s through the guarded client: %v, want the dial refused", srv.URL, err)
	}
	resp, err := Destinations{AllowPrivate: true}.Client(5e9).Get(srv.URL)
	if err != nil {
		t.Fatalf("GET with private destinations allowed: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("status %d", resp.StatusCode)
	}
}
