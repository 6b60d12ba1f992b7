package importer_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
)

// BenchmarkDocEncode measures encoding a status document, which the worker
// does at each progress save and at the end: one of a typical bot (40
// components) and one of the generated large export (3,000 dialogs).
func BenchmarkDocEncode(b *testing.B) {
	for _, n := range []int{40, 3000} {
		doc := &importer.Doc{ID: kore.NewImportID(), Status: "success", StreamRefID: kore.NewUUID(), CreatedBy: kore.NewUserID(),
			RequestType: importer.RequestType, CreatedOn: kore.FormatTime(time.Now()), StreamID: kore.NewBotID()}
		for i := range n {
			doc.StatusLogs = append(doc.StatusLogs, importer.LogEntry{TaskType: importer.TaskDialog, TaskName: fmt.Sprintf("Dialog %d", i), Status: "success"})
		}
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(doc.Encode())))
			for b.Loop() {
				doc.Encode()
			}
		})
	}
}
