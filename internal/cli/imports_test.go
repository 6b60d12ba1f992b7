package cli

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
)

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"", time.Time{}, false},
		{"2026-12-05T10:00:00Z", time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC), false},
		{"2026-12-05T10:00:00.250+01:00", time.Date(2026, 12, 5, 9, 0, 0, 250e6, time.UTC), false},
		{"2026-12-04", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), false},
		{"90m", now.Add(-90 * time.Minute), false},
		{"2h30m", now.Add(-150 * time.Minute), false},
		{"7d", now.Add(-7 * 24 * time.Hour), false},
		{"0s", now, false},
		{"-1h", time.Time{}, true},
		{"-2d", time.Time{}, true},
		{"yesterday", time.Time{}, true},
		{"1.5d", time.Time{}, true},
		{"d", time.Time{}, true},
		{"2026-12-05 10:00", time.Time{}, true},
	} {
		got, err := parseWhen(tt.in, now)
		if (err != nil) != tt.err || !got.Equal(tt.want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestImportsListFlags(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name                 string
		status, since, until string
		limit, pageSize      int
		wantStatus           string
		wantCancelled        bool
		usage                bool
	}{
		{name: "none", pageSize: 100},
		{name: "pending", status: "pending", pageSize: 100, wantStatus: "pending"},
		{name: "failure", status: "failure", pageSize: 100, wantStatus: "failure"},
		{name: "cancelled is a failure", status: "cancelled", pageSize: 100, wantStatus: "failure", wantCancelled: true},
		{name: "an unknown status", status: "done", pageSize: 100, usage: true},
		{name: "the platform's failed", status: "failed", pageSize: 100, usage: true},
		{name: "since before until", since: "2h", until: "1h", pageSize: 100},
		{name: "since after until", since: "1h", until: "2h", pageSize: 100, usage: true},
		{name: "since equals until", since: "2026-12-05", until: "2026-12-05T00:00:00Z", pageSize: 100, usage: true},
		{name: "a bad since", since: "soon", pageSize: 100, usage: true},
		{name: "a bad until", until: "later", pageSize: 100, usage: true},
		{name: "a limit", limit: 3, pageSize: 100},
		{name: "a negative limit", limit: -1, pageSize: 100, usage: true},
		{name: "the largest page", pageSize: 500},
		{name: "a page too large", pageSize: 501, usage: true},
		{name: "an empty page", pageSize: 0, usage: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := importsList{limit: tt.limit, opts: client.ListOptions{PageSize: tt.pageSize}}
			err := l.parse(tt.status, tt.since, tt.until, now)
			var ee *ExitError
			if tt.usage {
				if !errors.As(err, &ee) || ee.Code != ExitUsage {
					t.Errorf("parse = %v, want a usage error", err)
				}
				return
			}
			if err != nil || l.opts.Status != tt.wantStatus || l.cancelled != tt.wantCancelled {
				t.Errorf("parse = %v: status %q cancelled %v, want %q %v", err, l.opts.Status, l.cancelled, tt.wantStatus, tt.wantCancelled)
			}
		})
	}
}

func TestTook(t *testing.T) {
	const start = "2026-12-05T10:00:00.000Z"
	for _, tt := range []struct{ created, ended, want string }{
		{start, "", "-"},
		{start, "2026-12-05T10:00:00.345Z", "0.3s"},
		{start, "2026-12-05T10:00:59.999Z", "59.9s"},
		{start, "2026-12-05T10:01:00.000Z", "1m00s"},
		{start, "2026-12-05T10:04:05.900Z", "4m05s"},
		{start, "2026-12-05T12:03:00.000Z", "2h03m"},
		{start, "2026-12-06T09:59:59.000Z", "23h59m"},
		{start, "2026-12-08T14:00:00.000Z", "3d04h"},
		{start, "2026-12-05T09:00:00.000Z", "?"},
		{"never", "2026-12-05T10:00:00.000Z", "?"},
	} {
		got := took(tt.created, tt.ended)
		if got != tt.want {
			t.Errorf("took(%q, %q) = %q, want %q", tt.created, tt.ended, got, tt.want)
		}
		if len(got) > widthTook {
			t.Errorf("took(%q, %q) = %q: wider than its column", tt.created, tt.ended, got)
		}
	}
}

// TestItemRow: the table's columns line up for the ids and times the
// server writes; names and anything else from the server are escaped.
func TestItemRow(t *testing.T) {
	const bir, bot = "bir-0a1b2c3d-0000-4000-8000-000000000001", "st-0a1b2c3d-0000-4000-8000-000000000002"
	const created, ended = "2026-12-05T10:00:00.000Z", "2026-12-05T10:00:01.500Z"
	for _, tt := range []struct {
		name string
		it   client.ImportItem
		want string
	}{
		{"succeeded", client.ImportItem{ID: bir, Status: "success", StreamID: bot, BotName: "Demobot1", CreatedOn: created, EndedOn: ended},
			bir + "  success    " + created + "  1.5s    " + bot + "  Demobot1\n"},
		{"running, into a new bot", client.ImportItem{ID: bir, Status: "pending", BotName: "New", CreatedOn: created},
			bir + "  pending    " + created + "  -       -" + strings.Repeat(" ", 38) + "  New\n"},
		{"cancelled", client.ImportItem{ID: bir, Status: "failure", StreamID: bot, BotName: "B", CreatedOn: created, EndedOn: ended, Cancelled: true},
			bir + "  cancelled  " + created + "  1.5s    " + bot + "  B\n"},
		{"a dry run", client.ImportItem{ID: bir, Status: "success", BotName: "B", CreatedOn: created, EndedOn: ended, DryRun: true},
			bir + "  success    " + created + "  1.5s    -" + strings.Repeat(" ", 38) + "  B (dry run)\n"},
		{"no name", client.ImportItem{ID: bir, Status: "success", StreamID: bot, CreatedOn: created, EndedOn: ended},
			bir + "  success    " + created + "  1.5s    " + bot + "  -\n"},
		{"control characters", client.ImportItem{ID: bir, Status: "success\x1b[2J", StreamID: bot, BotName: "Bot\x1b]0;owned\x07\nfake", CreatedOn: created, EndedOn: ended},
			bir + `  success\x1b[2J  ` + created + "  1.5s    " + bot + `  Bot\x1b]0;owned\x07\nfake` + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := itemRow(tt.it); got != tt.want {
				t.Errorf("itemRow =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
	header := importRow("IMPORT", "STATUS", "CREATED", "TOOK", "BOT", "NAME")
	row := itemRow(client.ImportItem{ID: bir, Status: "success", StreamID: bot, BotName: "Demobot1", CreatedOn: created, EndedOn: ended})
	for _, col := range []string{"STATUS", "CREATED", "TOOK", "BOT", "NAME"} {
		i := strings.Index(header, col)
		if i <= 0 || row[i-2:i] != "  " || row[i] == ' ' {
			t.Errorf("column %s does not start where its header does:\n%s%s", col, header, row)
		}
	}
}
