package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/loadgen"
)

func newBenchLoadCmd() *cobra.Command {
	var (
		cfg      loadgen.Config
		addr     string
		dataDir  string
		asJSON   bool
		serveArg []string
	)
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Send a bounded mix of uploads, creations, gets and listings to a server on this machine",
		Long: `Run --clients concurrent clients against a Quarry server for --duration (or
until --requests have been sent), each mixing uploads (10%), job creations
(30%), gets of its own jobs (40%) and listings (20%). Then report the
throughput, the p50 and p99 latency of each endpoint, the replies that were
not a success by status, the server's peak resident memory, and whether every
job created is found by listing the jobs.

Without --addr it starts a server of its own ("quarry serve" from this
binary, in a temporary data directory, or --data-dir) with no rate limit,
and reads its peak memory from /proc. With --addr it targets a running
server, which must be on a loopback address (127.0.0.0/8, ::1, localhost);
it reads the memory from the server's /metrics, and needs --api-key (or
QUARRY_API_KEY). A server with a rate limit answers part of the load with
429: start it with --rate-limit 0 to measure it.

It exits with status 1 when any reply was a 5xx, a request got no reply, or
a created job is missing from the listing.`,
		Example: `  quarry bench load --duration 60s --clients 200
  quarry bench load --addr 127.0.0.1:8080 --duration 10s --requests 20000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			if addr != "" {
				cfg.BaseURL = "http://" + strings.TrimPrefix(addr, "http://")
				if err := loadgen.CheckLoopback(cfg.BaseURL); err != nil {
					return &ExitError{Code: 2, Err: err}
				}
				if cfg.APIKey == "" {
					return &ExitError{Code: 2, Err: errors.New("--api-key (or QUARRY_API_KEY) is required with --addr")}
				}
				cfg.Memory = metricsMemory(cfg.BaseURL)
			} else {
				srv, err := startBenchServer(ctx, dataDir, serveArg, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				defer srv.stop()
				cfg.BaseURL, cfg.APIKey, cfg.Memory = srv.base, srv.key, srv.peakMemory
				fmt.Fprintf(cmd.ErrOrStderr(), "Started a server on %s (data in %s)\n", srv.base, srv.dir)
			}
			rep, err := loadgen.Run(ctx, cfg)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				printLoadReport(out, rep)
			}
			if n := rep.Server5xx(); n > 0 || rep.TransportErrors > 0 || len(rep.JobsMissing) > 0 || rep.BadReplies > 0 {
				return fmt.Errorf("the server failed under load: %d 5xx replies, %d requests without a reply, %d malformed replies, %d created jobs missing from the listing",
					n, rep.TransportErrors, rep.BadReplies, len(rep.JobsMissing))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "", "a running server's address, on a loopback address (default: start a server of its own)")
	f.StringVar(&cfg.APIKey, "api-key", "", "the key to send with --addr (env QUARRY_API_KEY)")
	f.IntVar(&cfg.Clients, "clients", 200, "clients sending requests at once")
	f.DurationVar(&cfg.Duration, "duration", 60*time.Second, "how long to send requests")
	f.Int64Var(&cfg.Requests, "requests", 10_000_000, "most requests to send; the run ends at whichever of --duration and --requests comes first")
	f.StringVar(&dataDir, "data-dir", "", "data directory of the server it starts (default: a temporary directory, removed after)")
	f.StringArrayVar(&serveArg, "serve-arg", nil, `an extra flag for the server it starts, such as --serve-arg=--workers=4 (repeatable)`)
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func printLoadReport(w io.Writer, r loadgen.Report) {
	fmt.Fprintf(w, "%d clients, %.1f s, %d requests, %.0f requests/s\n\n", r.Clients, r.Elapsed.Seconds(), r.Requests, r.PerSec)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "endpoint\trequests\tper s\tp50\tp99\tmax\t")
	for _, op := range []string{loadgen.OpUpload, loadgen.OpCreate, loadgen.OpGet, loadgen.OpList} {
		e, ok := r.Endpoints[op]
		if !ok {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t\n", op, e.Requests, e.PerSec, ms(e.P50), ms(e.P99), ms(e.Max))
	}
	tw.Flush()
	fmt.Fprintln(w)
	if len(r.Statuses) == 0 {
		fmt.Fprintln(w, "errors by status: none")
	} else {
		fmt.Fprint(w, "errors by status:")
		for st, n := range r.Statuses {
			fmt.Fprintf(w, " %d×%d", st, n)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "requests without a reply: %d; malformed replies: %d\n", r.TransportErrors, r.BadReplies)
	if r.PeakMemory > 0 {
		fmt.Fprintf(w, "server peak memory: %.0f MiB\n", float64(r.PeakMemory)/(1<<20))
	} else {
		fmt.Fprintln(w, "server peak memory: unknown")
	}
	fmt.Fprintf(w, "jobs created: %d, missing from the listing: %d\n", r.JobsCreated, len(r.JobsMissing))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// benchServer is a `quarry serve` child process started for a load run.
type benchServer struct {
	cmd       *exec.Cmd
	base, key string
	dir       string
	removeDir bool
}

// startBenchServer starts this binary's serve command on a free loopback
// port with no rate limit, and waits until it serves.
func startBenchServer(ctx context.Context, dataDir string, extra []string, stderr io.Writer) (*benchServer, error) {
	s := &benchServer{dir: dataDir, key: extract.NewAPIKeySecret()}
	if s.dir == "" {
		dir, err := os.MkdirTemp("", "quarry-bench-load-")
		if err != nil {
			return nil, fmt.Errorf("bench load: %w", err)
		}
		s.dir, s.removeDir = dir, true
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench load: find this program: %w", err)
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", s.dir, "--rate-limit", "0",
		"--log-level", "warn", "--drain-timeout", "1s"}, extra...)
	s.cmd = exec.Command(self, args...)
	s.cmd.Env = append(os.Environ(), "QUARRY_API_KEY="+s.key, "QUARRY_DATABASE_URL=")
	s.cmd.Stderr = stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench load: start the server: %w", err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "serving on "); ok {
				base, _, _ := strings.Cut(rest, " ")
				found <- base
			}
		}
		close(found)
	}()
	select {
	case base, ok := <-found:
		if !ok {
			s.stop()
			return nil, errors.New("bench load: the server exited before serving")
		}
		s.base = base
	case <-time.After(time.Minute):
		s.stop()
		return nil, errors.New("bench load: the server did not start within a minute")
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
	return s, nil
}

// peakMemory reads the server's peak resident memory (VmHWM) from /proc.
func (s *benchServer) peakMemory(context.Context) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// stop ends the server gracefully and removes a temporary data directory.
func (s *benchServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	if s.removeDir {
		os.RemoveAll(s.dir)
	}
}

// metricsMemory reads process_resident_memory_bytes from a server's
// /metrics.
func metricsMemory(base string) func(ctx context.Context) (int64, error) {
	return func(ctx context.Context) (int64, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
		if err != nil {
			return 0, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "process_resident_memory_bytes "); ok {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				return int64(f), err
			}
		}
		return 0, errors.New("no process_resident_memory_bytes in /metrics")
	}
}
