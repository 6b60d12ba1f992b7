package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/botgen"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/store/sqlite"
)

// TestMain lets the test binary act as the botport binary, so crash tests
// can run the real server in a process of its own and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("BOTPORT_TEST_AS_BINARY") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// proc is `botport serve` in a child process.
type proc struct {
	cmd    *exec.Cmd
	URL    string
	AppID  string
	Secret string
	logs   *syncBuffer
	exited chan struct{}
}

func startProc(t *testing.T, data string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--log-level", "info"}, args...)...)
	cmd.Env = append(os.Environ(), "BOTPORT_TEST_AS_BINARY=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.exited) }()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			if m := reListening.FindStringSubmatch(line); m != nil {
				p.URL = m[1]
				once.Do(func() { close(ready) })
			}
			if m := reField.FindStringSubmatch(line); m != nil {
				switch m[1] {
				case "clientId":
					p.AppID = m[2]
				case "clientSecret":
					p.Secret = m[2]
				}
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case <-ready:
		if slices.Contains(args, "--database") {
			rateLimited.Store(p.URL, true)
		}
	case <-p.exited:
		t.Fatalf("server exited at start:\n%s", p.logs)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("server did not start:\n%s", p.logs)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
	})
	return p
}

func (p *proc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// TestSIGKILLResumesImports kills the server while one import is running
// (past Bot Definition) and others are queued, restarts it on the same data
// directory, and checks that every accepted import finishes once, each bot
// holding exactly what a clean import of its fixture gives.
func TestSIGKILLResumesImports(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	sigkillResumes(t, nil)
}

// sigkillResumes is the SIGKILL test on the store the extra flags select.
func sigkillResumes(t *testing.T, extra []string) {
	data := t.TempDir()
	dbURL := ""
	for i, a := range extra {
		if a == "--database" && i+1 < len(extra) {
			dbURL = extra[i+1]
		}
	}
	// One worker: imports queue behind each other, so a kill finds one
	// running and others waiting. Progress shows 100 ms after an import
	// starts (then at most every 100 ms), which the real fixtures barely
	// outlast on a fast machine: the generated bot (1,500 dialogs) runs
	// long enough past Bot Definition to be caught running reliably.
	p1 := startProc(t, data, append([]string{"--workers", "1"}, extra...)...)
	c := client.New(p1.URL, p1.AppID, p1.Secret)
	ctx := context.Background()

	gen := t.TempDir()
	if err := botgen.WriteDir(gen, botgen.Spec{Name: "Slow", Dialogs: 1500, Utterances: 20_000, FAQs: 100, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	exports := map[string]fixture.Export{"generated": {Name: "generated", Dir: gen}}
	names := []string{"vaxie", "candy-education", "generated", "vaidyah", "code-review-bot", "vaxie", "hr-assistant",
		"arogya-3-languages", "generated", "candy-education", "demobot1-all", "vaidyah"}
	reqs := map[string]client.ImportRequest{}
	for _, n := range names {
		if _, ok := reqs[n]; !ok {
			e, ok := exports[n]
			if !ok {
				e = fixture.Get(t, n)
			}
			reqs[n] = uploadExport(t, c, e)
		}
	}
	var birs []string
	fixtureOf := map[string]string{}
	for _, n := range names {
		st, err := c.ImportNew(ctx, reqs[n])
		if err != nil {
			t.Fatal(err)
		}
		birs = append(birs, st.ID)
		fixtureOf[st.ID] = n
	}

	// Kill once an import finished, one is running past its first stage
	// (pending, more than one statusLogs entry) and one still waits.
	// The store, not the API, is watched: see importWatch.
	watch := watchImports(t, data, dbURL)
	status := func(bir string) *client.Status {
		st := watch.status(t, bir)
		if st.Done() && st.Status != "success" {
			t.Fatalf("%s (%s) ended %s before the kill: %s", bir, fixtureOf[bir], st.Status, st.Message)
		}
		return st
	}
	deadline := time.Now().Add(time.Minute)
	done := map[string]bool{}
	var running, queued []string
	var caught *client.Status
	for caught == nil {
		running, queued = running[:0], queued[:0]
		for _, bir := range birs {
			if done[bir] {
				continue
			}
			switch st := status(bir); {
			case st.Status == "success":
				done[bir] = true
			case len(st.StatusLogs) > 1:
				running = append(running, bir)
			default:
				queued = append(queued, bir)
			}
		}
		if len(done) >= 1 && len(running) == 1 && len(queued) >= 1 {
			// Look again right before the kill: still running?
			if st := status(running[0]); st.Status == "pending" && len(st.StatusLogs) > 1 {
				p1.kill(t)
				caught = st
				break
			}
		}
		if len(queued) == 0 || time.Now().After(deadline) {
			t.Fatalf("never caught an import running past Bot Definition with another queued (%v): %d succeeded, %d running, %d queued",
				time.Minute, len(done), len(running), len(queued))
		}
		time.Sleep(2 * time.Millisecond)
	}
	killedAt := time.Now()
	victim := running[0]
	last := caught.StatusLogs[len(caught.StatusLogs)-1]
	t.Logf("SIGKILL with %d imports accepted: %d succeeded, %d running (%s, %s: %d statusLogs entries, the last %s/%s), %d queued",
		len(birs), len(done), len(running), victim, fixtureOf[victim], len(caught.StatusLogs), last.TaskType, last.TaskName, len(queued))
	// What the dead process left: the import it ran is still pending, past
	// Bot Definition, and its bot does not exist (nothing half-imported).
	if state, entries, exists := storedImport(t, data, dbURL, victim); state != "pending" || entries < 2 || exists {
		t.Fatalf("after the kill %s is %s with %d statusLogs entries, its bot exists: %v; want pending past Bot Definition, no bot",
			victim, state, entries, exists)
	}

	p2 := startProc(t, data, append([]string{"--workers", "2"}, extra...)...)
	c2 := client.New(p2.URL, p1.AppID, p1.Secret)
	final := map[string]*client.Status{}
	for _, bir := range birs {
		st := waitLong(t, c2, bir, 3*time.Minute)
		if st.Status != "success" {
			t.Errorf("%s (%s) ended %s: %s", bir, fixtureOf[bir], st.Status, st.Message)
			continue
		}
		final[bir] = st
	}
	recovered := time.Since(killedAt)
	if t.Failed() {
		t.FailNow()
	}

	// One bot per import, no other.
	bots := map[string]string{} // bot id -> import
	for _, bir := range birs {
		id := final[bir].StreamID
		if other, ok := bots[id]; ok {
			t.Errorf("bot %s made by %s and by %s", id, other, bir)
		}
		bots[id] = bir
	}
	all, err := c2.AllBots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(birs) {
		t.Errorf("%d bots after %d imports", len(all), len(birs))
	}
	for _, b := range all {
		if _, ok := bots[b.ID]; !ok {
			t.Errorf("bot %s (%s) belongs to no import", b.ID, b.Name)
		}
	}

	// The import the kill interrupted ran again (a second attempt). An
	// import that had succeeded may have a second attempt too: River
	// records a job's completion a moment after the worker returns, so a
	// kill in between leaves it running; the rerun finds the import done
	// and returns (the versions below show nothing was committed twice).
	jobs := finishedImportJobs(t, data, dbURL, birs)
	for _, bir := range birs {
		j := jobs[bir]
		switch {
		case j == nil:
			t.Errorf("%s has no job", bir)
		case j.State != "completed":
			t.Errorf("%s: job %s", bir, j.State)
		case bir == victim && (j.Attempt != 2 || len(j.AttemptedBy) != 2):
			t.Errorf("%s was running at the kill; its job ran %d times (by %v), want 2", bir, j.Attempt, j.AttemptedBy)
		case j.Attempt > 2:
			t.Errorf("%s: its job ran %d times", bir, j.Attempt)
		}
	}
	reclaimed := logLine(p2.logs.String(), "reclaimed jobs")
	if extra == nil && reclaimed == "" {
		t.Errorf("an import was running at the kill but the restart reclaimed none")
	}
	if reclaimed == "" {
		reclaimed = "the interrupted job was rescued by River's rescuer"
	}
	attempts := "no job"
	if j := jobs[victim]; j != nil {
		attempts = fmt.Sprintf("job attempts %d, by %v", j.Attempt, j.AttemptedBy)
	}
	t.Logf("after restart: all %d imports succeeded, %d bots, %v from kill to last success; %s; %s's %s",
		len(birs), len(all), recovered.Round(time.Millisecond), reclaimed, victim, attempts)

	// Each bot holds exactly what a clean import of its fixture gives, in
	// one version; each import's statusLogs are the clean import's, entry
	// for entry (no stage twice, none missing).
	clean := cleanImports(t, p2.URL, c2, reqs)
	for _, bir := range birs {
		n, st := fixtureOf[bir], final[bir]
		want := clean[n]
		vs := botVersions(t, p2.URL, c2, st.StreamID)
		if len(vs) != 1 || !vs[0].Current || vs[0].ImportID != bir {
			t.Errorf("%s (%s): bot %s has versions %+v, want one, made by this import", bir, n, st.StreamID, vs)
		} else if vs[0].ContentHash != want.hash {
			t.Errorf("%s (%s): bot %s has content hash %s, a clean import of the fixture %s", bir, n, st.StreamID, vs[0].ContentHash, want.hash)
		}
		if d := statusLogsDiff(st.StatusLogs, want.statusLogs); d != "" {
			t.Errorf("%s (%s): statusLogs differ from a clean import's: %s", bir, n, d)
		}
		if !reflect.DeepEqual(st.Summary, want.summary) {
			t.Errorf("%s (%s): summary %+v, a clean import's %+v", bir, n, st.Summary, want.summary)
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("content: each of the %d bots has one version whose content hash is a clean import's of its fixture (%d fixtures), and statusLogs entry for entry the clean import's (%s: %d entries)",
		len(birs), len(clean), victim, len(final[victim].StatusLogs))
}

// TestKillBetweenStages kills the server while an import into an existing
// bot is between stages (past Bot Definition, before importBot): the bot's
// current version must be exactly what it was, and after a restart the
// import runs again and commits.
func TestKillBetweenStages(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	data := t.TempDir()
	p1 := startProc(t, data)
	c := client.New(p1.URL, p1.AppID, p1.Secret)
	ctx := context.Background()
	base, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
	if err != nil {
		t.Fatal(err)
	}
	botID := wait(t, c, base.ID).StreamID
	before := botVersions(t, p1.URL, c, botID)
	if len(before) != 1 || before[0].ContentHash == "" {
		t.Fatalf("versions after the first import: %+v", before)
	}

	// Many dialogs: many stages, each saved as it finishes.
	gen := t.TempDir()
	if err := botgen.WriteDir(gen, botgen.Spec{Name: "Demobot1", Dialogs: 1500, Utterances: 30_000, FAQs: 100, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	req := uploadExport(t, c, fixture.Export{Name: "generated", Dir: gen})
	req.Icon = ""
	start, err := c.ImportInto(ctx, botID, req)
	if err != nil {
		t.Fatal(err)
	}
	var seen int
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err := c.ImportStatus(ctx, start.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != "pending" {
			t.Fatalf("the import ended (%s) before it could be caught between stages", st.Status)
		}
		// Bot Definition is saved the moment it ends; the stages after it
		// are saved every 100 ms at most, so a loaded machine may finish
		// them between two polls.
		if seen = len(st.StatusLogs); seen >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no progress")
		}
		time.Sleep(2 * time.Millisecond)
	}
	p1.kill(t)
	t.Logf("SIGKILL after %d status entries, of about 1,515", seen)

	st, err := sqlite.Open(ctx, data+"/botport.db")
	if err != nil {
		t.Fatal(err)
	}
	var accountID string
	if acct, err := st.Account(ctx, "default"); err == nil {
		accountID = acct.ID
	}
	bot, err := st.Bot(ctx, accountID, botID)
	if err != nil {
		t.Fatal(err)
	}
	vs, _ := st.Versions(ctx, accountID, botID)
	if bot.Version != 1 || len(vs) != 1 || vs[0].ID != bot.VersionID {
		st.Close()
		t.Fatalf("after the kill the bot is at version %d (%d versions); want it untouched at 1", bot.Version, len(vs))
	}
	// Its content too: the current version hashes as before the import.
	killedHash := contentHash(t, st, accountID, botID)
	st.Close()
	if killedHash != before[0].ContentHash {
		t.Fatalf("after the kill the bot's content hash is %s, before the import it was %s", killedHash, before[0].ContentHash)
	}

	p2 := startProc(t, data)
	c2 := client.New(p2.URL, p1.AppID, p1.Secret)
	done := wait(t, c2, start.ID)
	if done.Status != "success" {
		t.Fatalf("after restart: %s %s", done.Status, done.Message)
	}
	dialogs := 0
	for _, e := range done.StatusLogs {
		if e.TaskType == "Dialog" {
			dialogs++
		}
	}
	if dialogs != 1500 {
		t.Errorf("%d Dialog entries after the rerun, want 1500 (each once)", dialogs)
	}
	st, err = sqlite.Open(ctx, data+"/botport.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bot, _ = st.Bot(ctx, accountID, botID)
	if bot.Version != 2 {
		t.Errorf("after the rerun the bot is at version %d, want 2", bot.Version)
	}
	after := botVersions(t, p2.URL, c2, botID)
	if len(after) != 2 || after[0].ContentHash != before[0].ContentHash || !after[1].Current || after[1].ImportID != start.ID ||
		after[1].ContentHash == before[0].ContentHash {
		t.Errorf("versions after the rerun %+v; want version 1 unchanged (%s) and version 2 by %s, current", after, before[0].ContentHash, start.ID)
	}
	t.Logf("after the kill the bot's content hash was unchanged (%.12s…); after restart the import reran and committed version 2 (%.12s…)",
		killedHash, after[len(after)-1].ContentHash)
}
