package importer

import (
	"context"
	"encoding/json"
)

// StageTimes is when an import's run started and when each of its status
// entries ended, for the dashboard's timeline. The status document has no
// times of its own (its bytes are the platform's), so the importer records
// them beside it (store.SaveImportTimes), written with the run's progress
// and before its final document.
type StageTimes struct {
	// Run is when the run that wrote the entries started, Unix ms: the
	// first stage after importRequest began then.
	Run int64 `json:"run"`
	// Ends holds, for each statusLogs entry in order, when it ended, Unix
	// ms; importRequest's is the import's acceptance. Shorter than the
	// entries when the run stopped before recording the rest.
	Ends []int64 `json:"ends"`
}

// DecodeStageTimes reads recorded stage times; nil when none were recorded
// (imports accepted before botport recorded them) or they do not decode.
func DecodeStageTimes(b []byte) *StageTimes {
	if len(b) == 0 {
		return nil
	}
	var t StageTimes
	if json.Unmarshal(b, &t) != nil {
		return nil
	}
	return &t
}

// startTimes begins the run's record: the importRequest entry ended when
// the import was accepted.
func (r *run) startTimes() {
	r.times = StageTimes{Run: r.started.UnixMilli(), Ends: []int64{r.imp.CreatedOn.UnixMilli()}}
}

// stamp records that the entry just appended to the document ended now.
func (r *run) stamp() {
	if r.times.Run == 0 { // a run that failed before it started (Fail's stand-in)
		r.startTimes()
	}
	for len(r.times.Ends) < len(r.doc.StatusLogs)-1 { // entries appended without a time: unknown
		r.times.Ends = append(r.times.Ends, 0)
	}
	r.times.Ends = append(r.times.Ends[:len(r.doc.StatusLogs)-1], r.s.cfg.Now().UnixMilli())
}

// saveTimes writes the record. The times are a record of the run for the
// dashboard, never part of the import's outcome: a failed write is logged,
// not returned.
func (r *run) saveTimes(ctx context.Context) {
	b, err := json.Marshal(&r.times)
	if err == nil {
		err = r.s.cfg.Store.SaveImportTimes(ctx, r.imp.ID, b)
	}
	if err != nil && ctx.Err() == nil {
		r.s.log.WarnContext(ctx, "record stage times", "import", r.imp.ID, "error", err)
	}
}
