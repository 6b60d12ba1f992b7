package httpapi

import (
	"net/url"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

func TestParseList(t *testing.T) {
	bot := kore.NewBotID()
	base, err := parseList(url.Values{"botId": {bot}, "status": {"failure"}}, "imports", "acct")
	if err != nil {
		t.Fatal(err)
	}
	token := base.nextToken(42)
	other, _ := parseList(url.Values{"botId": {bot}}, "imports", "acct")
	otherToken := other.nextToken(42)
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		name  string
		q     string
		ok    bool
		size  int
		check func(f store.ListFilter) bool
	}{
		{"defaults", "", true, 50, func(f store.ListFilter) bool { return f == store.ListFilter{AccountID: "acct", Limit: 51} }},
		{"size", "pageSize=7", true, 7, nil},
		{"size zero is the default", "pageSize=0", true, 50, nil},
		{"size over the maximum", "pageSize=501", true, 500, nil},
		{"size far over the maximum", "pageSize=99999999999999999999999", true, 500, nil},
		{"negative size", "pageSize=-1", false, 0, nil},
		{"far negative size", "pageSize=-99999999999999999999999", false, 0, nil},
		{"size not a number", "pageSize=ten", false, 0, nil},
		{"size twice", "pageSize=1&pageSize=2", false, 0, nil},
		{"status", "status=pending", true, 50, func(f store.ListFilter) bool { return f.Status == "pending" }},
		{"unknown status", "status=cancelled", false, 0, nil},
		{"status in capitals", "status=Success", false, 0, nil},
		{"bot", "botId=" + bot, true, 50, func(f store.ListFilter) bool { return f.BotID == bot }},
		{"not a bot id", "botId=bot-1", false, 0, nil},
		{"since and until", "since=2026-01-02T04:04:05%2B01:00&until=2026-02-01T00:00:00.5Z", true, 50, func(f store.ListFilter) bool {
			return f.Since.Equal(since) && f.Until.Equal(time.Date(2026, 2, 1, 0, 0, 0, 5e8, time.UTC))
		}},
		{"since not RFC 3339", "since=2026-01-02", false, 0, nil},
		{"until not a time", "until=yesterday", false, 0, nil},
		{"token", "botId=" + bot + "&status=failure&pageToken=" + token, true, 50, func(f store.ListFilter) bool { return f.Before == 42 }},
		{"token with another page size", "botId=" + bot + "&status=failure&pageSize=3&pageToken=" + token, true, 3, nil},
		{"token of other filters", "botId=" + bot + "&status=failure&pageToken=" + otherToken, false, 0, nil},
		{"token without its filters", "pageToken=" + token, false, 0, nil},
		{"token that does not decode", "pageToken=%21%21", false, 0, nil},
		{"token of JSON junk", "pageToken=" + "bm90IGpzb24", false, 0, nil},
	} {
		q, err := url.ParseQuery(tt.q)
		if err != nil {
			t.Fatal(err)
		}
		lr, err := parseList(q, "imports", "acct")
		if (err == nil) != tt.ok {
			t.Errorf("%s: error %v, want ok %v", tt.name, err, tt.ok)
			continue
		}
		if err != nil {
			if err != kore.ErrValidation {
				t.Errorf("%s: error %v, want ErrValidation", tt.name, err)
			}
			continue
		}
		if lr.pageSize != tt.size || lr.filter.Limit != tt.size+1 {
			t.Errorf("%s: page size %d (limit %d), want %d", tt.name, lr.pageSize, lr.filter.Limit, tt.size)
		}
		if tt.check != nil && !tt.check(lr.filter) {
			t.Errorf("%s: filter %+v", tt.name, lr.filter)
		}
	}
	// A token of the imports is not one of the exports.
	q := url.Values{"botId": {bot}, "status": {"failure"}, "pageToken": {token}}
	if _, err := parseList(q, "exports", "acct"); err == nil {
		t.Error("an imports token was accepted by the exports list")
	}
}
