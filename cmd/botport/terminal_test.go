//go:build unix

package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
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
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(dir, "botport")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// slowProxy stands between the CLI and a real server on 127.0.0.1 and
// slows one kind of request, so that the CLI is in the middle of it when
// the test interrupts.
type slowProxy struct {
	*httptest.Server
	reached chan struct{} // closed once the slowed request is under way
	once    sync.Once
	done    chan struct{} // closed when the test no longer needs the slowing
}

// release stops the slowing (idempotent).
func (p *slowProxy) release() {
	select {
	case <-p.done:
	default:
		close(p.done)
	}
}

// The requests a slowProxy slows.
const (
	slowUpload   = "upload"   // reads uploads at 640 KiB/s; reached after 1 MiB
	cutUpload    = "cut"      // reads 1 MiB of an upload slowly, then drops the connection
	hangStatus   = "status"   // never answers an import's status
	hangExport   = "export"   // never answers an export's status
	slowDownload = "download" // sends export downloads at 10 KiB/s
)

func newSlowProxy(t *testing.T, upstream, mode string) *slowProxy {
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target) // keeps the Host header: download links come back here
	rp.ErrorLog = nil
	p := &slowProxy{reached: make(chan struct{}), done: make(chan struct{})}
	reach := func() { p.once.Do(func() { close(p.reached) }) }
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		switch {
		case (mode == slowUpload || mode == cutUpload) && path == "/api/public/uploadfile" && r.ContentLength != 0:
			body := &slowReader{ctx: r.Context(), done: p.done, r: r.Body, chunk: 64 << 10, pause: 100 * time.Millisecond, at: 1 << 20, reached: reach}
			if mode == cutUpload {
				for body.n < 1<<20 {
					if _, err := body.Read(make([]byte, 32<<10)); err != nil {
						return
					}
				}
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close() // the server failed mid-upload
				}
				return
			}
			r.Body = body
		case mode == hangStatus && strings.HasPrefix(path, "/api/public/bot/import/status/"),
			mode == hangExport && strings.HasSuffix(path, "/export/status"):
			reach()
			<-r.Context().Done()
			return
		case mode == slowDownload && strings.HasPrefix(path, "/api/public/bot/export/download/"):
			w = &slowWriter{ResponseWriter: w, reached: reach}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { p.release(); p.Close() })
	return p
}

// slowReader reads chunk bytes per pause and calls reached once it has
// read at bytes.
type slowReader struct {
	ctx     context.Context
	done    chan struct{}
	r       io.ReadCloser
	chunk   int
	pause   time.Duration
	n, at   int
	reached func()
}

func (s *slowReader) Read(b []byte) (int, error) {
	select {
	case <-s.ctx.Done(): // the client went away
		return 0, s.ctx.Err()
	case <-s.done: // the test is over: what the connection holds is read at once
	case <-time.After(s.pause):
	}
	n, err := s.r.Read(b[:min(len(b), s.chunk)])
	s.n += n
	if s.n >= s.at {
		s.reached()
	}
	return n, err
}

func (s *slowReader) Close() error { return s.r.Close() }

// slowWriter sends a response 1 KiB per 100 ms.
type slowWriter struct {
	http.ResponseWriter
	reached func()
}

func (s *slowWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		k := min(len(b), 1<<10)
		m, err := s.ResponseWriter.Write(b[:k])
		n += m
		if err != nil {
			return n, err
		}
		http.NewResponseController(s.ResponseWriter).Flush()
		s.reached()
		time.Sleep(100 * time.Millisecond)
		b = b[k:]
	}
	return n, nil
}

func (s *slowWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

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
		screen string // shown on the terminal before the signal
		signal func(*onTerminal) error
		code   int
	}{
		{"Ctrl-C while uploading", slowUpload, []string{"import", large, "--wait"}, "upload botDefinition.json", interrupt, 130},
		{"SIGTERM while uploading", slowUpload, []string{"import", large, "--wait"}, "upload botDefinition.json", terminate, 143},
		{"Ctrl-C while waiting for the import", hangStatus, []string{"import", demo, "--wait"}, "import bir-", interrupt, 130},
		{"Ctrl-C while waiting for the export", hangExport, []string{"export", botID, "-o", "out.zip"}, "exporting bot", interrupt, 130},
		{"Ctrl-C while downloading", slowDownload, []string{"export", botID, "-o", "out.zip"}, "downloading", interrupt, 130},
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
			for deadline := time.Now().Add(10 * time.Second); !strings.Contains(p.screen(), tt.screen); time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the terminal does not show %q:\n%s", tt.screen, p.screen())
				}
			}
			sent := time.Now()
			if err := tt.signal(p); err != nil {
				t.Fatal(err)
			}
			code := p.waitExit(t, 30*time.Second)
			took := time.Since(sent)
			proxy.release()
			t.Logf("exit %d, %v after the signal", code, took.Round(time.Millisecond))
			if code != tt.code {
				t.Errorf("exit %d, want %d. Screen:\n%s", code, tt.code, p.screen())
			}
			if took > time.Second {
				t.Errorf("botport took %v to end after the signal, want at most 1s", took)
			}
			if tt.mode == slowDownload || tt.mode == hangExport {
				if leftovers, _ := filepath.Glob(filepath.Join(p.cmd.Dir, "*")); len(leftovers) > 0 {
					t.Errorf("an interrupted export left %v", leftovers)
				}
			}
		})
	}

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
