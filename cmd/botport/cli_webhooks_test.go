package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/cli"
	"github.com/botport/botport/internal/fixture"
)

var reSecret = regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`)

// TestCLIWebhooks drives `botport webhooks add|list|rm` against a server
// on SQLite and PostgreSQL with a receiver on 127.0.0.1: the output
// (golden), the secret shown once and good for verifying a delivery, -q,
// -o json, and the exit codes of usage errors (2) and refusals (3).
func TestCLIWebhooks(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend, ts *testServer) {
		recv := newHookReceiver(t)
		url := recv.srv.URL + "/hooks"

		out, errOut, code := runCLI(t, ts, "webhooks", "add", url, "--events", "import.succeeded,import.failed")
		secret := reSecret.FindString(out)
		if code != 0 || errOut != "" || secret == "" {
			t.Fatalf("webhooks add: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		recv.secret.Store(&secret)
		golden(t, "webhooks-add.txt", strings.ReplaceAll(out, secret, "whsec_SECRET"))

		out, errOut, code = runCLI(t, ts, "webhooks", "add", url, "--events", "import.failed", "--events", "export.failed", "-q")
		lines := strings.Split(out, "\n")
		if code != 0 || errOut != "" || len(lines) != 3 || !strings.HasPrefix(lines[0], "wh-") || !reSecret.MatchString(lines[1]) || lines[2] != "" {
			t.Fatalf("webhooks add -q: exit %d, stdout %q, stderr %q; want the id, then the secret", code, out, errOut)
		}
		second := lines[0]

		out, _, code = runCLI(t, ts, "webhooks", "add", url, "--events", "publish.succeeded", "--json")
		var added client.Webhook
		if err := json.Unmarshal([]byte(out), &added); err != nil || code != 0 || !reSecret.MatchString(added.Secret) || added.URL != url {
			t.Fatalf("webhooks add --json: exit %d, %v: %s", code, err, out)
		}

		out, errOut, code = runCLI(t, ts, "webhooks", "list")
		if code != 0 || errOut != "" || strings.Contains(out, "whsec_") {
			t.Fatalf("webhooks list: exit %d, stdout %q, stderr %q (no secrets)", code, out, errOut)
		}
		golden(t, "webhooks-list.txt", out)
		for _, args := range [][]string{{"-o", "json"}, {"--json"}} {
			out, _, code := runCLI(t, ts, append([]string{"webhooks", "list"}, args...)...)
			var ws []client.Webhook
			if err := json.Unmarshal([]byte(out), &ws); err != nil || code != 0 || len(ws) != 3 || ws[1].ID != second || ws[0].Secret != "" {
				t.Fatalf("webhooks list %v: exit %d, %v: %s", args, code, err, out)
			}
		}

		// The secret add printed verifies the delivery of an import.
		c := ts.client()
		st, err := c.ImportNew(context.Background(), uploadExport(t, c, fixture.Get(t, "demobot1-full")))
		if err != nil {
			t.Fatal(err)
		}
		if done := wait(t, c, st.ID); done.Status != "success" {
			t.Fatalf("import ended %s", done.Status)
		}
		calls := recv.waitAccepted(t, 1, 2*time.Minute)
		if !calls[0].Verified || calls[0].Type != "import.succeeded" {
			t.Errorf("delivery %+v: want import.succeeded, verified with the secret add printed", calls[0])
		}

		out, errOut, code = runCLI(t, ts, "webhooks", "rm", second)
		if code != 0 || errOut != "" {
			t.Fatalf("webhooks rm: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		golden(t, "webhooks-rm.txt", out)
		if out, _, code := runCLI(t, ts, "webhooks", "rm", added.ID, "-q"); code != 0 || out != "" {
			t.Errorf("webhooks rm -q: exit %d, printed %q, want nothing", code, out)
		}
		out, _, _ = runCLI(t, ts, "webhooks", "list", "-o", "json")
		var ws []client.Webhook
		if err := json.Unmarshal([]byte(out), &ws); err != nil || len(ws) != 1 || ws[0].Secret != "" {
			t.Errorf("webhooks list after rm: %v: %s", err, out)
		}

		for _, tc := range []struct {
			name string
			args []string
			want int
			say  string
		}{
			{"AddNoEvents", []string{"add", url}, cli.ExitUsage, "--events"},
			{"AddUnknownEvent", []string{"add", url, "--events", "import.started"}, cli.ExitUsage, `unknown event type "import.started"`},
			{"AddNoURL", []string{"add", "--events", "import.failed"}, cli.ExitUsage, "argument"},
			{"AddQuietJSON", []string{"add", url, "--events", "import.failed", "-q", "--json"}, cli.ExitUsage, "exclude"},
			{"AddNotHTTP", []string{"add", "ftp://127.0.0.1/x", "--events", "import.failed"}, cli.ExitRefused, ""},
			{"ListBadFormat", []string{"list", "-o", "yaml"}, cli.ExitUsage, "table or json"},
			{"ListArgs", []string{"list", "x"}, cli.ExitUsage, "argument"},
			{"RmNoID", []string{"rm"}, cli.ExitUsage, "argument"},
			{"RmRemoved", []string{"rm", second}, cli.ExitRefused, ""},
			{"RmUnknown", []string{"rm", "wh-nope"}, cli.ExitRefused, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out, errOut, code := runCLI(t, ts, append([]string{"webhooks"}, tc.args...)...)
				if code != tc.want || !strings.Contains(errOut, tc.say) || strings.Contains(out, "whsec_") {
					t.Errorf("exit %d, stdout %q, stderr %q; want exit %d saying %q", code, out, errOut, tc.want, tc.say)
				}
			})
		}
	}, "--webhook-allow-private")
}
