package keyring_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botport/botport/internal/keyring"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, keyring.KeySize) }

func TestSealOpen(t *testing.T) {
	a, _ := keyring.New(key(1))
	ba, _ := keyring.New(key(2), key(1))
	b, _ := keyring.New(key(2))
	sealed, err := a.Seal([]byte("s3cret"), "apps.secret:cs-1")
	if err != nil {
		t.Fatal(err)
	}
	if !keyring.IsSealed(sealed) || bytes.Contains(sealed, []byte("s3cret")) {
		t.Fatalf("Seal = %q", sealed)
	}
	again, _ := a.Seal([]byte("s3cret"), "apps.secret:cs-1")
	if bytes.Equal(sealed, again) {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-3] ^= 1
	for _, c := range []struct {
		what    string
		k       *keyring.Keyring
		value   []byte
		context string
		want    string
		err     error
	}{
		{"the sealing key", a, sealed, "apps.secret:cs-1", "s3cret", nil},
		{"a keyring holding it second", ba, sealed, "apps.secret:cs-1", "s3cret", nil},
		{"another key", b, sealed, "apps.secret:cs-1", "", keyring.ErrUnknownKey},
		{"moved to another row", a, sealed, "apps.secret:cs-2", "", keyring.ErrCorrupt},
		{"changed", a, tampered, "apps.secret:cs-1", "", keyring.ErrCorrupt},
		{"cut short", a, sealed[:20], "apps.secret:cs-1", "", keyring.ErrCorrupt},
	} {
		got, err := c.k.Open(c.value, c.context)
		if !errors.Is(err, c.err) || string(got) != c.want {
			t.Errorf("%s: Open = %q, %v; want %q, %v", c.what, got, err, c.want, c.err)
		}
	}
	if _, err := a.Open([]byte("plain"), "x"); err == nil {
		t.Error("Open of a value that is not sealed succeeded")
	}
	if !a.Current(sealed) || ba.Current(sealed) {
		t.Error("Current: want true for the sealing key, false for a keyring that seals with another")
	}
}

func TestParse(t *testing.T) {
	std := base64.StdEncoding.EncodeToString(key(3))
	url := base64.RawURLEncoding.EncodeToString(key(4))
	for _, c := range []struct {
		in   string
		ids  int
		fail bool
	}{
		{std, 1, false},
		{url, 1, false},
		{std + "," + url, 2, false},
		{std + "\n" + url + "\n", 2, false},
		{std + ", " + std, 1, false}, // the same key twice
		{"", 0, true},
		{"not base64!", 0, true},
		{base64.StdEncoding.EncodeToString([]byte("short")), 0, true},
	} {
		k, err := keyring.Parse(c.in)
		if c.fail {
			if err == nil {
				t.Errorf("Parse(%q) succeeded", c.in)
			}
			continue
		}
		if err != nil || len(k.IDs()) != c.ids {
			t.Errorf("Parse(%q) = %v, %v; want %d keys", c.in, k, err, c.ids)
		}
	}
	k, _ := keyring.Parse(url + "," + std)
	if k.IDs()[0] != keyring.KeyID(key(4)) {
		t.Error("the first key listed does not seal")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data", keyring.FileName)
	k1, from, err := keyring.Load("", path)
	if err != nil || from != path {
		t.Fatalf("Load created: %v, %q", err, from)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	k2, _, err := keyring.Load("", path)
	if err != nil || k2.IDs()[0] != k1.IDs()[0] {
		t.Fatalf("second Load = %v, %v: want the same key", k2.IDs(), err)
	}
	env := keyring.Encode(key(5))
	k3, from, err := keyring.Load(env, path)
	if err != nil || from != keyring.EnvVar || k3.IDs()[0] != keyring.KeyID(key(5)) {
		t.Fatalf("Load with the variable set = %v, %q, %v: the variable wins", k3, from, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := keyring.Load("", path); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Errorf("Load of a key file readable by others: %v", err)
	}
	if err := keyring.WriteFile(path, key(6), key(7)); err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.ReadKeys(path)
	if err != nil || len(keys) != 2 || !bytes.Equal(keys[0], key(6)) {
		t.Fatalf("ReadKeys after WriteFile = %d keys, %v", len(keys), err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("WriteFile left mode %v", fi.Mode().Perm())
	}
}
