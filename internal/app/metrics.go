package app

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quarrylabs/quarry/internal/extract"
)

// jobMetrics exposes jobs by status, queue depth and run durations. Counts
// come from the database at scrape time, cached briefly so that frequent
// scrapes of a large table cost little.
type jobMetrics struct {
	store    extract.Store
	depth    func(context.Context) (int64, error)
	duration *prometheus.HistogramVec

	statusDesc, depthDesc *prometheus.Desc

	mu       sync.Mutex
	cachedAt time.Time
	byStatus map[extract.Status]int64
	queued   int64
}

const metricsCacheTTL = 10 * time.Second

func newJobMetrics(reg *prometheus.Registry, st extract.Store) *jobMetrics {
	m := &jobMetrics{
		store: st,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "quarry_job_duration_seconds",
			Help:    "Time from a job's start to its end, by final status.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}, []string{"status"}),
		statusDesc: prometheus.NewDesc("quarry_jobs", "Extraction jobs by status.", []string{"status"}, nil),
		depthDesc:  prometheus.NewDesc("quarry_queue_depth", "Queue entries waiting to run.", nil, nil),
	}
	reg.MustRegister(m.duration, m)
	return m
}

func (m *jobMetrics) observe(s extract.Status, d time.Duration) {
	m.duration.WithLabelValues(string(s)).Observe(d.Seconds())
}

// Describe implements prometheus.Collector.
func (m *jobMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.statusDesc
	ch <- m.depthDesc
}

// Collect implements prometheus.Collector.
func (m *jobMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if time.Since(m.cachedAt) > metricsCacheTTL {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if counts, err := m.store.CountJobsByStatus(ctx); err == nil {
			m.byStatus = counts
			m.cachedAt = time.Now()
		}
		if m.depth != nil {
			if n, err := m.depth(ctx); err == nil {
				m.queued = n
			}
		}
	}
	for _, s := range extract.Statuses {
		ch <- prometheus.MustNewConstMetric(m.statusDesc, prometheus.GaugeValue, float64(m.byStatus[s]), string(s))
	}
	ch <- prometheus.MustNewConstMetric(m.depthDesc, prometheus.GaugeValue, float64(m.queued))
}
