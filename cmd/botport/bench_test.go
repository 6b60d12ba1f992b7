package main

import (
	"context"
	"testing"
	"time"

	"github.com/botport/botport/internal/fixture"
)

// BenchmarkUploadToSuccess measures, for the largest fixture, the time from
// the first upload byte to a status document reading success: three
// uploads, the import start, the queue, the pipeline and the polls (every
// 5 ms), over real HTTP on 127.0.0.1 against the embedded store.
//
//	go test ./cmd/botport -run '^$' -bench UploadToSuccess -benchtime 20x
func BenchmarkUploadToSuccess(b *testing.B) {
	for _, name := range []string{"vaxie", "demobot1-full"} {
		b.Run(name, func(b *testing.B) {
			ts := startServer(b)
			c := ts.client()
			e := fixture.Get(b, name)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				req := uploadExport(b, c, e)
				start, err := c.ImportNew(ctx, req)
				if err != nil {
					b.Fatal(err)
				}
				st, err := c.Wait(ctx, start.ID, 5*time.Millisecond, nil)
				if err != nil || st.Status != "success" {
					b.Fatalf("%v %+v", err, st)
				}
			}
		})
	}
}
