// Package loadgen drives a Quarry server with many concurrent clients mixing
// uploads, job creations, gets and listings, and reports throughput,
// latency per endpoint and errors by status. It is bounded in time and in
// requests, and it only talks to loopback addresses: it exists to measure a
// server on the same machine, never to send traffic elsewhere.
package loadgen

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Endpoints, in the order reports list them.
const (
	OpUpload = "upload"
	OpCreate = "create"
	OpGet    = "get"
	OpList   = "list"
)

var ops = []string{OpUpload, OpCreate, OpGet, OpList}

// Config says what load to send.
type Config struct {
	// BaseURL is the server, http://127.0.0.1:PORT; it must be a loopback
	// address.
	BaseURL string
	// APIKey is sent as the Bearer key.
	APIKey string
	// Clients is how many clients send requests at once, each waiting for
	// its reply before the next. Defaults to 200.
	Clients int
	// Duration bounds the run. Defaults to 60 seconds.
	Duration time.Duration
	// Requests bounds the number of requests of the run. Defaults to
	// 10,000,000.
	Requests int64
	// Memory, when set, is asked for the server's resident memory in bytes
	// every second during the run; the report keeps the peak.
	Memory func(ctx context.Context) (int64, error)
}

func (c Config) withDefaults() Config {
	c.Clients = cmp.Or(c.Clients, 200)
	c.Duration = cmp.Or(c.Duration, time.Minute)
	c.Requests = cmp.Or(c.Requests, 10_000_000)
	return c
}

// CheckLoopback refuses any address but a loopback one.
func CheckLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("loadgen: %q is not an http:// URL", base)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("loadgen: %s is not a loopback address: the load generator only targets servers on this machine (127.0.0.0/8, ::1, localhost)", host)
}

// EndpointReport is what one endpoint did.
type EndpointReport struct {
	Requests int64         `json:"requests"`
	PerSec   float64       `json:"per_second"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	Max      time.Duration `json:"max_ns"`
}

// Report is the outcome of a run.
type Report struct {
	Clients   int                       `json:"clients"`
	Elapsed   time.Duration             `json:"elapsed_ns"`
	Requests  int64                     `json:"requests"`
	PerSec    float64                   `json:"per_second"`
	Endpoints map[string]EndpointReport `json:"endpoints"`
	// Statuses counts the replies that were not a success, by status.
	Statuses map[int]int64 `json:"error_statuses"`
	// TransportErrors counts requests that got no reply at all.
	TransportErrors int64 `json:"transport_errors"`
	// BadReplies counts successful uploads and creations whose reply held
	// no id.
	BadReplies int64 `json:"bad_replies"`
	// JobsCreated were answered 201; JobsMissing are those of them the
	// listing did not show after the run.
	JobsCreated int      `json:"jobs_created"`
	JobsMissing []string `json:"jobs_missing"`
	// PeakMemory is the highest resident memory of the server seen, in
	// bytes; 0 when unknown.
	PeakMemory int64 `json:"peak_memory_bytes"`
}

// Server5xx counts replies with a 5xx status.
func (r Report) Server5xx() int64 {
	var n int64
	for st, c := range r.Statuses {
		if st >= 500 {
			n += c
		}
	}
	return n
}

// Run sends the load and checks, after it, that every job created is
// listed.
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg = cfg.withDefaults()
	if err := CheckLoopback(cfg.BaseURL); err != nil {
		return Report{}, err
	}
	hc := &http.Client{
		Transport: &http.Transport{MaxIdleConns: cfg.Clients, MaxIdleConnsPerHost: cfg.Clients, IdleConnTimeout: time.Minute},
		Timeout:   2 * time.Minute,
	}
	defer hc.CloseIdleConnections()
	g := &generator{cfg: cfg, hc: hc, statuses: map[int]int64{}}

	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var peak atomic.Int64
	memDone := make(chan struct{})
	go func() {
		defer close(memDone)
		if cfg.Memory == nil {
			return
		}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			if n, err := cfg.Memory(ctx); err == nil && n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-runCtx.Done():
				return
			case <-tick.C:
			}
		}
	}()

	began := time.Now()
	results := make([]clientResult, cfg.Clients)
	var wg sync.WaitGroup
	for i := range cfg.Clients {
		wg.Go(func() { results[i] = g.client(runCtx, uint64(i)) })
	}
	wg.Wait()
	elapsed := time.Since(began)
	cancel()
	<-memDone
	if cfg.Memory != nil {
		if n, err := cfg.Memory(ctx); err == nil && n > peak.Load() {
			peak.Store(n)
		}
	}

	rep := Report{Clients: cfg.Clients, Elapsed: elapsed, Endpoints: map[string]EndpointReport{}, Statuses: g.statuses,
		TransportErrors: g.transport.Load(), BadReplies: g.bad.Load(), PeakMemory: peak.Load()}
	latencies := map[string][]time.Duration{}
	var created []string
	for _, r := range results {
		for op, ds := range r.latencies {
			latencies[op] = append(latencies[op], ds...)
		}
		created = append(created, r.jobs...)
	}
	for _, op := range ops {
		ds := latencies[op]
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		rep.Endpoints[op] = EndpointReport{Requests: int64(len(ds)), PerSec: float64(len(ds)) / elapsed.Seconds(),
			P50: quantile(ds, 0.50), P99: quantile(ds, 0.99), Max: ds[len(ds)-1]}
		rep.Requests += int64(len(ds))
	}
	rep.PerSec = float64(rep.Requests) / elapsed.Seconds()
	rep.JobsCreated = len(created)
	listed, err := g.listAll(ctx)
	if err != nil {
		return rep, fmt.Errorf("loadgen: list the jobs after the run: %w", err)
	}
	for _, id := range created {
		if !listed[id] {
			rep.JobsMissing = append(rep.JobsMissing, id)
		}
	}
	return rep, nil
}

// quantile returns the q-quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

type generator struct {
	cfg       Config
	hc        *http.Client
	sent      atomic.Int64
	transport atomic.Int64
	bad       atomic.Int64

	mu       sync.Mutex
	statuses map[int]int64
}

type clientResult struct {
	latencies map[string][]time.Duration
	jobs      []string
}

// invoice is the document clients upload: small, so that the run measures
// the API and the database rather than the disk.
const invoice = "Invoice Number: INV-%d\nInvoice Date: March 5, 2024\nCustomer: Northwind Traders\nTotal: $%d.56\n"

var schema = json.RawMessage(`{"type":"object","properties":{"invoice_number":{"type":"string"},"total":{"type":"number"}}}`)

// client sends requests until the run ends: an upload first, then a mix of
// 10% uploads, 30% creations, 40% gets of its own jobs and 20% listings.
func (g *generator) client(ctx context.Context, seed uint64) clientResult {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	res := clientResult{latencies: map[string][]time.Duration{}}
	var files []string
	for ctx.Err() == nil && g.sent.Add(1) <= g.cfg.Requests {
		op := OpUpload
		if len(files) > 0 {
			switch n := rng.IntN(10); {
			case n < 1:
				op = OpUpload
			case n < 4:
				op = OpCreate
			case n < 8 && len(res.jobs) > 0:
				op = OpGet
			default:
				op = OpList
			}
		}
		var (
			req *http.Request
			err error
		)
		switch op {
		case OpUpload:
			req, err = uploadRequest(ctx, g.cfg.BaseURL, fmt.Sprintf(invoice, rng.IntN(1e6), rng.IntN(1e4)))
		case OpCreate:
			body, _ := json.Marshal(map[string]any{"file_input": files[rng.IntN(len(files))], "configuration": map[string]any{"data_schema": schema}})
			if req, err = http.NewRequestWithContext(ctx, http.MethodPost, g.cfg.BaseURL+"/api/v2/extract", bytes.NewReader(body)); err == nil {
				req.Header.Set("Content-Type", "application/json")
			}
		case OpGet:
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, g.cfg.BaseURL+"/api/v2/extract/"+res.jobs[rng.IntN(len(res.jobs))], nil)
		case OpList:
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, g.cfg.BaseURL+"/api/v2/extract?page_size=20", nil)
		}
		if err != nil {
			break
		}
		req.Header.Set("Authorization", "Bearer "+g.cfg.APIKey)
		start := time.Now()
		resp, err := g.hc.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				g.transport.Add(1)
			}
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if err != nil {
			if ctx.Err() == nil {
				g.transport.Add(1)
			}
			continue
		}
		res.latencies[op] = append(res.latencies[op], d)
		if resp.StatusCode >= 300 {
			g.mu.Lock()
			g.statuses[resp.StatusCode]++
			g.mu.Unlock()
			continue
		}
		var made struct {
			ID string `json:"id"`
		}
		switch op {
		case OpUpload, OpCreate:
			if json.Unmarshal(body, &made) != nil || made.ID == "" {
				g.bad.Add(1)
				continue
			}
			if op == OpUpload {
				files = append(files, made.ID)
			} else {
				res.jobs = append(res.jobs, made.ID)
			}
		}
	}
	return res
}

func uploadRequest(ctx context.Context, base, content string) (*http.Request, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("purpose", "extract")
	fw, err := mw.CreateFormFile("file", "invoice.txt")
	if err != nil {
		return nil, err
	}
	_, _ = io.WriteString(fw, content)
	if err := mw.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/beta/files", &buf)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req, nil
}

// listAll pages through every job of the key's project.
func (g *generator) listAll(ctx context.Context) (map[string]bool, error) {
	seen := map[string]bool{}
	token := ""
	for {
		u := g.cfg.BaseURL + "/api/v2/extract?page_size=1000"
		if token != "" {
			u += "&page_token=" + url.QueryEscape(token)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+g.cfg.APIKey)
		resp, err := g.hc.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			// A server with a rate limit: wait as told, then go on.
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			resp.Body.Close()
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(max(wait, 1)) * time.Second):
			}
			continue
		}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextPageToken string `json:"next_page_token"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			return nil, errors.Join(fmt.Errorf("list: status %d", resp.StatusCode), err)
		}
		for _, it := range page.Items {
			seen[it.ID] = true
		}
		if page.NextPageToken == "" {
			return seen, nil
		}
		token = page.NextPageToken
	}
}
