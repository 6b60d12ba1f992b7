package kore

import "time"

// TimeLayout is the platform's timestamp: ISO-8601 UTC with exactly three
// fraction digits and Z.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// FormatTime formats t as the platform does.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }
