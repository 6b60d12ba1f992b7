package cli

import (
	"fmt"

	"github.com/botport/botport/client"
)

// waitLabel says what an unfinished import does, for people: what it
// waits for (the document's queue member), else the stage it runs.
//
// A status document lists the stages that ended, not the one running, and
// which stage follows depends on the export (a Dialog entry per dialog,
// rows an incremental import leaves out): so the label names the stage
// only while the upload is read and validated (Bot Definition, always
// second), and after that the stage the running one follows.
func waitLabel(st *client.Status) string {
	if st.Queue != nil {
		return queueLabel(st.Queue)
	}
	logs := st.StatusLogs
	switch len(logs) {
	case 0:
		return "starting"
	case 1:
		name := "Bot Definition"
		if logs[0].TaskName != "" {
			name += ": " + logs[0].TaskName
		}
		return safe("running " + name + " (reading and validating the files)")
	}
	return fmt.Sprintf("running the stage after %s (%s done)", stageName(logs[len(logs)-1]), plural(len(logs), "stage", "stages"))
}

// queueLabel says what a waiting import waits for.
func queueLabel(q *client.Queue) string {
	switch q.State {
	case client.QueueBot:
		return fmt.Sprintf("queued behind %s into the same bot", plural(q.Ahead, "import", "imports"))
	case client.QueueAccount:
		if q.Ahead == 0 {
			return "waiting for one of the account's import slots (fair sharing)"
		}
		return fmt.Sprintf("waiting for one of the account's import slots (fair sharing), %s of the account ahead", plural(q.Ahead, "import", "imports"))
	case client.QueueRecovery:
		return "waiting for recovery: the server that ran it stopped; it runs again from its start on a live server"
	}
	return safe(fmt.Sprintf("waiting (queue state %q)", q.State))
}

// stageName names a status entry as the entry lines do, escaped.
func stageName(e client.LogEntry) string {
	name := e.TaskType
	if e.TaskName != "" && e.TaskName != e.TaskType && !(e.TaskType == "BotFunctions" && e.TaskName == "Bot Functions") {
		name += ": " + e.TaskName
	}
	return safe(name)
}
