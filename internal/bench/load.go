// Package bench measures botport against limits taken in the same run on
// the same machine, so that ratios hold on a noisy host: the status read
// path against a bare net/http handler, an import against decoding and
// storing the same bytes once, and many imports at once.
package bench

import (
	"net/http"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Load is one side of a load comparison.
type Load struct {
	Requests   uint64
	Throughput float64 // successful requests per second
	P50, P99   time.Duration
	Success    float64 // 0..1
}

// attack sends GET url with header from workers concurrent workers, as
// fast as they go, for d, over kept-alive connections.
func attack(url string, header http.Header, workers int, d time.Duration) Load {
	tgt := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: url, Header: header})
	att := vegeta.NewAttacker(vegeta.Workers(uint64(workers)), vegeta.MaxWorkers(uint64(workers)),
		vegeta.KeepAlive(true), vegeta.Connections(workers), vegeta.MaxConnections(workers), vegeta.Timeout(10*time.Second))
	var m vegeta.Metrics
	for res := range att.Attack(tgt, vegeta.Rate{Freq: 0}, d, "bench") {
		m.Add(res)
	}
	m.Close()
	return Load{Requests: m.Requests, Throughput: m.Throughput, P50: m.Latencies.P50, P99: m.Latencies.P99, Success: m.Success}
}

// merge sums loads measured in several rounds.
func merge(ls []Load) Load {
	var out Load
	var w float64
	for _, l := range ls {
		out.Requests += l.Requests
		out.Throughput += l.Throughput
		out.P50 += l.P50
		out.P99 += l.P99
		out.Success += l.Success
		w++
	}
	if w > 0 {
		out.Throughput /= w
		out.P50 = time.Duration(float64(out.P50) / w)
		out.P99 = time.Duration(float64(out.P99) / w)
		out.Success /= w
	}
	return out
}

// StatusComparison is the status read path against a bare handler.
type StatusComparison struct {
	Botport, Bare Load
	Workers       int
	Rounds        int
	Round         time.Duration
}

// ThroughputRatio is botport's throughput over the bare handler's.
func (c StatusComparison) ThroughputRatio() float64 { return c.Botport.Throughput / c.Bare.Throughput }

// P99Ratio is botport's p99 latency over the bare handler's.
func (c StatusComparison) P99Ratio() float64 { return float64(c.Botport.P99) / float64(c.Bare.P99) }

// CompareStatus loads the botport status URL and the bare URL in alternated
// rounds with the same load generator and concurrency.
func CompareStatus(botportURL string, header http.Header, bareURL string, workers, rounds int, round time.Duration) StatusComparison {
	attack(bareURL, nil, workers, round/4) // warm both up
	attack(botportURL, header, workers, round/4)
	var bp, bare []Load
	for i := 0; i < rounds; i++ {
		bare = append(bare, attack(bareURL, nil, workers, round))
		bp = append(bp, attack(botportURL, header, workers, round))
	}
	return StatusComparison{Botport: merge(bp), Bare: merge(bare), Workers: workers, Rounds: rounds, Round: round}
}

// BareHandler answers every request with body and the headers botport's
// status answer carries: the limit the status path is measured against.
func BareHandler(body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("X-Request-Id", "bare")
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
}
