package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/killpoint"
)

// TestMain lets the test binary act as the botport binary, so crash tests
// can run the real server in a process of its own and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("BOTPORT_TEST_AS_BINARY") == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "openapi: %d answers of in-process servers checked against openapi.json\n", answerCheck().checked.Load())
	}
	if left := answerCheck().unclaimed(); len(left) > 0 {
		// Answers no test claimed (a request through a proxy, say).
		for _, f := range left {
			fmt.Fprintln(os.Stderr, "openapi: answer does not match openapi.json:", f)
		}
		code = 1
	}
	os.Exit(code)
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
	return startProcEnv(t, data, nil, args...)
}

// startProcEnv starts `botport serve` in a child process with env added
// to the test's environment (a kill point, say). The server's own
// settings are the defaults but for args, the address and the data
// directory.
func startProcEnv(t *testing.T, data string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--log-level", "info"}, args...)...)
	failures := filepath.Join(t.TempDir(), "openapi-failures")
	cmd.Env = append(append(os.Environ(), "BOTPORT_TEST_AS_BINARY=1", openAPIFailuresEnv+"="+failures), env...)
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
		claimOpenAPIFile(t, failures)
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

// TestSIGKILLResumesImports kills the embedded server while imports run
// and others wait, restarts it on the same data directory, and checks that
// every accepted import finishes once, each bot holding exactly what a
// clean import of its fixture gives. TestFaultSIGKILLOnPostgres runs the
// same on PostgreSQL.
func TestSIGKILLResumesImports(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	sigkillResumes(t, nil)
}

// sigkillResumes is the SIGKILL test on the store the extra flags select,
// with default settings: 4 workers, so one account runs 2 imports at once
// (fair sharing) and its others wait, parked. From the second import on
// the worker stops in the middle of the stages (kill point stages:2): one
// import succeeds, the next two stop there, and the kill finds them
// running and the rest queued, every time.
func sigkillResumes(t *testing.T, extra []string) {
	data := t.TempDir()
	dbURL := flagValue(extra, "--database")
	every := pollEvery(dbURL)
	p1 := startProcEnv(t, data, []string{killpoint.Env + "=" + killpoint.Stages + ":2"}, extra...)
	c := client.New(p1.URL, p1.AppID, p1.Secret)
	ctx := context.Background()

	names := []string{"vaxie", "candy-education", "vaidyah", "code-review-bot", "vaxie", "hr-assistant",
		"arogya-3-languages", "candy-education", "demobot1-all", "vaidyah"}
	reqs := map[string]client.ImportRequest{}
	for _, n := range names {
		if _, ok := reqs[n]; !ok {
			reqs[n] = uploadExport(t, c, fixture.Get(t, n))
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
	stopped := p1.waitStops(t, 2, 2*time.Minute)
	p1.kill(t)

	// What the dead process left: the imports it ran are pending, their
	// bots do not exist (nothing half-imported); one import succeeded; the
	// others wait for the account's slots, in acceptance order.
	succeeded, parked := 0, 0
	var first string // the import that succeeded before the kill
	for _, bir := range birs {
		state, entries, exists := storedImport(t, data, dbURL, bir)
		status, q := storedQueue(t, data, dbURL, bir)
		switch {
		case slices.Contains(stopped, bir):
			if state != "pending" || entries < 2 || exists {
				t.Fatalf("after the kill %s is %s with %d statusLogs entries, its bot exists: %v; want pending past Bot Definition, no bot",
					bir, state, entries, exists)
			}
		case state == "success":
			succeeded++
			first = bir
		case status == "pending" && q != nil && q.State == "account" && q.Ahead != nil && *q.Ahead == parked:
			parked++
		default:
			t.Fatalf("after the kill %s is %s, queue %s; want success, stopped or parked with %d ahead", bir, state, q, parked)
		}
	}
	if succeeded != 1 || parked != len(birs)-3 {
		t.Fatalf("after the kill: %d succeeded, %d parked; want 1 and %d", succeeded, parked, len(birs)-3)
	}
	t.Logf("SIGKILL with %d imports accepted: %d succeeded, 2 stopped mid-stages (%s, %s), %d waiting for the account's slots",
		len(birs), succeeded, fixtureOf[stopped[0]], fixtureOf[stopped[1]], parked)

	restarted := time.Now()
	p2 := startProc(t, data, extra...) // at once, default settings
	up := time.Since(restarted)
	c2 := client.New(p2.URL, p1.AppID, p1.Secret)
	interrupted := waitImports(t, c2, stopped, every, 3*time.Minute)
	var resumed time.Duration
	final := waitImports(t, c2, birs, every, 3*time.Minute)
	drained := time.Since(restarted)
	for _, bir := range birs {
		if st := final[bir]; st.Status != "success" {
			t.Errorf("%s (%s) ended %s: %s", bir, fixtureOf[bir], st.Status, st.Message)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	for _, bir := range stopped {
		if interrupted[bir].Status != "success" {
			t.Errorf("interrupted %s ended %s", bir, interrupted[bir].Status)
		}
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

	// The restart proved its predecessor dead (same host, pid gone) and
	// handed both interrupted jobs back at once; each ran a second time.
	// Other jobs may have been handed back too: River records a job's
	// completion a moment after the worker returns, so a kill in between
	// leaves it running (the import that succeeded, the cleanup jobs that
	// run at start; more of them on a loaded machine); a rerun finds its
	// work done (the versions below show nothing was committed twice, and
	// the attempts below that no waiting import ran twice).
	handedBack := logLine(p2.logs.String(), "handed back jobs of stopped replicas", "at_start=true")
	if n := handedBackCount(handedBack); n < len(stopped) {
		t.Errorf("the restart did not hand back the %d interrupted jobs at its start: %q", len(stopped), handedBack)
	}
	jobs := finishedImportJobs(t, data, dbURL, birs)
	// The figure: from the restart to the interrupted imports' ends, as
	// their jobs' completions say (the status polls are a second apart).
	for _, bir := range stopped {
		if j := jobs[bir]; j != nil && j.FinalizedAt != nil {
			resumed = max(resumed, j.FinalizedAt.Sub(restarted))
		}
	}
	for _, bir := range birs {
		j := jobs[bir]
		switch {
		case j == nil:
			t.Errorf("%s has no job", bir)
		case j.State != "completed":
			t.Errorf("%s: job %s", bir, j.State)
		case slices.Contains(stopped, bir) && (j.Attempt != 2 || len(j.AttemptedBy) != 2):
			t.Errorf("%s was running at the kill; its job ran %d times (by %v), want 2", bir, j.Attempt, j.AttemptedBy)
		case bir == first && j.Attempt > 2:
			t.Errorf("%s succeeded before the kill; its job ran %d times (by %v), want at most 2", bir, j.Attempt, j.AttemptedBy)
		case bir != first && !slices.Contains(stopped, bir) && j.Attempt != 1:
			t.Errorf("%s waited at the kill; its job ran %d times (by %v), want 1", bir, j.Attempt, j.AttemptedBy)
		}
	}
	figure(t, "the server was up again %v after the restart began; the 2 interrupted imports succeeded %v after it began (the issue's bound: 30 s), all %d %v after it; %s",
		up.Round(time.Millisecond), resumed.Round(time.Millisecond), len(birs), drained.Round(time.Millisecond), strings.TrimSpace(handedBack))

	// Each bot holds exactly what a clean import of its fixture gives, in
	// one version; each import's statusLogs are the clean import's, entry
	// for entry (no stage twice, none missing).
	clean := cleanImports(t, p2.URL, c2, reqs, every)
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
	if !t.Failed() {
		t.Logf("content: each of the %d bots has one version whose content hash is a clean import's of its fixture (%d fixtures), and statusLogs entry for entry the clean import's",
			len(birs), len(clean))
	}
}

// handedBackCount reads the jobs= count of a hand-back log line; 0 when
// the line is missing.
func handedBackCount(line string) int {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "jobs="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}
