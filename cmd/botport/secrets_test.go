package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/keyring"
	"github.com/botport/botport/internal/store/sqlite"
)

// privateModes fails for every file or directory under dir that its group
// or others may read, write or enter.
func privateModes(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v: readable by others", p, info.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSecretsAtRest: a fresh data directory of a real `botport serve`
// process (its umask, its files) holds no file others may read, and
// neither the database nor its WAL holds a client secret or the link
// signing key in clear, while the server runs and after it stops.
func TestSecretsAtRest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	data := filepath.Join(t.TempDir(), "botport-data")
	p := startProc(t, data)
	c := client.New(p.URL, p.AppID, p.Secret)
	// An import, an export (the signing key is created with the first
	// link) and a second app made by the CLI beside the running server.
	botID := importBot(t, c, fixture.Get(t, "demobot1-full"))
	fin := exportBot(t, c, botID, client.ExportRequest{ExportType: "latest"})
	if fin.Status != "success" {
		t.Fatalf("export: %s %s", fin.Status, fin.Message)
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"apps", "create", "--data", data, "--name", "second", "--scope", "bot_import", "--json"},
		func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var second struct{ ClientSecret string }
	if err := json.Unmarshal([]byte(out.String()), &second); err != nil || second.ClientSecret == "" {
		t.Fatalf("apps create: %q %v", out.String(), err)
	}

	check := func(when string) {
		privateModes(t, data)
		if ls, err := exec.Command("ls", "-lAR", data).CombinedOutput(); err == nil {
			t.Logf("ls -lAR of the data directory %s:\n%s", when, ls)
		}
		db := filepath.Join(data, sqlite.FileName)
		for _, f := range []string{db, db + "-wal"} {
			b, err := os.ReadFile(f)
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{p.Secret, second.ClientSecret} {
				if bytes.Contains(b, []byte(secret)) {
					t.Errorf("%s %s holds a client secret in clear", filepath.Base(f), when)
				}
			}
			if s, err := exec.Command("strings", f).Output(); err == nil {
				found := strings.Contains(string(s), p.Secret) || strings.Contains(string(s), second.ClientSecret)
				figure(t, "strings %s %s: %d lines, a client secret among them: %v", filepath.Base(f), when, strings.Count(string(s), "\n"), found)
			}
		}
	}
	check("while the server runs")

	// The stored values are sealed, the signing key among them, and the
	// key that seals them is in its own file.
	st, err := sqlite.Open(context.Background(), filepath.Join(data, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.R.Query(`SELECT key, value FROM settings UNION ALL SELECT id, CAST(secret AS BLOB) FROM apps`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		n++
		if !keyring.IsSealed(v) {
			t.Errorf("%s is stored in clear", k)
		}
	}
	rows.Close()
	st.Close()
	if n < 4 { // two apps, the key check, the signing key
		t.Errorf("%d sealed values, want at least 4", n)
	}

	p.kill(t)
	check("after the server was killed")
}

// TestExistingDataDirMadePrivate: a data directory an earlier release left
// readable by others is made private at start.
func TestExistingDataDirMadePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "uploads"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, filepath.Join(dir, "blobs"), filepath.Join(dir, "blobs", "uploads")} {
		os.Chmod(d, 0o755)
	}
	for _, f := range []string{filepath.Join(dir, "botport.db-wal"), filepath.Join(dir, "blobs", "uploads", "x")} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chmod(f, 0o644)
	}
	os.Remove(filepath.Join(dir, "botport.db-wal")) // an empty WAL without its database would not open
	startServerIn(t, dir)
	privateModes(t, dir)
}

// TestJTIEndToEnd: an app created with --enforce-jti refuses a token used
// twice, with the contract's message and code; the client's tokens (a
// fresh jti each) pass; `apps enforce-jti --off` lifts it.
func TestJTIEndToEnd(t *testing.T) {
	ts := startServer(t)
	cli := func(args ...string) string {
		t.Helper()
		var out strings.Builder
		if err := run(context.Background(), append(args, "--data", ts.Data), func(string) string { return "" }, nil, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return strings.TrimSpace(out.String())
	}
	var app struct {
		ClientID, ClientSecret string
		EnforceJTI             bool `json:"enforceJti"`
	}
	if err := json.Unmarshal([]byte(cli("apps", "create", "--name", "jti", "--scope", "bot_import", "--enforce-jti", "--json")), &app); err != nil || !app.EnforceJTI {
		t.Fatalf("apps create --enforce-jti: %+v %v", app, err)
	}
	tok := cli("token", "--app", app.ClientID)
	get := func(tok string) (int, string) {
		resp, body := rawRequest(t, "GET", ts.URL+"/api/public/bots", map[string]string{"auth": tok}, nil)
		return resp.StatusCode, string(body)
	}
	if code, body := get(tok); code != 200 {
		t.Fatalf("first use: %d %s", code, body)
	}
	if code, body := get(tok); code != 401 || body != `{"errors":[{"msg":"error verifying the jwt: possibly a replay","code":401}]}` {
		t.Errorf("replay: %d %s", code, body)
	}
	noJTI := mustToken(t, client.New(ts.URL, app.ClientID, app.ClientSecret)) // the harness signs without jti
	if code, body := get(noJTI); code != 401 || body != `{"errors":[{"msg":"error verifying the jwt: \"jti\" claim is required","code":401}]}` {
		t.Errorf("no jti: %d %s", code, body)
	}
	c := client.New(ts.URL, app.ClientID, app.ClientSecret)
	for range 3 {
		if _, err := c.Bots(context.Background(), 0, 10); err != nil {
			t.Fatalf("the client's own tokens: %v", err)
		}
	}
	cli("apps", "enforce-jti", "--app", app.ClientID, "--off")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if code, _ := get(tok); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a used token still refused 10 s after enforce-jti --off")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestKeyRotation: `keys rotate` on a stopped server's data directory
// seals the secrets with a new key, alone in the key file; the apps work
// as before; a process with another key is refused at once.
func TestKeyRotation(t *testing.T) {
	dir := t.TempDir()
	ts := startServerIn(t, dir)
	ts.stop()
	keyFile := filepath.Join(dir, keyring.FileName)
	before, err := keyring.ReadKeys(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"keys", "rotate", "--data", dir}, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	after, err := keyring.ReadKeys(keyFile)
	if err != nil || len(after) != 1 || bytes.Equal(after[0], before[0]) {
		t.Fatalf("key file after rotate: %d keys (%v), the same key: %v", len(after), err, len(after) == 1 && bytes.Equal(after[0], before[0]))
	}
	t.Logf("keys rotate: %s", strings.TrimSpace(out.String()))

	ts2 := startServerIn(t, dir)
	c := client.New(ts2.URL, ts.AppID, ts.Secret)
	if _, err := c.Bots(context.Background(), 0, 10); err != nil {
		t.Fatalf("the app after rotation: %v", err)
	}
	ts2.stop()

	other := keyring.Encode(keyring.Generate())
	err = run(context.Background(), []string{"apps", "list", "--data", dir}, func(k string) string {
		if k == keyring.EnvVar {
			return other
		}
		return ""
	}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "sealed with another key") {
		t.Errorf("apps list with another key: %v", err)
	}
}
