// Package metrics keeps botport's Prometheus metrics on a registry the
// caller passes in (never the global one, so that tests and several
// servers in one process each have their own): requests started and ended
// by status, import stage durations, the job queue's depth and the age of
// its oldest ready job, HTTP requests by route pattern and code with
// latency histograms, and webhook delivery attempts by outcome.
//
// Counters are this process's: Prometheus sums them over replicas. The
// queue's gauges are read from the database at each scrape, so every
// replica reports the same values for the whole queue.
package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Kinds of requests, the kind label of the request counters.
const (
	KindImport  = "import"
	KindExport  = "export"
	KindPublish = "publish"
)

// StatusCancelled is the ended status of a cancelled import (its document
// says failure and cancelled).
const StatusCancelled = "cancelled"

// Metrics is every metric botport exports.
type Metrics struct {
	reg      *prometheus.Registry
	started  *prometheus.CounterVec
	ended    *prometheus.CounterVec
	stages   *prometheus.HistogramVec
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	webhooks *prometheus.CounterVec
}

// New registers botport's metrics, and the Go runtime's and the process's,
// on reg.
func New(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		reg: reg,
		started: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botport_requests_started_total",
			Help: "Import, export and publish requests accepted by this process, by kind.",
		}, []string{"kind"}),
		ended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botport_requests_ended_total",
			Help: "Import, export and publish requests this process ended, by kind and status (success, failure, cancelled).",
		}, []string{"kind", "status"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "botport_import_stage_duration_seconds",
			Help:    "How long each stage of an import run took, by stage (the status document's taskType).",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10), // 1 ms to 4.4 min
		}, []string{"stage"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botport_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "botport_http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer, by route pattern and method.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10), // 0.5 ms to 2.2 min
		}, []string{"route", "method"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botport_webhook_attempts_total",
			Help: "Webhook delivery attempts, by outcome: succeeded, retrying (failed, another attempt follows), failed (the delivery gave up).",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.started, m.ended, m.stages, m.requests, m.latency, m.webhooks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in Prometheus' exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Started counts an accepted request of kind.
func (m *Metrics) Started(kind string) { m.started.WithLabelValues(kind).Inc() }

// Ended counts a request of kind that ended with status.
func (m *Metrics) Ended(kind, status string) { m.ended.WithLabelValues(kind, status).Inc() }

// Stage observes how long an import stage took (importer.Config.OnStage).
func (m *Metrics) Stage(taskType string, d time.Duration) {
	m.stages.WithLabelValues(taskType).Observe(d.Seconds())
}

// WebhookAttempt counts a delivery attempt's outcome (webhook.Config.Observe).
func (m *Metrics) WebhookAttempt(outcome string) { m.webhooks.WithLabelValues(outcome).Inc() }

// HTTP observes one answered request: route is the pattern the router
// matched (httpapi passes it without the method), "" for none.
func (m *Metrics) HTTP(route, method string, code int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	method = knownMethod(method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// knownMethod keeps the method label bounded: a client may send any token
// as a method.
func knownMethod(m string) string {
	switch strings.ToUpper(m) {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return strings.ToUpper(m)
	}
	return "other"
}
