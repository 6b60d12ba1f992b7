package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// Issue 12's attacks on memory and storage, against `botport serve` in a
// child process with the settings a user deploys, measured from /proc:
// sizes, never times.

// rssBound is how far above its idle resident memory an attack may take
// the server.
const rssBound = 256 << 20

// writeScript writes a valid script of about size bytes and returns its path.
func writeScript(t *testing.T, name string, size int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	line := "// " + strings.Repeat("x", 1020) + "\n"
	for n := 0; n < size; n += len(line) {
		if _, err := f.WriteString(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// newBotProc imports demobot1-full as a new bot on p and returns its id.
func newBotProc(t *testing.T, c *client.Client) string {
	t.Helper()
	st, err := c.ImportNew(context.Background(), uploadExport(t, c, fixture.Get(t, "demobot1-full")))
	if err != nil {
		t.Fatal(err)
	}
	done := wait(t, c, st.ID)
	if done.Status != "success" {
		t.Fatalf("first import: %s %s", done.Status, done.Message)
	}
	return done.StreamID
}

// TestFinding1BotFunctionsMemory: one bot-functions request listing one
// 20 MiB upload 40 times under different names made the server read every
// entry whole (RSS +800 MB). Now the sizes are checked from the uploads
// before anything is read (413), and a request within the bounds (four
// scripts of 8 MiB, 32 MiB in all) is read one script at a time.
func TestFinding1BotFunctionsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	p := startProc(t, t.TempDir())
	c := p.client()
	ctx := context.Background()
	botID := newBotProc(t, c)
	big := uploadPath(t, c, writeScript(t, "Big.js", 20<<20))
	limit := uploadPath(t, c, writeScript(t, "Limit.js", 8<<20-2048))
	idle, _ := p.rss(t)

	var attack []client.Function
	for i := range 40 {
		attack = append(attack, client.Function{FileName: fmt.Sprintf("F%d.js", i), FileID: big})
	}
	_, err := c.ImportFunctions(ctx, botID, attack)
	_, peak := p.rss(t)
	var ce *client.Error
	figure(t, "40 × 20 MiB bot-functions request: %v; server RSS idle %s, peak %s (+%s)", err, mib(idle), mib(peak), mib(peak-idle))
	if !errors.As(err, &ce) || ce.StatusCode != 413 {
		t.Errorf("40 × 20 MiB bot-functions request: %v, want 413", err)
	}
	if peak-idle > rssBound {
		t.Fatalf("the attack took the server %s above idle; the bound is %s", mib(peak-idle), mib(rssBound))
	}

	var within []client.Function
	for i := range 4 {
		within = append(within, client.Function{FileName: fmt.Sprintf("L%d.js", i), FileID: limit})
	}
	if _, err := c.ImportFunctions(ctx, botID, within); err != nil {
		t.Errorf("4 × 8 MiB bot-functions request (at the bounds): %v", err)
	}
	_, peak = p.rss(t)
	figure(t, "4 × 8 MiB bot-functions request: server RSS peak %s (+%s over idle)", mib(peak), mib(peak-idle))
	if peak-idle > rssBound {
		t.Errorf("a request within the bounds took the server %s above idle; the bound is %s", mib(peak-idle), mib(rssBound))
	}
}

// TestFinding2RepeatedFunctionIDs: a JSON-mode import whose botFunctions
// repeats one file id thousands of times made the worker read the file once
// per reference before failing. Now the ids are merged: the import reads
// the script once (twice: checked, then staged) and succeeds with it.
func TestFinding2RepeatedFunctionIDs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	p := startProc(t, t.TempDir())
	c := p.client()
	ctx := context.Background()
	req := uploadExport(t, c, fixture.Get(t, "demobot1-full"))
	script := uploadPath(t, c, writeScript(t, "Repeated.js", 1<<20))
	for range 2000 {
		req.BotFunctions = append(req.BotFunctions, script)
	}
	before := p.readBytes(t)
	st, err := c.ImportNew(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	done := waitLong(t, c, st.ID, 10*time.Minute)
	read := p.readBytes(t) - before
	figure(t, "import with one 1 MiB script named 2000 times: %s; the server read %s for it (requests, files, database)", done.Status, mib(read))
	if done.Status != "success" {
		t.Errorf("import: %s %s, want success (one script)", done.Status, done.Message)
	}
	if read > 16<<20 {
		t.Errorf("the server read %s for the import; reading the script once per reference would be 2000 MiB, once is 1 MiB", mib(read))
	}
	if done.Status == "success" {
		if n := len(scriptsOf(t, c, done.StreamID)); n != 1 {
			t.Errorf("the bot has %d scripts, want 1", n)
		}
	}
}

// scriptsOf lists the scripts of a bot's export.
func scriptsOf(t *testing.T, c *client.Client, botID string) []string {
	t.Helper()
	ctx := context.Background()
	st, err := c.Export(ctx, botID, client.ExportRequest{ExportType: "latest"})
	if err != nil {
		t.Fatal(err)
	}
	st, err = c.WaitExport(ctx, botID, st.ID, 20*time.Millisecond)
	if err != nil || st.Status != "success" {
		t.Fatalf("export: %v %+v", err, st)
	}
	path := filepath.Join(t.TempDir(), "export.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Download(ctx, st.DownloadURL, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var out []string
	for _, name := range zipNames(t, path) {
		if strings.HasSuffix(strings.ToLower(name), ".js") {
			out = append(out, name)
		}
	}
	return out
}

// bombEntry is one script of about size bytes that deflates about 189:1
// (lines of 1,450 bytes with one random letter each), generated as it is
// written.
func bombEntry(name string, size int64) zipEntry {
	return zipEntry{name, func(w io.Writer) error {
		r := rand.New(rand.NewPCG(12, 3))
		line := make([]byte, 1450)
		for n := int64(0); n < size; n += int64(len(line)) {
			for i := range line {
				line[i] = ' '
			}
			line[0], line[1], line[len(line)-1] = '/', '/', '\n'
			line[2+r.IntN(1000)] = byte('a' + r.IntN(26))
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
		return nil
	}}
}

// TestFinding3ZipMemoryAndStorage: a zip within every bound held one
// 1000 MiB script at 189:1, which the worker read whole (6.4 GB RSS) and
// SQLite refused, five times; and 200 scripts of exactly 1 MiB skipped the
// ratio check, storing 204 MiB from a 242 KB upload. Now a script's size is
// checked from the zip's directory before it is read, and the ratio of
// every entry: both imports fail with a message, the first within the
// memory bound, the second storing nothing beyond the upload itself.
func TestFinding3ZipMemoryAndStorage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	data := t.TempDir()
	p := startProc(t, data)
	c := p.client()
	ctx := context.Background()
	idle, _ := p.rss(t)

	entries := exportEntries(t, "demobot1-full")
	for i := range 200 {
		script := []byte(fmt.Sprintf("// script %d\n", i) + strings.Repeat(" ", 1<<20))
		entries = append(entries, bytesEntry(fmt.Sprintf("S%03d.js", i), script[:1<<20]))
	}
	amp := writeZip(t, "amplify.zip", entries...)
	fi, err := os.Stat(amp)
	if err != nil {
		t.Fatal(err)
	}
	bodies, blobs := storedBodyBytes(t, data), dirBytes(t, filepath.Join(data, "blobs"))
	id := uploadPath(t, c, amp)
	st, err := c.ImportNew(ctx, client.ImportRequest{UploadMode: "ZIP", ZipInfo: id})
	if err != nil {
		t.Fatal(err)
	}
	done := wait(t, c, st.ID)
	bodies, blobs = storedBodyBytes(t, data)-bodies, dirBytes(t, filepath.Join(data, "blobs"))-blobs
	ratio := float64(bodies+blobs) / float64(fi.Size())
	figure(t, "zip of %d bytes with 200 scripts of 1 MiB: %s %q; stored %d bytes of records and %d of blobs: %.2f bytes stored per byte uploaded",
		fi.Size(), done.Status, done.Message, bodies, blobs, ratio)
	if ratio > 2 {
		t.Errorf("%.2f bytes stored per byte uploaded, want at most 2", ratio)
	}
	if done.Status != "failure" {
		t.Errorf("the amplifying zip: %s, want failure", done.Status)
	}

	bomb := writeZip(t, "bomb.zip", append(exportEntries(t, "demobot1-full"), bombEntry("Bomb.js", 1000<<20))...)
	if fi, err = os.Stat(bomb); err != nil {
		t.Fatal(err)
	}
	id = uploadPath(t, c, bomb)
	st, err = c.ImportNew(ctx, client.ImportRequest{UploadMode: "ZIP", ZipInfo: id})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Minute); ; {
		s, err := c.ImportStatus(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, peak := p.rss(t); peak-idle > rssBound {
			t.Fatalf("the 1000 MiB script took the server %s above idle (import %s still %s); the bound is %s", mib(peak-idle), st.ID, s.Status, mib(rssBound))
		}
		if s.Done() {
			done = s
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %s still %s", st.ID, s.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, peak := p.rss(t)
	figure(t, "zip of %s with a 1000 MiB script: %s %q; server RSS idle %s, peak %s (+%s)", mib(fi.Size()), done.Status, done.Message, mib(idle), mib(peak), mib(peak-idle))
	if done.Status != "failure" || !strings.Contains(done.Message, "the limit is 8388608 bytes") {
		t.Errorf("the 1000 MiB script: %s %q, want a failure naming the script limit", done.Status, done.Message)
	}
}
