package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/exporter"
	"github.com/botport/botport/internal/exportzip"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/store"
)

// importBot imports a fixture as a new bot and returns the bot id.
func importBot(t *testing.T, c *client.Client, e fixture.Export) string {
	t.Helper()
	start, err := c.ImportNew(context.Background(), uploadExport(t, c, e))
	if err != nil {
		t.Fatal(err)
	}
	st := wait(t, c, start.ID)
	if st.Status != "success" {
		t.Fatalf("import of %s: %s %s", e.Name, st.Status, st.Message)
	}
	return st.StreamID
}

// exportBot starts an export and follows it to its end.
func exportBot(t *testing.T, c *client.Client, botID string, req client.ExportRequest) *client.ExportStatus {
	t.Helper()
	start, err := c.Export(context.Background(), botID, req)
	if err != nil {
		t.Fatalf("export %s: %v", botID, err)
	}
	return waitExport(t, c, botID, start.ID)
}

// waitExport polls the bot's export status until the export ends.
func waitExport(t *testing.T, c *client.Client, botID, ber string) *client.ExportStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := c.WaitExport(ctx, botID, ber, pollPause(c, 20*time.Millisecond))
	if err != nil {
		t.Fatalf("wait for export %s: %v", ber, err)
	}
	if st.ID != ber {
		t.Fatalf("status reports export %s, want %s", st.ID, ber)
	}
	return st
}

// download fetches a link with a client that has no credentials at all.
func download(t *testing.T, ts *testServer, link string) ([]byte, *client.Downloaded) {
	t.Helper()
	var buf bytes.Buffer
	d, err := client.New(ts.URL, "", "").Download(context.Background(), link, &buf)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	return buf.Bytes(), d
}

// unzip returns the entries of an export zip by name, checking it is one
// that imports accept.
func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	if _, err := exportzip.Read(bytes.NewReader(b), int64(len(b)), exportzip.Limits{}); err != nil {
		t.Fatalf("export zip refused by the import's reader: %v", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = data
	}
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func contentHash(t *testing.T, st store.Store, accountID, botID string) string {
	t.Helper()
	ctx := context.Background()
	bot, err := st.Bot(ctx, accountID, botID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.Version(ctx, accountID, bot.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	return v.ContentHash
}

// TestExportRoundTrip imports every fixture, exports it, downloads the zip
// without credentials, and checks that the files are the uploaded bytes and
// that importing the zip gives a bot with the same content.
func TestExportRoundTrip(t *testing.T) {
	ts := startServer(t, "--download-ttl", "90m")
	c := ts.client()
	st := openStore(t, ts)
	ctx := context.Background()
	for _, e := range fixture.Exports(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			botID := importBot(t, c, e)
			start, err := c.Export(ctx, botID, client.ExportRequest{ExportType: "latest"})
			if err != nil {
				t.Fatal(err)
			}
			if start.Status != "pending" || start.StreamID != botID || start.ExportType != "latest" || start.RequestType != "Botexport" ||
				!strings.HasPrefix(start.ID, "ber-") || !strings.HasPrefix(start.CreatedBy, "u-") || len(start.CreatedOn) != 24 {
				t.Errorf("start document: %+v", start)
			}
			fin := waitExport(t, c, botID, start.ID)
			if fin.Status != "success" {
				t.Fatalf("export: %s %s", fin.Status, fin.Message)
			}
			if fin.BotID != botID || fin.StreamID != botID || len(fin.FileID) != 24 || fin.Store == nil || fin.Message != "" {
				t.Errorf("status document: %+v", fin)
			}
			link, err := url.Parse(fin.DownloadURL)
			if err != nil {
				t.Fatal(err)
			}
			if fin.DownloadURL != ts.URL+"/api/public/bot/export/download/"+fin.ID+"?"+fin.Store.URLParams {
				t.Errorf("downloadURL %s, urlParams %s", fin.DownloadURL, fin.Store.URLParams)
			}
			// --download-ttl 90m: the link expires in 90 minutes.
			expires, _ := strconv.ParseInt(link.Query().Get("expires"), 10, 64)
			if d := time.Until(time.Unix(expires, 0)); d < 89*time.Minute || d > 91*time.Minute {
				t.Errorf("link expires in %v, want 90m", d)
			}
			zipBytes, d := download(t, ts, fin.DownloadURL)
			if fin.FileSize != strconv.Itoa(len(zipBytes)) {
				t.Errorf("fileSize %s, zip has %d bytes", fin.FileSize, len(zipBytes))
			}
			bot, _ := st.Bot(ctx, ts.AccountID, botID)
			if d.FileName != bot.Name+".zip" {
				t.Errorf("file name %q, want %q", d.FileName, bot.Name+".zip")
			}
			files := unzip(t, zipBytes)
			var names []string
			for n := range files {
				names = append(names, n)
			}
			slices.Sort(names)
			if strings.Join(names, ",") != "botDefinition.json,config.json,icon.png" {
				t.Errorf("zip entries %v", names)
			}
			for _, name := range []string{"botDefinition.json", "config.json", "icon.png"} {
				if want := readFile(t, e.File(name)); !bytes.Equal(files[name], want) {
					t.Errorf("%s: %d bytes exported, the fixture has %d; they differ", name, len(files[name]), len(want))
				}
			}

			// The zip imports as a bot with the same content.
			up, err := c.Upload(ctx, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(zipBytes)), nil },
				client.UploadOptions{FileName: d.FileName})
			if err != nil {
				t.Fatal(err)
			}
			again, err := c.ImportNew(ctx, client.ImportRequest{UploadMode: "ZIP", ZipInfo: up.FileID})
			if err != nil {
				t.Fatal(err)
			}
			done := wait(t, c, again.ID)
			if done.Status != "success" {
				t.Fatalf("import of the exported zip: %s %s", done.Status, done.Message)
			}
			if a, b := contentHash(t, st, ts.AccountID, botID), contentHash(t, st, ts.AccountID, done.StreamID); a != b {
				t.Errorf("content hash of the original bot %s, of the re-imported one %s", a, b)
			}
		})
	}
}

// members returns a botDefinition.json's top-level members in order, with
// their values.
func members(t *testing.T, b []byte) ([]string, map[string]json.RawMessage) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %v", err)
	}
	var order []string
	vals := map[string]json.RawMessage{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		order = append(order, k.(string))
		vals[k.(string)] = v
	}
	return order, vals
}

// sameJSON reports whether two JSON texts hold equal values.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}

// TestSubsetExports exports a bot made from demobot1-all with the three
// selections of the platform's partial Demobot1 exports: each has the
// partial file's members, with its values (the stubs of the NLP-only export
// included), and echoes the request in exportOptions.
func TestSubsetExports(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	botID := importBot(t, c, fixture.Get(t, "demobot1-all"))
	publishBot(t, c, botID) // the platform's partial exports were made of the published version
	for _, name := range []string{"demobot1-tasks-only", "demobot1-nlp-only", "demobot1-without-settings"} {
		t.Run(name, func(t *testing.T) {
			want := fixture.Get(t, name)
			wantOrder, wantVals := members(t, readFile(t, want.File("botDefinition.json")))
			// The platform's request, read back from its echo.
			var echo struct {
				Tasks, NLPData, Settings []string
				SubTasks                 *client.SubTasks
				IncludeDependentTasks    *bool
			}
			if err := json.Unmarshal(wantVals["exportOptions"], &echo); err != nil {
				t.Fatal(err)
			}
			opts := &client.ExportOptions{Tasks: nonNil(echo.Tasks), NLPData: nonNil(echo.NLPData), Settings: nonNil(echo.Settings)}
			fin := exportBot(t, c, botID, client.ExportRequest{ExportType: "published", ExportOptions: opts,
				SubTasks: echo.SubTasks, IncludeDependentTasks: echo.IncludeDependentTasks})
			if fin.Status != "success" || fin.ExportType != "published" {
				t.Fatalf("export: %s %s (%s)", fin.Status, fin.Message, fin.ExportType)
			}
			zipBytes, _ := download(t, ts, fin.DownloadURL)
			files := unzip(t, zipBytes)
			gotOrder, gotVals := members(t, files["botDefinition.json"])
			g, w := slices.Sorted(slices.Values(gotOrder)), slices.Sorted(slices.Values(wantOrder))
			if !slices.Equal(g, w) {
				t.Fatalf("members differ:\n got %v\nwant %v", g, w)
			}
			for _, m := range wantOrder {
				if m == "encryptedHash" { // the platform's hash of its own file
					continue
				}
				if !sameJSON(gotVals[m], wantVals[m]) {
					t.Errorf("member %s differs:\n got %.300s\nwant %.300s", m, gotVals[m], wantVals[m])
				}
			}
			if name == "demobot1-nlp-only" {
				// Spelled out, as the contract puts it: every dialog and
				// component is the platform's stub.
				for _, m := range []string{"dialogs", "dialogComponents"} {
					var got, want []json.RawMessage
					json.Unmarshal(gotVals[m], &got)
					json.Unmarshal(wantVals[m], &want)
					if len(got) != len(want) || len(got) == 0 {
						t.Fatalf("%s: %d elements, want %d", m, len(got), len(want))
					}
					for i := range got {
						if !sameJSON(got[i], want[i]) {
							t.Errorf("%s[%d] is not the platform's stub:\n got %s\nwant %s", m, i, got[i], want[i])
						}
					}
				}
			}
			if !bytes.Equal(files["config.json"], readFile(t, want.File("config.json"))) {
				t.Errorf("config.json:\n%s", files["config.json"])
			}
		})
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TestExportOptions covers variables, subTasks with and without dependent
// tasks, and what a selection leaves in config.json.
func TestExportOptions(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	botID := importBot(t, c, fixture.Get(t, "demobot1-all"))
	all := []string{"botSettings", "botVariables", "ivrSettings", "genAIandLLMSettings"}
	tasks := []string{"botTask", "knowledgeGraph", "smallTalk", "forms"}
	nlp := []string{"nlpSettings", "utterances", "patterns", "standardResponses", "synonyms", "concepts", "traits"}
	get := func(t *testing.T, req client.ExportRequest) (map[string]json.RawMessage, []byte) {
		t.Helper()
		fin := exportBot(t, c, botID, req)
		if fin.Status != "success" {
			t.Fatalf("export: %s %s", fin.Status, fin.Message)
		}
		zipBytes, _ := download(t, ts, fin.DownloadURL)
		files := unzip(t, zipBytes)
		_, vals := members(t, files["botDefinition.json"])
		return vals, files["config.json"]
	}
	count := func(raw json.RawMessage) int {
		var a []json.RawMessage
		json.Unmarshal(raw, &a)
		return len(a)
	}

	t.Run("variables", func(t *testing.T) {
		// demobot1-all has one env variable, abc.
		_, cfg := get(t, client.ExportRequest{ExportType: "latest", ExportOptions: &client.ExportOptions{Tasks: tasks, NLPData: nlp, Settings: all}})
		if !bytes.Equal(cfg, readFile(t, fixture.Get(t, "demobot1-all").File("config.json"))) {
			t.Errorf("everything selected: config.json differs:\n%s", cfg)
		}
		_, cfg = get(t, client.ExportRequest{ExportType: "latest", ExportOptions: &client.ExportOptions{Tasks: tasks, Settings: all,
			Options: &client.ExportSubOpts{BotVariables: &client.BotVariablesOptions{Ignore: []string{"abc"}}}}})
		if !strings.Contains(string(cfg), `"envVariables": []`) {
			t.Errorf("ignore [abc]: config.json\n%s", cfg)
		}
		_, cfg = get(t, client.ExportRequest{ExportType: "latest", ExportOptions: &client.ExportOptions{Settings: all,
			Options: &client.ExportSubOpts{BotVariables: &client.BotVariablesOptions{IgnoreEnvironmentVariables: true}}}})
		if !strings.Contains(string(cfg), `"envVariables": []`) {
			t.Errorf("ignoreEnvironmentVariables: config.json\n%s", cfg)
		}
	})
	t.Run("subTasks", func(t *testing.T) {
		// Two dialogs, by name (any case) and by dg- id: only they, their
		// components, and the utterances and patterns of those.
		vals, _ := get(t, client.ExportRequest{ExportType: "latest",
			SubTasks: &client.SubTasks{Dialogs: []string{"paybill", "dg-15aa07d9-7c46-5fe2-9073-4b1927f552b2"}}})
		if n := count(vals["dialogs"]); n != 2 {
			t.Errorf("%d dialogs, want 2", n)
		}
		var dialogs []struct {
			Nodes []struct{ ComponentID string } `json:"nodes"`
		}
		json.Unmarshal(vals["dialogs"], &dialogs)
		var comps []struct {
			ID string `json:"_id"`
		}
		json.Unmarshal(vals["dialogComponents"], &comps)
		have := map[string]bool{}
		for _, c := range comps {
			have[c.ID] = true
		}
		for _, d := range dialogs {
			for _, n := range d.Nodes {
				if !have[n.ComponentID] {
					t.Errorf("component %s of an exported dialog is missing", n.ComponentID)
				}
			}
		}
		if len(comps) >= 18 || len(comps) == 0 {
			t.Errorf("%d components exported for two dialogs", len(comps))
		}
		var sentences []struct{ TaskID string }
		json.Unmarshal(vals["sentences"], &sentences)
		if len(sentences) == 0 || len(sentences) >= 116 {
			t.Errorf("%d utterances exported for two dialogs", len(sentences))
		}
		for _, s := range sentences {
			if !have[s.TaskID] {
				t.Errorf("utterance of component %s, which is not exported", s.TaskID)
			}
		}
		var echo map[string]json.RawMessage
		json.Unmarshal(vals["exportOptions"], &echo)
		if !sameJSON(echo["subTasks"], []byte(`{"dialogs":["paybill","dg-15aa07d9-7c46-5fe2-9073-4b1927f552b2"]}`)) {
			t.Errorf("exportOptions echo: %s", vals["exportOptions"])
		}
	})
	t.Run("subTasksNoMatch", func(t *testing.T) {
		fin := exportBot(t, c, botID, client.ExportRequest{ExportType: "latest", SubTasks: &client.SubTasks{Dialogs: []string{"no such dialog"}}})
		if fin.Status != "failure" || fin.Message == "" || fin.DownloadURL != "" {
			t.Errorf("export of no dialog: %+v", fin)
		}
	})
}

// TestDependentTasks: with IncludeDependentTasks, a dialog that jumps to
// another brings it along; without, it comes alone.
func TestDependentTasks(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	// candy-education's dialogs jump to others (flowTaskId).
	e := fixture.Get(t, "candy-education")
	var def struct {
		Dialogs []struct {
			ID    string `json:"_id"`
			RefID string `json:"refId"`
			Nodes []struct {
				FlowTaskID string `json:"flowTaskId"`
			} `json:"nodes"`
		} `json:"dialogs"`
	}
	if err := json.Unmarshal(readFile(t, e.File("botDefinition.json")), &def); err != nil {
		t.Fatal(err)
	}
	// The first dialog with a jump to another, and the set it reaches.
	byRef := map[string]int{}
	for i, d := range def.Dialogs {
		byRef[d.RefID] = i
	}
	from := -1
	for i, d := range def.Dialogs {
		for _, n := range d.Nodes {
			if j, ok := byRef[n.FlowTaskID]; ok && j != i && from < 0 {
				from = i
			}
		}
	}
	if from < 0 {
		t.Fatal("candy-education has no jump")
	}
	reach := map[int]bool{from: true}
	for changed := true; changed; {
		changed = false
		for i := range reach {
			for _, n := range def.Dialogs[i].Nodes {
				if j, ok := byRef[n.FlowTaskID]; ok && !reach[j] {
					reach[j], changed = true, true
				}
			}
		}
	}
	botID := importBot(t, c, e)
	yes, no := true, false
	for _, dep := range []*bool{&yes, &no} {
		fin := exportBot(t, c, botID, client.ExportRequest{ExportType: "latest", SubTasks: &client.SubTasks{Dialogs: []string{def.Dialogs[from].ID}},
			IncludeDependentTasks: dep})
		if fin.Status != "success" {
			t.Fatalf("export: %s %s", fin.Status, fin.Message)
		}
		zipBytes, _ := download(t, ts, fin.DownloadURL)
		_, vals := members(t, unzip(t, zipBytes)["botDefinition.json"])
		var got []struct {
			ID string `json:"_id"`
		}
		json.Unmarshal(vals["dialogs"], &got)
		want := 1
		if *dep {
			want = len(reach)
		}
		if len(got) != want {
			t.Errorf("IncludeDependentTasks %v: %d dialogs, want %d", *dep, len(got), want)
		}
	}
}

// TestExportErrors walks the export's refusals over real HTTP: status, msg
// and code exactly.
func TestExportErrors(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	ctx := context.Background()
	st := openStore(t, ts)
	botID := importBot(t, c, fixture.Get(t, "demobot1-full"))
	other := ts.createApp(t, "other", "bot_import", "bot_export")
	importOnly := ts.createApp(t, "default", "bot_import")
	otherBot := importBot(t, other, fixture.Get(t, "demobot1-full"))
	never := importBot(t, c, fixture.Get(t, "weatherbot-old-format"))

	publishBot(t, c, botID) // for the published export below
	fin := exportBot(t, c, botID, client.ExportRequest{ExportType: "latest"})
	if fin.Status != "success" {
		t.Fatalf("export: %s %s", fin.Status, fin.Message)
	}
	link, _ := url.Parse(fin.DownloadURL)
	q := link.Query()
	base := ts.URL + "/api/public/bot/export/download/"

	good := mustToken(t, c)
	p := ts.URL + "/api/public/bot/"
	jsonH := func(tok string) map[string]string {
		return map[string]string{"auth": tok, "Content-Type": "application/json"}
	}
	type want struct {
		status int
		msg    string
		code   int
	}
	var (
		invalid   = want{412, "Validation errors/ Invalid arguments", 412}
		streamID  = want{400, "Invalid StreamId", 400}
		requestID = want{400, "Invalid request ID", 400}
		noComp    = want{400, "Please select at least one component", 400}
		scope     = want{401, "Permission denied. Scope is incorrect!", 4002}
		notFound  = want{404, "Not Found", 404}
		gone      = want{410, "Download link expired", 410}
		method    = want{405, "Method Not Allowed", 405}
	)
	// A genuine link that has expired, signed with the server's key.
	key, err := st.Setting(ctx, "export_download_key")
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Minute).Unix()
	expired := fmt.Sprintf("%s%s?expires=%d&sig=%s", base, fin.ID, past, exporter.Sign(key, fin.ID, past))
	tampered := []byte(q.Get("sig")) // one hex digit changed
	if tampered[0] == '0' {
		tampered[0] = '1'
	} else {
		tampered[0] = '0'
	}
	unknownBER := "ber-00000000-0000-4000-8000-000000000000"
	far := time.Now().Add(time.Hour).Unix()

	tests := []struct {
		name         string
		method, path string
		header       map[string]string
		body         string
		want         want
	}{
		{"missing exportType", "POST", p + botID + "/export", jsonH(good), `{}`, invalid},
		{"empty exportType", "POST", p + botID + "/export", jsonH(good), `{"exportType":""}`, invalid},
		{"exportType old", "POST", p + botID + "/export", jsonH(good), `{"exportType":"old"}`, invalid},
		{"exportType mistyped", "POST", p + botID + "/export", jsonH(good), `{"exportType":1}`, invalid},
		{"malformed body", "POST", p + botID + "/export", jsonH(good), `{"exportType":`, invalid},
		{"trailing data", "POST", p + botID + "/export", jsonH(good), `{"exportType":"latest"} x`, invalid},
		{"exportOptions not an object", "POST", p + botID + "/export", jsonH(good), `{"exportType":"latest","exportOptions":[]}`, invalid},
		{"tasks not a list", "POST", p + botID + "/export", jsonH(good), `{"exportType":"latest","exportOptions":{"tasks":"botTask"}}`, invalid},
		{"subTasks mistyped", "POST", p + botID + "/export", jsonH(good), `{"exportType":"latest","subTasks":{"dialogs":"x"}}`, invalid},
		{"IncludeDependentTasks mistyped", "POST", p + botID + "/export", jsonH(good), `{"exportType":"latest","IncludeDependentTasks":"maybe"}`, invalid},
		{"botVariables mistyped", "POST", p + botID + "/export", jsonH(good), `{"exportType":"latest","exportOptions":{"settings":["botVariables"],"options":{"botVariables":{"ignore":"abc"}}}}`, invalid},
		{"body rules before bot id", "POST", p + "st-nope/export", jsonH(good), `{"exportType":"old"}`, invalid},
		{"exportOptions selects nothing", "POST", p + botID + "/export", jsonH(good), `{"exportType":"latest","exportOptions":{}}`, noComp},
		{"only unknown values", "POST", p + botID + "/export", jsonH(good), `{"exportType":"latest","exportOptions":{"tasks":["bogus"],"nlpData":[],"settings":[]}}`, noComp},
		{"bot id before selection", "POST", p + "st-00000000-0000-4000-8000-000000000000/export", jsonH(good), `{"exportType":"latest","exportOptions":{}}`, streamID},
		{"unknown bot", "POST", p + "st-00000000-0000-4000-8000-000000000000/export", jsonH(good), `{"exportType":"latest"}`, streamID},
		{"malformed bot id", "POST", p + "st-nope/export", jsonH(good), `{"exportType":"latest"}`, streamID},
		{"another account's bot", "POST", p + otherBot + "/export", jsonH(good), `{"exportType":"latest"}`, streamID},
		{"status of another account's bot", "GET", p + otherBot + "/export/status", jsonH(good), "", streamID},
		{"status of an unknown bot", "GET", p + "st-00000000-0000-4000-8000-000000000000/export/status", jsonH(good), "", streamID},
		{"status of a never-exported bot", "GET", p + never + "/export/status", jsonH(good), "", requestID},
		{"export without the scope", "POST", p + botID + "/export", jsonH(mustToken(t, importOnly)), `{"exportType":"latest"}`, scope},
		{"status without the scope", "GET", p + botID + "/export/status", jsonH(mustToken(t, importOnly)), "", scope},
		{"405 on export", "GET", p + botID + "/export", jsonH(good), "", method},
		{"405 on download", "POST", fin.DownloadURL, nil, "", method},
		{"tampered signature", "GET", base + fin.ID + "?expires=" + q.Get("expires") + "&sig=" + string(tampered), nil, "", notFound},
		{"tampered expiry", "GET", base + fin.ID + "?expires=" + strconv.FormatInt(far+7, 10) + "&sig=" + q.Get("sig"), nil, "", notFound},
		{"signature of another export", "GET", base + unknownBER + "?" + link.RawQuery, nil, "", notFound},
		{"no signature", "GET", base + fin.ID, nil, "", notFound},
		{"unknown ber", "GET", base + unknownBER + fmt.Sprintf("?expires=%d&sig=%s", far, exporter.Sign(key, unknownBER, far)), nil, "", notFound},
		{"malformed ber", "GET", base + "ber-x?" + link.RawQuery, nil, "", notFound},
		{"expired link", "GET", expired, nil, "", gone},
		{"expired link with an auth header", "GET", expired, map[string]string{"auth": good}, "", gone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := rawRequest(t, tt.method, tt.path, tt.header, strings.NewReader(tt.body))
			if resp.StatusCode != tt.want.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			wantBody := fmt.Sprintf(`{"errors":[{"msg":%q,"code":%d}]}`, tt.want.msg, tt.want.code)
			if string(body) != wantBody {
				t.Errorf("body %s\nwant %s", body, wantBody)
			}
		})
	}

	// The download itself: an auth header, even a bad one, is ignored.
	resp, body := rawRequest(t, "GET", fin.DownloadURL, map[string]string{"auth": "not a token"}, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" ||
		resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) || resp.Header.Get("Content-Disposition") != `attachment; filename="Demobot1.zip"` {
		t.Errorf("download: %d %v", resp.StatusCode, resp.Header)
	}
	// Status and the start document as raw bytes: field order and types.
	resp, body = rawRequest(t, "GET", p+botID+"/export/status", jsonH(good), nil)
	wantPrefix := fmt.Sprintf(`{"_id":%q,"botId":%q,"streamId":%q,"createdBy":%q,"exportType":"latest","requestType":"Botexport","status":"success","createdOn":%q,"__v":0,"downloadURL":"`,
		fin.ID, botID, botID, fin.CreatedBy, fin.CreatedOn)
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), wantPrefix) || !strings.HasSuffix(string(body), fmt.Sprintf(`"},"fileSize":%q}`, fin.FileSize)) ||
		!strings.Contains(string(body), fmt.Sprintf(`","fileId":%q,"store":{"urlParams":"expires=`, fin.FileID)) {
		t.Errorf("status document:\n%s\nwant prefix\n%s", body, wantPrefix)
	}
	resp, body = rawRequest(t, "POST", p+botID+"/export", jsonH(good), strings.NewReader(`{"exportType":"published","customDashboards":[],"AgentAssist":{"x":1},"allTasks":true}`))
	var start struct {
		ID        string `json:"_id"`
		CreatedOn string `json:"createdOn"`
	}
	json.Unmarshal(body, &start)
	wantStart := fmt.Sprintf(`{"status":"pending","streamId":%q,"createdBy":%q,"exportType":"published","requestType":"Botexport","_id":%q,"createdOn":%q,"__v":0}`,
		botID, fin.CreatedBy, start.ID, start.CreatedOn)
	if resp.StatusCode != 200 || string(body) != wantStart {
		t.Errorf("start document:\n%s\nwant\n%s", body, wantStart)
	}
	waitExport(t, c, botID, start.ID)
	// A failed export's status carries its message and no link.
	fail := exportBot(t, c, botID, client.ExportRequest{ExportType: "latest", SubTasks: &client.SubTasks{Dialogs: []string{"nothing"}}})
	resp, body = rawRequest(t, "GET", p+botID+"/export/status", jsonH(good), nil)
	if resp.StatusCode != 200 {
		t.Errorf("failed export's status: %d", resp.StatusCode)
	}
	wantFail := fmt.Sprintf(`{"_id":%q,"botId":%q,"streamId":%q,"createdBy":%q,"exportType":"latest","requestType":"Botexport","status":"failure","createdOn":%q,"__v":0,"message":%q}`,
		fail.ID, botID, botID, fail.CreatedBy, fail.CreatedOn, fail.Message)
	if string(body) != wantFail || fail.Message == "" {
		t.Errorf("failure document:\n%s\nwant\n%s", body, wantFail)
	}
	// The earlier export's link still works: links are signed, not stored.
	if resp, _ := rawRequest(t, "GET", fin.DownloadURL, nil, nil); resp.StatusCode != 200 {
		t.Errorf("an earlier export's link: %d", resp.StatusCode)
	}
}

// TestExportsOfOneBotSerialize starts two exports of one bot at once: both
// succeed, one after the other.
func TestExportsOfOneBotSerialize(t *testing.T) {
	ts := startServer(t, "--public-url", "https://bots.example.com/botport/")
	c := ts.client()
	st := openStore(t, ts)
	ctx := context.Background()
	botID := importBot(t, c, fixture.Get(t, "vaxie"))
	first, err := c.Export(ctx, botID, client.ExportRequest{ExportType: "latest"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Export(ctx, botID, client.ExportRequest{ExportType: "latest"})
	if err != nil {
		t.Fatal(err)
	}
	fin := waitExport(t, c, botID, second.ID)
	if fin.Status != "success" {
		t.Fatalf("second export: %s %s", fin.Status, fin.Message)
	}
	// --public-url: links start with it, whatever host the client used.
	if want := "https://bots.example.com/botport/api/public/bot/export/download/" + second.ID + "?expires="; !strings.HasPrefix(fin.DownloadURL, want) {
		t.Errorf("downloadURL %s, want prefix %s", fin.DownloadURL, want)
	}
	a, err := st.Export(ctx, ts.AccountID, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := st.Export(ctx, ts.AccountID, second.ID)
	if a.Status != "success" || b.Status != "success" {
		t.Fatalf("statuses %s, %s", a.Status, b.Status)
	}
	if b.FinishedOn.Before(a.FinishedOn) {
		t.Errorf("the second export finished first: %v < %v", b.FinishedOn, a.FinishedOn)
	}
	if a.FileSize != b.FileSize || a.FileID == b.FileID {
		t.Errorf("two exports of one version: sizes %d, %d; file ids %s, %s", a.FileSize, b.FileSize, a.FileID, b.FileID)
	}
}

// TestServeRefusesBadExportSettings: serve checks --public-url and
// --download-ttl before it starts.
func TestServeRefusesBadExportSettings(t *testing.T) {
	for _, args := range [][]string{
		{"--public-url", "bots.example.com"},
		{"--public-url", "ftp://bots.example.com"},
		{"--public-url", "https://bots.example.com/?x=1"},
		{"--download-ttl", "0s"},
	} {
		err := run(context.Background(), append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, args...),
			func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("serve %v: %v", args, err)
		}
	}
}
