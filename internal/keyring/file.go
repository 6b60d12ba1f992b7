package keyring

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EnvVar names the environment variable that holds the keys (comma
// separated, the sealing key first). Replicas on one PostgreSQL database
// must all be given the same keys; this is the way to give them.
const EnvVar = "BOTPORT_SECRET_KEY"

// FileName is the key file's name in a data directory, its default place.
const FileName = "secret.key"

// Load returns the keyring a command works with: the keys of env (the
// value of EnvVar) when it is set, else those of the key file at path,
// which is created with a new key (mode 0600) when it does not exist. It
// also says where the keys came from, for messages. Errors: an unreadable
// or malformed key file or variable, or a key file readable by others
// (the key would be as exposed as the secrets it protects).
func Load(env, path string) (*Keyring, string, error) {
	if strings.TrimSpace(env) != "" {
		k, err := Parse(env)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", EnvVar, err)
		}
		return k, EnvVar, nil
	}
	if path == "" {
		return nil, "", errors.New("keyring: no key file and no " + EnvVar)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := create(path); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, "", fmt.Errorf("create key file %s: %w", path, err)
		}
		b, err = os.ReadFile(path) // another process may have created it first
	}
	if err != nil {
		return nil, "", fmt.Errorf("key file: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, "", fmt.Errorf("key file %s is readable by others (mode %v): chmod 600 it", path, fi.Mode().Perm())
	}
	k, err := Parse(string(b))
	if err != nil {
		return nil, "", fmt.Errorf("key file %s: %w", path, err)
	}
	return k, path, nil
}

// create writes a new key file, failing if one exists (two processes
// starting at once agree on the first one's key).
func create(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(Encode(Generate()) + "\n")
	if err2 := f.Sync(); err == nil {
		err = err2
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// WriteFile replaces the key file at path with keys, one per line, the
// sealing key first: written to a temporary file (0600) beside it, synced,
// and renamed over it, so a crash leaves the old file or the new one.
func WriteFile(path string, keys ...[]byte) error {
	var b strings.Builder
	for _, k := range keys {
		if len(k) != KeySize {
			return fmt.Errorf("keyring: key has %d bytes, want %d", len(k), KeySize)
		}
		b.WriteString(Encode(k) + "\n")
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".secret.key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing there
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// ReadKeys returns the raw keys of the key file at path, the sealing key
// first (for a rotation, which writes them back with a new one in front).
func ReadKeys(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keys, err := parseKeys(string(b))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return keys, nil
}
