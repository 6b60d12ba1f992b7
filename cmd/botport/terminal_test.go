//go:build unix

package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/botport/botport/internal/botgen"
	"github.com/botport/botport/internal/fixture"
)

// buildBotport builds the botport binary into dir, as a user would.
func buildBotport(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	bin := filepath.Join(dir, "botport")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// onTerminal is botport running under a pseudo-terminal: its stdin,
// stdout and stderr, and its controlling terminal, so that Ctrl-C typed
// into it reaches the process as it does a user's.
type onTerminal struct {
	cmd    *exec.Cmd
	tty    *os.File
	out    *syncBuffer
	exited chan struct{}
}

func startOnTerminal(t *testing.T, bin string, env []string, args ...string) *onTerminal {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Dir = t.TempDir()
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120}) // a session of its own, the pty its controlling terminal
	if err != nil {
		t.Fatal(err)
	}
	p := &onTerminal{cmd: cmd, tty: tty, out: &syncBuffer{}, exited: make(chan struct{})}
	go io.Copy(p.out, tty) // ends with EIO once the process is gone
	go func() { cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
		tty.Close()
	})
	return p
}

// waitExit waits for the process to end; it fails the test after limit,
// a hang.
func (p *onTerminal) waitExit(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		t.Fatalf("botport %s still runs after %v: it hangs. Screen:\n%s", strings.Join(p.cmd.Args[1:], " "), limit, p.screen())
		return -1
	}
}

// waitScreen waits until the terminal shows want (a regular expression).
func (p *onTerminal) waitScreen(t *testing.T, want string) {
	t.Helper()
	re := regexp.MustCompile(want)
	for deadline := time.Now().Add(10 * time.Second); !re.MatchString(p.screen()); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal does not show %q:\n%s", want, p.screen())
		}
	}
}

// signalEnds sends a signal and checks the process ends with code within
// a second.
func (p *onTerminal) signalEnds(t *testing.T, signal func(*onTerminal) error, want int) {
	t.Helper()
	sent := time.Now()
	if err := signal(p); err != nil {
		t.Fatal(err)
	}
	code := p.waitExit(t, 30*time.Second)
	took := time.Since(sent)
	figure(t, "exit %d, %v after the signal", code, took.Round(time.Millisecond))
	if code != want {
		t.Errorf("exit %d, want %d. Screen:\n%s", code, want, p.screen())
	}
	if took > time.Second {
		t.Errorf("botport took %v to end after the signal, want at most 1s", took)
	}
}

var reANSI = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// screen is what the terminal received, without its control sequences.
func (p *onTerminal) screen() string { return reANSI.ReplaceAllString(p.out.String(), "") }

// cliEnv is the environment of a botport process talking to host.
func cliEnv(t *testing.T, ts *testServer, host string) []string {
	noConfig := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(noConfig, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"BOTPORT_HOST=" + host, "BOTPORT_APP=" + ts.AppID, "BOTPORT_SECRET=" + ts.Secret, "BOTPORT_CONFIG=" + noConfig}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BOTPORT_") {
			env = append(env, kv)
		}
	}
	return env
}

// largeExport writes a generated export whose botDefinition.json is over
// 4 MiB.
func largeExport(t *testing.T) string {
	dir := t.TempDir()
	if err := botgen.WriteDir(dir, botgen.Spec{Name: "Large CLI Bot", Dialogs: 100, Utterances: 13_000, FAQs: 700, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "botDefinition.json"))
	if err != nil || fi.Size() < 4<<20 {
		t.Fatalf("the generated definition is %v bytes (%v), want at least 4 MiB", fi.Size(), err)
	}
	return dir
}

// TestCLIOnTerminal runs the real binary, built by the test, under a
// pseudo-terminal (live progress bars) against a real server slowed by a
// proxy on 127.0.0.1. Ctrl-C typed while it uploads a 4 MiB export, waits
// for an import, waits for an export or downloads one ends it with exit
// 130 within a second; SIGTERM with 143; an upload the server cuts off
// ends with exit 4 instead of hanging in the progress bar.
func TestCLIOnTerminal(t *testing.T) {
	bin := buildBotport(t, t.TempDir())
	ts := startServer(t)
	large := largeExport(t)
	demo := fixture.Get(t, "demobot1-full").Dir
	c := ts.client()
	start, err := c.ImportNew(context.Background(), uploadExport(t, c, fixture.Get(t, "demobot1-full")))
	if err != nil {
		t.Fatal(err)
	}
	botID := wait(t, c, start.ID).StreamID

	interrupt := func(p *onTerminal) error {
		_, err := p.tty.Write([]byte{3}) // Ctrl-C, as typed: the terminal sends SIGINT
		return err
	}
	terminate := func(p *onTerminal) error { return p.cmd.Process.Signal(syscall.SIGTERM) }
	for _, tt := range []struct {
		name   string
		mode   string
		args   []string
		screen string // shown on the terminal before the signal (a regular expression)
		signal func(*onTerminal) error
		code   int
	}{
		{"Ctrl-C while uploading", slowUpload, []string{"import", large, "--wait"}, `upload botDefinition.json +\[`, interrupt, 130},
		{"SIGTERM while uploading", slowUpload, []string{"import", large, "--wait"}, `upload botDefinition.json +\[`, terminate, 143},
		{"Ctrl-C while waiting for the import", hangStatus, []string{"import", demo, "--wait"}, `import bir-\S+ started`, interrupt, 130},
		{"Ctrl-C while waiting for the export", hangExport, []string{"export", botID, "-o", "out.zip"}, `exporting bot st-\S+  \ds`, interrupt, 130},
		{"Ctrl-C while listing bots", hangBots, []string{"bots", "list"}, `listing the account's bots  1s`, interrupt, 130},
		{"Ctrl-C while downloading", slowDownload, []string{"export", botID, "-o", "out.zip"}, `downloading \([\d,]+ bytes\)`, interrupt, 130},
	} {
		t.Run(tt.name, func(t *testing.T) {
			proxy := newSlowProxy(t, ts.URL, tt.mode)
			p := startOnTerminal(t, bin, cliEnv(t, ts, proxy.URL), tt.args...)
			select {
			case <-proxy.reached:
			case <-p.exited:
				t.Fatalf("botport ended before the slowed request (exit %d):\n%s", p.cmd.ProcessState.ExitCode(), p.screen())
			case <-time.After(60 * time.Second):
				t.Fatalf("the slowed request never came:\n%s", p.screen())
			}
			p.waitScreen(t, tt.screen)
			p.signalEnds(t, tt.signal, tt.code)
			proxy.release()
			if tt.mode == slowDownload || tt.mode == hangExport {
				if leftovers, _ := filepath.Glob(filepath.Join(p.cmd.Dir, "*")); len(leftovers) > 0 {
					t.Errorf("an interrupted export left %v", leftovers)
				}
			}
		})
	}

	t.Run("Ctrl-C while the import waits in the queue", func(t *testing.T) {
		qs, _, queued := queuedImports(t)
		p := startOnTerminal(t, bin, cliEnv(t, qs, qs.URL), "status", queued, "--watch")
		p.waitScreen(t, `queued behind 1 import into the same bot  \ds`) // the spinner, with the time waited
		p.signalEnds(t, interrupt, 130)
	})

	t.Run("upload cut off by the server", func(t *testing.T) {
		proxy := newSlowProxy(t, ts.URL, cutUpload)
		p := startOnTerminal(t, bin, cliEnv(t, ts, proxy.URL), "import", large, "--wait")
		if code := p.waitExit(t, 60*time.Second); code != 4 {
			t.Errorf("exit %d, want 4 (the server failed). Screen:\n%s", code, p.screen())
		}
		if !strings.Contains(p.screen(), "upload botDefinition.json") {
			t.Errorf("no upload bar was shown:\n%s", p.screen())
		}
	})
}
