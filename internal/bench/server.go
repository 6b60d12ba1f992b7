package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is `botport serve` in a child process, so that its memory is its own.
type Server struct {
	URL, AppID, Secret string // AppID and Secret: set by the caller
	cmd                *exec.Cmd
	done               chan struct{}

	mu    sync.Mutex
	runs  map[string]time.Duration // import ID -> pipeline duration, from the server's log
	added chan struct{}            // closed and replaced when runs grows
}

// logRecord is the part of the server's JSON log the bench reads.
type logRecord struct {
	Level    string        `json:"level"`
	Msg      string        `json:"msg"`
	Import   string        `json:"import"`
	Duration time.Duration `json:"duration"`
}

// readLog keeps the duration of every finished import the server logs and
// passes its warnings and errors on to this process's standard error.
func (s *Server) readLog(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var rec logRecord
		if json.Unmarshal(sc.Bytes(), &rec) != nil || rec.Level == "WARN" || rec.Level == "ERROR" {
			fmt.Fprintln(os.Stderr, sc.Text())
			continue
		}
		if rec.Msg == "import succeeded" || rec.Msg == "import failed" {
			s.mu.Lock()
			s.runs[rec.Import] = rec.Duration
			close(s.added)
			s.added = make(chan struct{})
			s.mu.Unlock()
		}
	}
	io.Copy(io.Discard, r)
}

// Pipeline is how long the server's worker ran import bir, from its log
// ("duration" of "import succeeded"): the part of an import's time that is
// neither HTTP nor waiting in the queue.
func (s *Server) Pipeline(bir string) (time.Duration, error) {
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		d, ok := s.runs[bir]
		added := s.added
		s.mu.Unlock()
		if ok {
			return d, nil
		}
		select {
		case <-added:
		case <-s.done:
			return 0, fmt.Errorf("server exited before logging import %s", bir)
		case <-deadline:
			return 0, fmt.Errorf("server did not log the end of import %s", bir)
		}
	}
}

var (
	reListening = regexp.MustCompile(`listening on (http://\S+)`)
)

// StartServer runs exe serve on a fresh data directory with extra flags.
// Rate limits are off: the bench measures throughput, which the platform's
// 60 requests a minute per bucket (on by default with PostgreSQL) would
// cap at once.
func StartServer(exe, data string, extra ...string) (*Server, error) {
	cmd := exec.Command(exe, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--log-level", "info", "--log-format", "json",
		"--rate-limit", "off"}, extra...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	logs, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{cmd: cmd, done: make(chan struct{}), runs: map[string]time.Duration{}, added: make(chan struct{})}
	go s.readLog(logs)
	go func() { cmd.Wait(); close(s.done) }()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := reListening.FindStringSubmatch(sc.Text()); m != nil {
				s.URL = m[1]
				close(ready)
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case <-ready:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("server exited at start")
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("server did not start")
	}
}

// PeakRSS is the child's peak resident memory (VmHWM), in bytes.
func (s *Server) PeakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", s.cmd.Process.Pid)
}

// Stop ends the server (SIGTERM, then SIGKILL).
func (s *Server) Stop() {
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// StartBare runs exe bare-server: a bare net/http server answering every
// request with the bytes of body, in a child process like botport's.
func StartBare(exe, body string) (*Server, error) {
	cmd := exec.Command(exe, "bare-server", "--body", body, "--addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := reListening.FindStringSubmatch(sc.Text()); m != nil {
			s.URL = m[1]
			go io.Copy(io.Discard, out)
			return s, nil
		}
	}
	cmd.Process.Kill()
	return nil, fmt.Errorf("bare server did not start")
}
