// Package profile is the client commands' user config file: named
// connection profiles (host, app, secret, algorithm) that `botport login`
// writes and `--profile` selects, beside the flat host/app/secret fields
// of the file's first format, which stay readable and keep meaning "no
// profile selected". The file holds secrets: it is written with mode 0600,
// through a temporary file renamed into place.
package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
)

// Profile is one connection.
type Profile struct {
	Host      string `json:"host,omitempty"`
	App       string `json:"app,omitempty"`
	Secret    string `json:"secret,omitempty"`
	Algorithm string `json:"algorithm,omitempty"` // HS256 (default) or HS512
}

// File is the config file: the flat fields (the connection without a
// profile) and the named profiles. Members it does not know are kept.
type File struct {
	Profile
	Profiles map[string]Profile
	extra    map[string]json.RawMessage
}

// ErrName is the cause of a refused profile name.
var ErrName = errors.New("a profile name is 1 to 64 letters, digits, '.', '_' or '-'")

var nameRule = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// CheckName refuses a name a profile cannot have: the name is written
// before a colon in PROFILE:BOT, so it has none (ErrName).
func CheckName(name string) error {
	if !nameRule.MatchString(name) {
		return fmt.Errorf("profile %q: %w", name, ErrName)
	}
	return nil
}

// DefaultPath is <user config dir>/botport/config.json.
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "botport", "config.json"), nil
}

// Load reads the config file at path. A missing file is an empty File and
// an error wrapping fs.ErrNotExist; a file that is not the config's JSON is
// an error naming the path.
func Load(path string) (*File, error) {
	f := &File{Profiles: map[string]Profile{}, extra: map[string]json.RawMessage{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(b, &f.extra); err != nil {
		return f, fmt.Errorf("config file %s: %w", path, err)
	}
	for k, dst := range map[string]*string{"host": &f.Host, "app": &f.App, "secret": &f.Secret, "algorithm": &f.Algorithm} {
		if raw, ok := f.extra[k]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return f, fmt.Errorf("config file %s: %s: %w", path, k, err)
			}
			delete(f.extra, k)
		}
	}
	if raw, ok := f.extra["profiles"]; ok {
		if err := json.Unmarshal(raw, &f.Profiles); err != nil {
			return f, fmt.Errorf("config file %s: profiles: %w", path, err)
		}
		if f.Profiles == nil {
			f.Profiles = map[string]Profile{}
		}
		delete(f.extra, "profiles")
	}
	return f, nil
}

// Names lists the profiles, sorted.
func (f *File) Names() []string { return slices.Sorted(maps.Keys(f.Profiles)) }

// Save writes the file to path with mode 0600 (its folder 0700 when it is
// created), replacing it in one rename.
func (f *File) Save(path string) error {
	out := maps.Clone(f.extra)
	if out == nil {
		out = map[string]json.RawMessage{}
	}
	set := func(k, v string) {
		if v != "" {
			out[k], _ = json.Marshal(v)
		}
	}
	set("host", f.Host)
	set("app", f.App)
	set("secret", f.Secret)
	set("algorithm", f.Algorithm)
	if len(f.Profiles) > 0 {
		out["profiles"], _ = json.Marshal(f.Profiles)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Missing reports whether a Load error only says the file does not exist.
func Missing(err error) bool { return errors.Is(err, fs.ErrNotExist) }
