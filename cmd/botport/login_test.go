package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestLoginProfiles: login takes the secret from stdin and refuses wrong
// credentials; --profile and BOTPORT_PROFILE select a profile; flags and
// environment variables win over it; the old flat config file still
// works; listings never show a secret.
func TestLoginProfiles(t *testing.T) {
	ts := startServer(t)
	s := newSession(t)

	// The first format of the config file, flat.
	os.MkdirAll(strings.TrimSuffix(s.config, "/config.json"), 0o700)
	flat := `{"host":"` + ts.URL + `","app":"` + ts.AppID + `","secret":"` + ts.Secret + `"}`
	if err := os.WriteFile(s.config, []byte(flat), 0o600); err != nil {
		t.Fatal(err)
	}
	s.ok("", "bots", "list")

	// A wrong secret is refused and not saved.
	if _, errOut, code := s.run("wrong-secret\n", "login", "--profile", "prod", "--host", ts.URL, "--app", ts.AppID); code != 3 ||
		!strings.Contains(errOut, "Invalid SDK credentials") {
		t.Errorf("login with a wrong secret: exit %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(s.config); strings.Contains(string(b), "wrong-secret") || strings.Contains(string(b), "prod") {
		t.Errorf("a refused login was saved:\n%s", b)
	}
	if _, errOut, code := s.run("", "login", "--profile", "prod", "--host", ts.URL, "--app", ts.AppID); code != 2 || !strings.Contains(errOut, "no client secret") {
		t.Errorf("login without a secret: exit %d %s", code, errOut)
	}
	if _, _, code := s.run(ts.Secret+"\n", "login", "--profile", "a:b", "--host", ts.URL, "--app", ts.AppID); code != 2 {
		t.Errorf("a profile name with a colon: exit %d", code)
	}
	s.ok(ts.Secret+"\r\n", "login", "--profile", "prod", "--host", ts.URL, "--app", ts.AppID)
	// A profile whose host answers nothing: only flags or environment can
	// make a command that selects it work.
	s.ok(ts.Secret+"\n", "login", "--profile", "dead", "--host", "http://127.0.0.1:1", "--app", ts.AppID, "--no-verify")
	b, _ := os.ReadFile(s.config)
	var file struct {
		Host     string
		Profiles map[string]struct{ Host, App, Secret string }
	}
	if err := json.Unmarshal(b, &file); err != nil || file.Host != ts.URL || file.Profiles["prod"].Secret != ts.Secret {
		t.Fatalf("config file after login: %v\n%s", err, b)
	}

	// The flat fields are emptied: a profile must be selected.
	flat = `{"profiles":` + string(mustJSONRaw(t, file.Profiles)) + `}`
	os.WriteFile(s.config, []byte(flat), 0o600)
	if _, _, code := s.run("", "bots", "list"); code != 2 {
		t.Errorf("no credentials and no profile: exit %d", code)
	}
	s.ok("", "bots", "list", "--profile", "prod")
	s.env["BOTPORT_PROFILE"] = "prod"
	s.ok("", "bots", "list")
	if _, _, code := s.run("", "bots", "list", "--profile", "nope"); code != 2 {
		t.Errorf("an unknown profile: exit %d", code)
	}
	s.env["BOTPORT_PROFILE"] = "dead"
	if _, _, code := s.run("", "bots", "list", "--timeout", "2s"); code != 4 {
		t.Errorf("the dead profile answered (exit %d)", code)
	}
	s.ok("", "bots", "list", "--host", ts.URL) // a flag wins over the profile
	s.env["BOTPORT_HOST"] = ts.URL
	s.ok("", "bots", "list") // so does the environment
	delete(s.env, "BOTPORT_HOST")

	out := s.ok("", "profiles", "list", "--json")
	var views []map[string]any
	if err := json.Unmarshal([]byte(out), &views); err != nil || len(views) != 2 || views[0]["name"] != "dead" || views[0]["selected"] != true {
		t.Errorf("profiles list --json: %v\n%s", err, out)
	}
	if strings.Contains(s.all.String(), ts.Secret) {
		t.Errorf("a command printed the secret")
	}
	s.ok("", "profiles", "remove", "dead")
	if out := s.ok("", "profiles", "list"); strings.Contains(out, "dead") {
		t.Errorf("removed profile still listed:\n%s", out)
	}
}
