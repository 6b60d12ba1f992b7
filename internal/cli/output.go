package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/botport/botport/client"
)

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// entryLine is one status entry as the human output shows it.
func entryLine(e client.LogEntry) string {
	mark := "ok    "
	if e.Status != "success" {
		mark = "FAILED"
	}
	return "  " + mark + " " + stageName(e)
}

// printProblems writes problems as a compiler does, one per line:
// file:line:col: [warning: ]component: message.
func printProblems(w io.Writer, ps []client.Problem, warning bool) {
	for _, p := range ps {
		loc := p.File
		if p.Line > 0 {
			loc = fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
		}
		var b strings.Builder
		b.WriteString(loc)
		b.WriteString(": ")
		if warning {
			b.WriteString("warning: ")
		}
		if p.Component != "" {
			b.WriteString(p.Component + ": ")
		}
		b.WriteString(p.Message)
		fmt.Fprintln(w, safe(b.String()))
	}
}

// plural writes "1 problem" or "3 problems".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// finalDiagnostics prints a finished import's problems: errors and warnings
// of every entry, to w.
func finalDiagnostics(w io.Writer, st *client.Status) (errs, warns int) {
	for _, e := range st.StatusLogs {
		printProblems(w, e.Errors, false)
		printProblems(w, e.Warnings, true)
		errs += len(e.Errors)
		warns += len(e.Warnings)
	}
	return
}

// summarize is the last line of a finished import.
func summarize(st *client.Status) string { return safe(summary(st)) }

func summary(st *client.Status) string {
	stages := len(st.StatusLogs)
	switch {
	case st.Status == "success" && st.DryRun:
		return fmt.Sprintf("dry run %s succeeded: nothing was committed (%s)", st.ID, changeCounts(st))
	case st.Status == "success":
		w := 0
		if st.Summary != nil {
			w = st.Summary.Warnings
		}
		return fmt.Sprintf("import %s succeeded: bot %s (%s, %s)", st.ID, st.StreamID, plural(stages, "stage", "stages"), plural(w, "warning", "warnings"))
	}
	msg := st.Message
	if msg == "" {
		msg = "see the entries above"
	}
	return fmt.Sprintf("import %s failed: %s", st.ID, msg)
}

func changeCounts(st *client.Status) string {
	s := st.ChangeSummary
	if s == nil {
		s = &client.ChangeSummary{}
	}
	return fmt.Sprintf("%d to create, %d to update, %d to delete, %d unchanged", s.Create, s.Update, s.Delete, s.Unchanged)
}
