package main

import (
	"context"
	"github.com/botport/botport/client"
	"testing"

	"github.com/botport/botport/internal/fixture"
)

// TestVersionsAndRestore lists a bot's versions and restores an earlier one
// as a new version whose content hash equals the restored one's.
func TestVersionsAndRestore(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	ctx := context.Background()
	first, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
	if err != nil {
		t.Fatal(err)
	}
	botID := wait(t, c, first.ID).StreamID
	second, err := c.ImportInto(ctx, botID, uploadExport(t, c, fixture.Get(t, "demobot1-all")))
	if err != nil {
		t.Fatal(err)
	}
	wait(t, c, second.ID)

	list := func() []client.Version {
		vs, err := c.Versions(ctx, botID)
		if err != nil {
			t.Fatal(err)
		}
		return vs
	}
	vs := list()
	if len(vs) != 2 || vs[0].ImportID != first.ID || vs[1].ImportID != second.ID || !vs[1].Current || vs[0].Current ||
		vs[0].ContentHash == vs[1].ContentHash {
		t.Fatalf("versions %+v", vs)
	}
	restored, err := c.RestoreVersion(ctx, botID, 1)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	vs = list()
	if len(vs) != 3 || !vs[2].Current || vs[2].ContentHash != vs[0].ContentHash || restored.Version != 3 || restored.RestoredFrom != 1 {
		t.Errorf("after restoring version 1: %+v (restore answered %+v)", vs, restored)
	}
	if _, err := c.RestoreVersion(ctx, botID, 9); !client.IsStatus(err, 404) {
		t.Errorf("restore of an unknown version: %v", err)
	}
	for _, tt := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"POST", "/api/botport/bots/" + botID + "/versions/9/restore", 404, `{"errors":[{"msg":"Invalid version","code":404}]}`},
		{"POST", "/api/botport/bots/st-00000000-0000-4000-8000-000000000000/versions/1/restore", 400, `{"errors":[{"msg":"Invalid StreamId","code":400}]}`},
		{"GET", "/api/botport/bots/" + botID + "/versions/1/restore", 405, `{"errors":[{"msg":"Method Not Allowed","code":405}]}`},
	} {
		resp, body := rawRequest(t, tt.method, ts.URL+tt.path, map[string]string{"auth": mustToken(t, c)}, nil)
		if resp.StatusCode != tt.status || string(body) != tt.body {
			t.Errorf("%s %s: %d %s", tt.method, tt.path, resp.StatusCode, body)
		}
	}
	other := ts.createApp(t, "elsewhere", "bot_import")
	tok, _ := signFor(other)
	resp, body := rawRequest(t, "GET", ts.URL+"/api/botport/bots/"+botID+"/versions", map[string]string{"auth": tok}, nil)
	if resp.StatusCode != 400 || string(body) != `{"errors":[{"msg":"Invalid StreamId","code":400}]}` {
		t.Errorf("another account lists versions: %d %s", resp.StatusCode, body)
	}
}
