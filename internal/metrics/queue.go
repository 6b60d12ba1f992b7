package metrics

import (
	"context"
	"database/sql"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// queueStates are the states whose jobs the depth gauge counts: jobs not
// yet finished.
var queueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// Queue registers the job queue's gauges, read from the database at each
// scrape (within 2 s): botport_queue_jobs by state, and the age of the
// oldest available job (ready to run, waiting for a worker; 0 when there
// is none).
func (m *Metrics) Queue(c *river.Client[*sql.Tx]) {
	m.reg.MustRegister(&queueCollector{c: c,
		jobs: prometheus.NewDesc("botport_queue_jobs", "Unfinished jobs of the queue (imports, exports, publishes, webhook deliveries, cleanups), by state.",
			[]string{"state"}, nil),
		oldest: prometheus.NewDesc("botport_queue_oldest_available_age_seconds",
			"Age of the oldest job ready to run that no worker has taken yet (0: none).", nil, nil),
		failed: prometheus.NewDesc("botport_queue_scrape_errors_total",
			"Scrapes whose queue figures could not be read from the database.", nil, nil),
	})
}

type queueCollector struct {
	c                    *river.Client[*sql.Tx]
	jobs, oldest, failed *prometheus.Desc
	errors               float64
}

func (q *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- q.jobs
	ch <- q.oldest
	ch <- q.failed
}

func (q *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := q.collect(ctx, ch); err != nil {
		q.errors++
	}
	ch <- prometheus.MustNewConstMetric(q.failed, prometheus.CounterValue, q.errors)
}

func (q *queueCollector) collect(ctx context.Context, ch chan<- prometheus.Metric) error {
	exec := q.c.Driver().GetExecutor()
	counts := make([]int, len(queueStates))
	for i, st := range queueStates {
		n, err := exec.JobCountByState(ctx, &riverdriver.JobCountByStateParams{State: st})
		if err != nil {
			return err
		}
		counts[i] = n
	}
	res, err := q.c.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateAvailable).
		OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc).First(1))
	if err != nil {
		return err
	}
	for i, st := range queueStates {
		ch <- prometheus.MustNewConstMetric(q.jobs, prometheus.GaugeValue, float64(counts[i]), string(st))
	}
	age := 0.0
	if len(res.Jobs) > 0 {
		age = max(time.Since(res.Jobs[0].ScheduledAt).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(q.oldest, prometheus.GaugeValue, age)
	return nil
}
