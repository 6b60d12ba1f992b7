package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Server is `botport serve` in a child process, so that its memory is its own.
type Server struct {
	URL, AppID, Secret string
	cmd                *exec.Cmd
	done               chan struct{}
}

var (
	reListening = regexp.MustCompile(`listening on (http://\S+)`)
	reField     = regexp.MustCompile(`^\s*(clientId|clientSecret):\s+(\S+)`)
)

// StartServer runs exe serve on a fresh data directory with extra flags.
func StartServer(exe, data string, extra ...string) (*Server, error) {
	cmd := exec.Command(exe, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--log-level", "error"}, extra...)...)
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
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if m := reField.FindStringSubmatch(line); m != nil {
				if m[1] == "clientId" {
					s.AppID = m[2]
				} else {
					s.Secret = m[2]
				}
			}
			if m := reListening.FindStringSubmatch(line); m != nil {
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
