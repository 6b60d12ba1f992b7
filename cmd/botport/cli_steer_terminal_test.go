//go:build unix

package main

import (
	"testing"
)

// TestCLIWatchOnTerminal runs the real binary under a pseudo-terminal
// against a server whose import is held after its validation (a kill
// point): it runs, and stays silent. Ctrl-C ends each wait with exit 130
// within a second, and each wait shows a spinner with the time it has
// taken, so no pause goes silent:
//
//   - status --watch following the import's event stream, and polling it
//     through a proxy that plays a host without streams;
//   - cancel, while the server waits for the running import to stop
//     (its answer takes 5 s), and after the cancel was accepted, while it
//     follows the import to its end.
func TestCLIWatchOnTerminal(t *testing.T) {
	bin := buildBotport(t, t.TempDir())
	qs, running, _ := queuedImports(t)
	interrupt := func(p *onTerminal) error {
		_, err := p.tty.Write([]byte{3}) // Ctrl-C, as typed
		return err
	}
	const stage = `running the stage after Bot Definition: Demobot1 \(2 stages done\)  \ds`
	for _, tt := range []struct {
		name    string
		kore    bool     // through a host without event streams
		args    []string // against the held import
		screens []string // shown in turn before Ctrl-C (regular expressions)
	}{
		{"status --watch over the stream", false, []string{"status", running, "--watch"}, []string{stage}},
		{"status --watch polling a host without streams", true, []string{"status", running, "--watch"}, []string{stage}},
		{"cancel while the server waits for the import to stop", false, []string{"cancel", running},
			[]string{`cancelling import bir-\S+ \(a running import stops at its next stage boundary\)  [1-9]s`}},
		{"cancel following the import once accepted", false, []string{"cancel", running},
			[]string{`cancelling import bir-\S+ .*  [1-9]s`, `cancel of import bir-\S+ accepted; waiting for it to stop`, stage}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			proxy := newRouteProxy(t, qs.URL, tt.kore)
			p := startOnTerminal(t, bin, cliEnv(t, qs, proxy.URL), tt.args...)
			for _, s := range tt.screens {
				p.waitScreen(t, s)
			}
			p.signalEnds(t, interrupt, 130)
			events, polls := proxy.count(reqEvents), proxy.count(reqStatus)
			t.Logf("%d event streams asked for, %d status reads", events, polls)
			if tt.args[0] == "status" && (events != 1 || (polls == 0) != !tt.kore) {
				t.Errorf("%d event streams asked for, %d status reads (a host without streams: %v)", events, polls, tt.kore)
			}
		})
	}
}
