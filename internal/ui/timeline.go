package ui

import (
	"fmt"
	"time"

	"github.com/botport/botport/internal/importer"
)

// stage is one statusLogs entry on the import page's timeline.
type stage struct {
	TaskType, TaskName, Status, Message string
	Ended                               time.Time     // zero: not recorded
	Took                                time.Duration // -1: not known
	Share                               float64       // of the longest stage, 0 to 100, for the bar
}

// timeline places a document's entries in time: each entry took from the
// end of the one before it (the first stage after importRequest, from the
// run's start) to its own end. Entries without a recorded end (imports
// accepted before times were recorded, a run cut off) have no duration.
// It also returns how long the import waited between its acceptance and
// its run's start (-1: not known).
func timeline(doc *importer.Doc, times *importer.StageTimes) ([]stage, time.Duration) {
	out := make([]stage, len(doc.StatusLogs))
	waited := time.Duration(-1)
	var ends []int64
	var run int64
	if times != nil {
		ends, run = times.Ends, times.Run
		if run > 0 && len(ends) > 0 && ends[0] > 0 && run >= ends[0] {
			waited = time.Duration(run-ends[0]) * time.Millisecond
		}
	}
	var longest time.Duration
	for i, e := range doc.StatusLogs {
		st := stage{TaskType: e.TaskType, TaskName: e.TaskName, Status: e.Status, Message: e.Message, Took: -1}
		if i < len(ends) && ends[i] > 0 {
			st.Ended = time.UnixMilli(ends[i]).UTC()
			start := int64(0)
			switch {
			case i == 1:
				start = run
			case i > 1 && i-1 < len(ends):
				start = ends[i-1]
			}
			if i > 0 && start > 0 && ends[i] >= start {
				st.Took = time.Duration(ends[i]-start) * time.Millisecond
				longest = max(longest, st.Took)
			}
		}
		out[i] = st
	}
	for i := range out {
		if out[i].Took > 0 && longest > 0 {
			out[i].Share = 100 * float64(out[i].Took) / float64(longest)
		}
	}
	return out, waited
}

// duration writes a duration for people: 0 ms, 12 ms, 1.25 s, 2 min 5 s.
func duration(d time.Duration) string {
	switch {
	case d < 0:
		return "—"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.2f s", d.Seconds())
	default:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	}
}
