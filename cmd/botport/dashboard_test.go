package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/internal/fixture"
)

// uiClient is a browser-like client of the dashboard: a cookie jar, no
// redirects followed (the tests look at them).
type uiClient struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string // the session's CSRF token, from the last page that had one
}

var reCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func newUIClient(t *testing.T, base string) *uiClient {
	jar, _ := cookiejar.New(nil)
	return &uiClient{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request and returns its status, Location and body.
func (c *uiClient) do(method, path string, form url.Values, header map[string]string) (int, string, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := reCSRF.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

// signIn signs in through the form, as a browser does.
func (c *uiClient) signIn(app, secret string) {
	c.t.Helper()
	if st, _, _ := c.do("GET", "/ui/login", nil, nil); st != http.StatusOK {
		c.t.Fatalf("GET /ui/login: %d", st)
	}
	st, loc, body := c.do("POST", "/ui/login", url.Values{"csrf": {c.csrf}, "clientId": {app}, "clientSecret": {secret}}, nil)
	if st != http.StatusSeeOther || loc != "/ui/imports" {
		c.t.Fatalf("sign-in answered %d to %q: %s", st, loc, body)
	}
	if st, _, _ := c.do("GET", "/ui/imports", nil, nil); st != http.StatusOK || c.csrf == "" {
		c.t.Fatalf("after sign-in, /ui/imports answered %d (CSRF token %q)", st, c.csrf)
	}
}

// TestDashboardBadInput sends what a careless or hostile browser might to
// every /ui route: unknown and malformed ids, another account's bot and
// import, forms without or with a wrong CSRF token, from another site,
// ended and forged sessions. None is answered 500, each gets the answer a
// person can act on (404, 403, the sign-in page), and the server log holds
// no session cookie and no secret.
func TestDashboardBadInput(t *testing.T) {
	ts := startServer(t, "--log-level", "info")
	c := ts.client()
	first := wait(t, c, startImport(t, c, "", uploadExport(t, c, fixture.Get(t, "demobot1-full"))))
	if first.Status != "success" {
		t.Fatalf("import: %+v", first)
	}
	bot, bir := first.StreamID, first.ID
	otherID, otherSecret := newAppCreds(t, ts, "other", "bot_import", "bot_export")

	signedOut := newUIClient(t, ts.URL)
	if st, loc, _ := signedOut.do("GET", "/ui/", nil, nil); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/login") {
		t.Errorf("signed out, /ui/ answered %d to %q, want the sign-in page", st, loc)
	}
	if st, loc, _ := signedOut.do("GET", "/ui", nil, nil); st != http.StatusSeeOther || loc != "/ui/" {
		t.Errorf("/ui answered %d to %q", st, loc)
	}

	a := newUIClient(t, ts.URL)
	a.signIn(ts.AppID, ts.Secret)
	var session string
	u, _ := url.Parse(ts.URL + "/ui/")
	for _, ck := range a.hc.Jar.Cookies(u) {
		if ck.Name == "botport_session" {
			session = ck.Value
		}
	}
	if session == "" {
		t.Fatal("no session cookie after sign-in")
	}
	b := newUIClient(t, ts.URL)
	b.signIn(otherID, otherSecret)

	good := func(extra url.Values) url.Values {
		v := url.Values{"csrf": {a.csrf}}
		for k, x := range extra {
			v[k] = x
		}
		return v
	}
	for _, tc := range []struct {
		name         string
		who          *uiClient
		method, path string
		form         url.Values
		header       map[string]string
		want         int
		wantLoc      string // a prefix of Location
	}{
		{"unknown import", a, "GET", "/ui/imports/bir-00000000-0000-4000-8000-000000000000", nil, nil, 404, ""},
		{"malformed import id", a, "GET", "/ui/imports/%00%ff'\"<x>", nil, nil, 404, ""},
		{"unknown import's document", a, "GET", "/ui/imports/bir-00000000-0000-4000-8000-000000000000/document", nil, nil, 404, ""},
		{"malformed bot id", a, "GET", "/ui/bots/..%2f..%2fetc", nil, nil, 404, ""},
		{"unknown bot", a, "GET", "/ui/bots/st-00000000-0000-4000-8000-000000000000", nil, nil, 404, ""},
		{"diff of versions that do not exist", a, "GET", "/ui/bots/" + bot + "/diff?from=-1&to=99", nil, nil, 404, ""},
		{"diff with words for versions", a, "GET", "/ui/bots/" + bot + "/diff?from=one&to=", nil, nil, 404, ""},
		{"restore page of no version", a, "GET", "/ui/bots/" + bot + "/restore?version=1e9", nil, nil, 404, ""},
		{"filters that match nothing", a, "GET", "/ui/imports?status=%3Cb%3E&bot=nope&after=%ff%fe&limit=-5", nil, nil, 200, ""},
		{"unknown page", a, "GET", "/ui/nothing/here", nil, nil, 404, ""},
		{"jobs, not an administrator", a, "GET", "/ui/jobs/", nil, nil, 403, ""},
		{"live rows of unknown ids", a, "GET", "/ui/imports/live?watch=x&watch=" + strings.Repeat("y", 500), nil, nil, 200, ""},

		{"restore without a CSRF token", a, "POST", "/ui/bots/" + bot + "/restore", url.Values{"version": {"1"}}, nil, 403, ""},
		{"restore with another CSRF token", a, "POST", "/ui/bots/" + bot + "/restore", url.Values{"version": {"1"}, "csrf": {b.csrf}}, nil, 403, ""},
		{"restore from another site", a, "POST", "/ui/bots/" + bot + "/restore", good(url.Values{"version": {"1"}}), map[string]string{"Origin": "https://evil.example"}, 403, ""},
		{"restore, cross-site fetch", a, "POST", "/ui/bots/" + bot + "/restore", good(url.Values{"version": {"1"}}), map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, ""},
		{"restore of no version", a, "POST", "/ui/bots/" + bot + "/restore", good(url.Values{"version": {"x"}}), nil, 404, ""},
		{"restore of the unknown bot", a, "POST", "/ui/bots/st-00000000-0000-4000-8000-000000000000/restore", good(url.Values{"version": {"1"}}), nil, 404, ""},
		{"cancel of an ended import", a, "POST", "/ui/imports/" + bir + "/cancel", good(nil), nil, 409, ""},
		{"cancel of a malformed id", a, "POST", "/ui/imports/nope/cancel", good(nil), nil, 404, ""},
		{"export of a malformed id", a, "POST", "/ui/bots/nope/export", good(nil), nil, 404, ""},
		{"sign-out without a CSRF token", a, "POST", "/ui/logout", url.Values{}, nil, 403, ""},
		{"a form too large", a, "POST", "/ui/bots/" + bot + "/restore", good(url.Values{"pad": {strings.Repeat("x", 64<<10)}}), nil, 403, ""},

		{"another account's import", b, "GET", "/ui/imports/" + bir, nil, nil, 404, ""},
		{"another account's import document", b, "GET", "/ui/imports/" + bir + "/document", nil, nil, 404, ""},
		{"another account's bot", b, "GET", "/ui/bots/" + bot, nil, nil, 404, ""},
		{"another account's diff", b, "GET", "/ui/bots/" + bot + "/diff?from=1&to=1", nil, nil, 404, ""},
		{"another account's cancel", b, "POST", "/ui/imports/" + bir + "/cancel", url.Values{"csrf": {b.csrf}}, nil, 404, ""},
		{"another account's export", b, "POST", "/ui/bots/" + bot + "/export", url.Values{"csrf": {b.csrf}}, nil, 404, ""},

		{"signed out, a page", signedOut, "GET", "/ui/bots/" + bot, nil, nil, 303, "/ui/login?next=%2Fui%2Fbots%2F"},
		{"signed out, a form", signedOut, "POST", "/ui/bots/" + bot + "/restore", url.Values{"version": {"1"}}, nil, 401, ""},
		{"signed out, the jobs", signedOut, "GET", "/ui/jobs/", nil, nil, 303, "/ui/login"},
		{"sign-in without its form's token", signedOut, "POST", "/ui/login", url.Values{"clientId": {ts.AppID}, "clientSecret": {ts.Secret}}, nil, 403, ""},
	} {
		st, loc, body := tc.who.do(tc.method, tc.path, tc.form, tc.header)
		if st != tc.want || !strings.HasPrefix(loc, tc.wantLoc) {
			t.Errorf("%s: %s %s answered %d (Location %q), want %d (%q)\n%.300s", tc.name, tc.method, tc.path, st, loc, tc.want, tc.wantLoc, body)
		}
		if strings.Contains(body, bir) && tc.who == b {
			t.Errorf("%s: account B's page names A's import", tc.name)
		}
	}

	// Live rows of an older page (no "after") whose imports have all ended,
	// or are another account's: the stream says it is done at once, so the
	// page does not reconnect.
	for who, c := range map[string]*uiClient{"A": a, "B": b} {
		st, _, body := c.do("GET", "/ui/imports/live?before=1&watch="+bir, nil, nil)
		if st != http.StatusOK || !strings.Contains(body, "event: done") || (who == "B") == strings.Contains(body, "event: row") {
			t.Errorf("account %s's live rows of an ended import: %d\n%s", who, st, body)
		}
	}

	// A sign-in never goes on to another host.
	if st, _, body := signedOut.do("GET", "/ui/login?next=//evil.example/", nil, nil); st != http.StatusOK || !strings.Contains(body, `name="next" value="/ui/imports"`) {
		t.Errorf("the sign-in page with next=//evil.example/ answered %d:\n%s", st, body)
	}

	// A forged session cookie and an ended one both go to the sign-in page.
	forged := newUIClient(t, ts.URL)
	forged.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "botport_session", Value: strings.Repeat("A", 43), Path: "/ui"}})
	if st, loc, _ := forged.do("GET", "/ui/imports", nil, nil); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/login") {
		t.Errorf("a forged session: %d to %q", st, loc)
	}
	copied := newUIClient(t, ts.URL)
	copied.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "botport_session", Value: session, Path: "/ui"}})
	if st, _, _ := copied.do("GET", "/ui/bots", nil, nil); st != http.StatusOK {
		t.Errorf("a copy of the session cookie does not open the session: %d", st)
	}
	if st, loc, _ := a.do("POST", "/ui/logout", url.Values{"csrf": {a.csrf}}, nil); st != http.StatusSeeOther || loc != "/ui/login" {
		t.Errorf("sign-out answered %d to %q", st, loc)
	}
	if st, loc, _ := copied.do("GET", "/ui/bots", nil, nil); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/login") {
		t.Errorf("after sign-out, a copy of the session cookie answered %d to %q", st, loc)
	}

	logs := ts.logs.String()
	if !strings.Contains(logs, "dashboard sign-in") {
		t.Errorf("the server log (info) has no sign-in line: the test below checks nothing\n%s", logs)
	}
	for what, secret := range map[string]string{"a session cookie": session, "a client secret": ts.Secret, "account B's secret": otherSecret} {
		if strings.Contains(logs, secret) {
			t.Errorf("the server log holds %s", what)
		}
	}
	for _, bad := range []string{"panic", "dashboard fault", "status=500"} {
		if strings.Contains(logs, bad) {
			t.Errorf("the server log has %q\n%s", bad, logs)
		}
	}
}

var reRow = regexp.MustCompile(`<tr id="row-(bir-[0-9a-f-]+)" data-id="[^"]+" data-status="(\w+)"`)

// rows lists the import rows of a page: id and status, in page order.
func rows(body string) (ids []string, status map[string]string) {
	status = map[string]string{}
	for _, m := range reRow.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
		status[m[1]] = m[2]
	}
	return ids, status
}

// TestDashboardImportsPages: the imports page lists the account's imports
// newest first, 25 a page, the older ones behind its "Older" link with no
// import twice or left out, and its filters keep only the bot's or the
// status's imports, on every page.
func TestDashboardImportsPages(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	fx := fixture.Get(t, "demobot1-full")
	good := wait(t, c, startImport(t, c, "", uploadExport(t, c, fx)))
	if good.Status != "success" {
		t.Fatalf("import: %+v", good)
	}
	broken := uploadExport(t, c, fx)
	broken.BotDefinition = uploadPath(t, c, writeTemp(t, "botDefinition.json", []byte(`{"dialogs": 5}`)))
	var all []string // newest first
	for range 27 {
		all = append([]string{startImport(t, c, "", broken)}, all...)
	}
	for _, bir := range all {
		if st := wait(t, c, bir); st.Status != "failure" {
			t.Fatalf("the broken import %s: %s", bir, st.Status)
		}
	}
	all = append(all, good.ID)

	ui := newUIClient(t, ts.URL)
	ui.signIn(ts.AppID, ts.Secret)
	var got []string
	next := "/ui/imports"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("more than 3 pages of 28 imports")
		}
		st, _, body := ui.do("GET", next, nil, nil)
		if st != http.StatusOK {
			t.Fatalf("%s: %d", next, st)
		}
		ids, _ := rows(body)
		if pages == 0 && len(ids) != 25 {
			t.Errorf("the first page has %d rows, want 25", len(ids))
		}
		got = append(got, ids...)
		next = ""
		if m := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if strings.Join(got, " ") != strings.Join(all, " ") {
		t.Errorf("the pages list\n%v\nwant, newest first,\n%v", got, all)
	}

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"?status=success", []string{good.ID}},
		{"?bot=" + good.StreamID, []string{good.ID}},
		{"?status=failure&bot=" + good.StreamID, nil},
		{"?status=pending", nil},
	} {
		st, _, body := ui.do("GET", "/ui/imports"+tc.query, nil, nil)
		ids, _ := rows(body)
		if st != http.StatusOK || strings.Join(ids, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: %d, rows %v, want %v", tc.query, st, ids, tc.want)
		}
	}
	st, _, body := ui.do("GET", "/ui/imports?status=failure", nil, nil)
	ids, status := rows(body)
	if st != http.StatusOK || len(ids) != 25 || !strings.Contains(body, `rel="next"`) {
		t.Errorf("?status=failure: %d, %d rows, a next link: %v", st, len(ids), strings.Contains(body, `rel="next"`))
	}
	for id, s := range status {
		if s != "failure" {
			t.Errorf("?status=failure lists %s, %s", id, s)
		}
	}
}
