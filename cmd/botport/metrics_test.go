package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/botport/botport/internal/fixture"
)

// scrape reads a /metrics answer into metric families.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := rawRequest(t, "GET", url, nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return fams
}

// sample returns the value of the family's sample with labels (a
// counter's or gauge's value, a histogram's count), and whether it exists.
func sample(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// TestMetrics scrapes /metrics before and after an import, a status read
// and a webhook delivery, and sees each counter move: requests started and
// ended, stage durations, HTTP requests by route pattern, webhook
// attempts; the queue's gauges are there; /readyz answers 200.
func TestMetrics(t *testing.T) {
	ts := startServer(t, "--webhook-allow-private")
	c := ts.client()
	ctx := context.Background()
	recv := newHookReceiver(t)
	recv.register(t, c, "import.succeeded")
	before := scrape(t, ts.URL+"/metrics")

	st, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
	if err != nil {
		t.Fatal(err)
	}
	if done := wait(t, c, st.ID); done.Status != "success" {
		t.Fatalf("import: %s", done.Status)
	}
	recv.waitAccepted(t, 1, time.Minute)
	// The attempt is counted once it is recorded, after the receiver answered.
	deadline := time.Now().Add(time.Minute)
	var after map[string]*dto.MetricFamily
	for {
		after = scrape(t, ts.URL+"/metrics")
		if v, _ := sample(after, "botport_webhook_attempts_total", "outcome", "succeeded"); v >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}

	for _, m := range []struct {
		name   string
		labels []string
		delta  float64 // at least
	}{
		{"botport_requests_started_total", []string{"kind", "import"}, 1},
		{"botport_requests_ended_total", []string{"kind", "import", "status", "success"}, 1},
		{"botport_import_stage_duration_seconds", []string{"stage", "Bot Definition"}, 1},
		{"botport_import_stage_duration_seconds", []string{"stage", "importBot"}, 1},
		{"botport_http_requests_total", []string{"route", "/api/public/bot/import/status/{bir}", "method", "GET", "code", "200"}, 1},
		{"botport_http_requests_total", []string{"route", "/api/public/uploadfile", "method", "POST", "code", "200"}, 3},
		{"botport_http_requests_total", []string{"route", "/metrics", "method", "GET", "code", "200"}, 1},
		{"botport_http_request_duration_seconds", []string{"route", "/api/public/bot/import", "method", "POST"}, 1},
		{"botport_webhook_attempts_total", []string{"outcome", "succeeded"}, 1},
	} {
		b, _ := sample(before, m.name, m.labels...)
		a, ok := sample(after, m.name, m.labels...)
		if !ok || a-b < m.delta {
			t.Errorf("%s%v: %v before, %v after (present: %v); want it up by %v", m.name, m.labels, b, a, ok, m.delta)
		}
	}
	for _, state := range []string{"available", "running", "retryable", "scheduled", "pending"} {
		if _, ok := sample(after, "botport_queue_jobs", "state", state); !ok {
			t.Errorf("no botport_queue_jobs{state=%q}", state)
		}
	}
	if _, ok := sample(after, "botport_queue_oldest_available_age_seconds"); !ok {
		t.Error("no botport_queue_oldest_available_age_seconds")
	}
	if _, ok := sample(after, "go_goroutines"); !ok {
		t.Error("no Go runtime metrics")
	}
	// An unknown path is counted under one label, whatever it was.
	rawRequest(t, "GET", ts.URL+"/no/such/"+st.ID, nil, nil)
	if v, _ := sample(scrape(t, ts.URL+"/metrics"), "botport_http_requests_total", "route", "unmatched", "code", "404"); v < 1 {
		t.Errorf("unmatched requests counted %v", v)
	}
	resp, body := rawRequest(t, "GET", ts.URL+"/readyz", nil, nil)
	if resp.StatusCode != http.StatusOK || string(body) != `{"status":"ok"}` {
		t.Errorf("/readyz: %d %s", resp.StatusCode, body)
	}
}

// TestMetricsAddr serves /metrics on its own address: there, and not on
// the API's.
func TestMetricsAddr(t *testing.T) {
	ts := startServer(t, "--metrics-addr", "127.0.0.1:0")
	if ts.Metrics == "" {
		t.Fatal("serve did not say where the metrics are")
	}
	if _, ok := sample(scrape(t, ts.Metrics), "botport_requests_started_total"); ok {
		t.Error("a request was counted before any")
	}
	if _, ok := sample(scrape(t, ts.Metrics), "go_goroutines"); !ok {
		t.Error("no Go runtime metrics on the metrics address")
	}
	resp, body := rawRequest(t, "GET", ts.URL+"/metrics", nil, nil)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), `"msg":"Not Found"`) {
		t.Errorf("/metrics on the API's address: %d %s", resp.StatusCode, body)
	}
}
