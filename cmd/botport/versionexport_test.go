package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botport/botport/internal/fixture"
)

// TestVersionExport is botport's GET /api/botport/bots/{botId}/versions/{n}/export
// on both backends: each committed version exports as it was imported,
// byte for byte and the same bytes every time; its refusals; and the
// diff of two versions through the CLI (PROFILE:BOT@N).
func TestVersionExport(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend, ts *testServer) {
		ctx := context.Background()
		a := newApps(t, b, ts, "bot_import", "bot_publish", "bot_variables")
		c := a.own
		full, all := fixture.Get(t, "demobot1-full"), fixture.Get(t, "demobot1-all")
		bot := importAt(t, b, c, full)
		up := uploadExport(t, c, all)
		up.Icon = ""
		start, err := c.ImportInto(ctx, bot, up)
		if err != nil {
			t.Fatal(err)
		}
		if st := waitAt(t, b, c, start.ID); st.Status != "success" {
			t.Fatalf("import into the bot: %s", st.Message)
		}
		for n, fx := range map[int]fixture.Export{1: full, 2: all} {
			var z1, z2 bytes.Buffer
			d, err := c.ExportVersion(ctx, bot, n, &z1)
			if err != nil {
				t.Fatalf("version %d: %v", n, err)
			}
			if d.FileName != "Demobot1-v"+string(rune('0'+n))+".zip" {
				t.Errorf("version %d: file name %q", n, d.FileName)
			}
			if _, err := c.ExportVersion(ctx, bot, n, &z2); err != nil || !bytes.Equal(z1.Bytes(), z2.Bytes()) {
				t.Errorf("version %d: two exports differ (%v)", n, err)
			}
			zipPath := writeTemp(t, "v.zip", z1.Bytes())
			files := zipFiles(t, zipPath)
			for _, f := range []string{"botDefinition.json", "config.json"} {
				if !bytes.Equal(files[f], readFile(t, fx.File(f))) {
					t.Errorf("version %d: %s differs from %s's", n, f, fx.Name)
				}
			}
		}
		tok, foreign, wrong := mustToken(t, c), mustToken(t, a.foreign), mustToken(t, a.wrongScope)
		p := "/api/botport/bots/" + bot + "/versions/"
		check(t, ts, []exchange{
			{"unknown version", "GET", p + "3/export", tok, "", 404, `{"errors":[{"msg":"Invalid version","code":404}]}`},
			{"version 0", "GET", p + "0/export", tok, "", 404, `{"errors":[{"msg":"Invalid version","code":404}]}`},
			{"version not a number", "GET", p + "x/export", tok, "", 404, `{"errors":[{"msg":"Invalid version","code":404}]}`},
			{"unknown bot", "GET", "/api/botport/bots/" + unknownBot + "/versions/1/export", tok, "", 400, ansStreamID},
			{"malformed bot id", "GET", "/api/botport/bots/st-x/versions/1/export", tok, "", 400, ansStreamID},
			{"foreign bot", "GET", p + "1/export", foreign, "", 400, ansStreamID},
			{"wrong scope", "GET", p + "1/export", wrong, "", 401, ansScope},
			{"no token", "GET", p + "1/export", "", "", 401, `{"errors":[{"msg":"Invalid SDK credentials","code":4002}]}`},
			{"wrong method", "POST", p + "1/export", tok, "", 405, ansMethod},
		})

		// The CLI compares versions by number.
		s := newSession(t)
		s.login("here", ts)
		out, _, code := s.run("", "diff", "here:Demobot1@1", "here:Demobot1@2", "--json")
		var d struct {
			Equal   bool
			Changes []struct{ Kind, Name, Action string }
		}
		if err := json.Unmarshal([]byte(out), &d); err != nil || code != 1 || d.Equal {
			t.Fatalf("diff @1 @2: exit %d %v\n%s", code, err, out)
		}
		renamed := false
		for _, ch := range d.Changes {
			renamed = renamed || ch.Kind == "dialog" && ch.Name == "PayBill" && ch.Action == "changed"
		}
		if !renamed {
			t.Errorf("diff @1 @2 misses PayMyBill renamed PayBill: %+v", d.Changes)
		}
		if out, _, code := s.run("", "diff", "here:Demobot1@2", "here:Demobot1", "--interval", "25ms"); code != 0 {
			t.Errorf("the current version differs from version 2 (exit %d):\n%s", code, out)
		}
		if _, errOut, code := s.run("", "diff", "here:Demobot1@9", filepath.Join(all.Dir)); code != 3 || !strings.Contains(errOut, "Invalid version") {
			t.Errorf("diff of an unknown version: exit %d %s", code, errOut)
		}
	})
}
