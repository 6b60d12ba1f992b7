package store

import (
	"bytes"
	"context"
	"database/sql"
	"strconv"
	"time"
)

// ImportState is an import as its event stream reads it (ImportState).
type ImportState struct {
	Status string
	Rev    int64  // revision of the stored document
	Doc    []byte // the stored document; nil when the caller has revision Rev
	Queue  Queue  // computed at the read, as ImportDoc appends it
}

// Queue is the state of a pending import that waits, as the status
// document's last member "queue" shows it (see QueueAccount).
type Queue struct {
	State string // QueueAccount, QueueBot or QueueRecovery; "" when not waiting
	Ahead int    // imports waiting before it; -1 when the state has no count
}

// AppendTo returns doc (a JSON object) with the member "queue" appended:
// {"state": q.State} and, when q.Ahead >= 0, "ahead". A zero State, or a
// document that does not end its object, leaves doc as it is.
func (q Queue) AppendTo(doc []byte) []byte {
	if q.State == "" {
		return doc
	}
	doc = bytes.TrimRight(doc, " \t\r\n")
	if len(doc) < 2 || doc[len(doc)-1] != '}' {
		return doc
	}
	out := make([]byte, 0, len(doc)+48)
	out = append(out, doc[:len(doc)-1]...)
	if len(bytes.TrimSpace(doc[1:len(doc)-1])) > 0 {
		out = append(out, ',')
	}
	out = append(out, `"queue":{"state":"`...)
	out = append(out, q.State...)
	out = append(out, '"')
	if q.Ahead >= 0 {
		out = append(out, `,"ahead":`...)
		out = strconv.AppendInt(out, int64(q.Ahead), 10)
	}
	return append(out, "}}"...)
}

// StopJob stops a request's job inside the store's transaction tx, unless
// the job is running: it reports whether the job will not run again (it was
// waiting and is now cancelled, or it had ended or is gone). A running job
// is left alone: its run stops itself at its next stage boundary.
type StopJob = func(ctx context.Context, tx *sql.Tx, jobID int64) (stopped bool, err error)

// ListFilter selects the requests a list returns (ListImports,
// ListExports). Zero fields do not filter.
type ListFilter struct {
	AccountID string
	BotID     string
	Status    string    // pending, success or failure
	Since     time.Time // created at or after
	Until     time.Time // created before
	// Before continues a list: only requests accepted before the one with
	// this Seq (keyset pagination: requests accepted meanwhile come before
	// the first page, never inside the list). 0 starts at the newest.
	Before int64
	Limit  int
}

// ImportItem is an import as lists show it: no request, no document.
type ImportItem struct {
	ID         string
	Seq        int64
	BotID      string
	NewBot     bool
	BotName    string
	Status     string
	DryRun     bool
	Cancelled  bool // ended by a cancel (Status is failure)
	CreatedOn  time.Time
	FinishedOn time.Time // zero while pending
}

// ExportItem is an export as lists show it.
type ExportItem struct {
	ID         string
	Seq        int64
	BotID      string
	BotName    string // the bot's name; "" when the bot is gone
	ExportType string
	Status     string
	CreatedOn  time.Time
	FinishedOn time.Time
}

// IdempotencyKey is one Idempotency-Key of one app: in flight while a
// request holds it (Token, until LeaseUntil), then done with the answer to
// replay until ExpiresOn.
type IdempotencyKey struct {
	AppID       string
	Key         string
	Token       string // the claim of the request that holds it
	Done        bool
	Fingerprint string // of the request that completed it
	Status      int    // the answer's HTTP status
	Header      []byte // the answer's replayed headers (the caller's encoding)
	Body        []byte
	CreatedOn   time.Time
	ExpiresOn   time.Time
	LeaseUntil  time.Time // in flight: the holder renews it while it runs
}
