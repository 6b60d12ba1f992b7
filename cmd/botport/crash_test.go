package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
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

// TestSIGKILLResumesImports kills the server while imports are queued and
// running, restarts it on the same data directory, and checks that every
// accepted import finishes, each creating exactly one bot.
func TestSIGKILLResumesImports(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	sigkillResumes(t, nil)
}

// sigkillResumes is the SIGKILL test on the store the extra flags select.
func sigkillResumes(t *testing.T, extra []string) {
	data := t.TempDir()
	// One worker: imports queue behind each other, so a kill always finds
	// one running and others waiting.
	p1 := startProc(t, data, append([]string{"--workers", "1"}, extra...)...)
	c := client.New(p1.URL, p1.AppID, p1.Secret)
	ctx := context.Background()

	names := []string{"vaxie", "candy-education", "vaidyah", "code-review-bot", "hr-assistant", "arogya-3-languages", "vaxie", "candy-education", "demobot1-all", "vaidyah"}
	reqs := map[string]client.ImportRequest{}
	for _, n := range names {
		if _, ok := reqs[n]; !ok {
			reqs[n] = uploadExport(t, c, fixture.Get(t, n))
		}
	}
	var birs []string
	for _, n := range names {
		st, err := c.ImportNew(ctx, reqs[n])
		if err != nil {
			t.Fatal(err)
		}
		birs = append(birs, st.ID)
	}
	// Kill once the first import finished and one is in progress.
	deadline := time.Now().Add(time.Minute)
	var succeeded, running, queued int
	for {
		succeeded, running, queued = 0, 0, 0
		for _, bir := range birs {
			st, err := c.ImportStatus(ctx, bir)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case st.Status == "success":
				succeeded++
			case len(st.StatusLogs) > 1:
				running++
			default:
				queued++
			}
		}
		if succeeded >= 1 && queued >= 2 {
			break
		}
		if time.Now().After(deadline) || succeeded == len(birs) {
			t.Fatalf("no moment to kill: %d succeeded, %d running, %d queued", succeeded, running, queued)
		}
		time.Sleep(5 * time.Millisecond)
	}
	p1.kill(t)
	killedAt := time.Now()
	t.Logf("SIGKILL with %d imports accepted: %d succeeded, %d showing progress, %d queued", len(birs), succeeded, running, queued)

	p2 := startProc(t, data, append([]string{"--workers", "2"}, extra...)...)
	c2 := client.New(p2.URL, p1.AppID, p1.Secret)
	bots := map[string]bool{}
	for _, bir := range birs {
		st := waitLong(t, c2, bir, 3*time.Minute)
		if st.Status != "success" {
			t.Errorf("%s ended %s: %s", bir, st.Status, st.Message)
			continue
		}
		count := map[string]int{}
		for _, e := range st.StatusLogs {
			count[e.TaskType+"/"+e.TaskName]++
		}
		for k, n := range count {
			if n > 1 && !strings.HasPrefix(k, "Dialog/") && !strings.HasPrefix(k, "Widget/") && !strings.HasPrefix(k, "Form/") {
				t.Errorf("%s: entry %s appears %d times", bir, k, n)
			}
		}
		if bots[st.StreamID] {
			t.Errorf("bot %s created twice", st.StreamID)
		}
		bots[st.StreamID] = true
	}
	recovered := time.Since(killedAt)
	all, err := c2.AllBots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(birs) {
		t.Errorf("%d bots after %d imports", len(all), len(birs))
	}
	for _, b := range all {
		if !bots[b.ID] {
			t.Errorf("bot %s (%s) belongs to no import", b.ID, b.Name)
		}
	}
	reclaimed := ""
	for _, line := range strings.Split(p2.logs.String(), "\n") {
		if strings.Contains(line, "reclaimed jobs") {
			reclaimed = line
		}
	}
	t.Logf("after restart: all %d imports succeeded, %d bots, %v from kill to last success; %s", len(birs), len(all), recovered.Round(time.Millisecond), reclaimed)
	if reclaimed == "" && running > 0 && extra == nil {
		t.Errorf("an import was running at the kill but the restart reclaimed none")
	}
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
	st.Close()
	if bot.Version != 1 || len(vs) != 1 || vs[0].ID != bot.VersionID {
		t.Fatalf("after the kill the bot is at version %d (%d versions); want it untouched at 1", bot.Version, len(vs))
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
	t.Logf("after restart: the import reran and committed version 2")
}
