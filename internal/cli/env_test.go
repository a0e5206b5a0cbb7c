package cli

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestBadEnvironmentRefused starts each command with one environment
// variable set to a value it cannot take: the command refuses to start,
// with exit code 2 and one line naming the variable and, unless it may
// hold a secret, the value. None falls back to its default.
func TestBadEnvironmentRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env, value string
		cmd        []string
		secret     bool
	}{
		{env: "QUARRY_JOB_TIMEOUT", value: "1hour"},
		{env: "QUARRY_MAX_UPLOAD_BYTES", value: "100MB"},
		{env: "QUARRY_MAX_TABLE_CELLS", value: "lots"},
		{env: "QUARRY_MAX_WORDS", value: "1e6"},
		{env: "QUARRY_MAX_WORDS_PER_PAGE", value: "-1"},
		{env: "QUARRY_MAX_TEXT_BYTES", value: "1.5"},
		{env: "QUARRY_MAX_LINE_LENGTH", value: "x"},
		{env: "QUARRY_MAX_ELEMENTS", value: "many"},
		{env: "QUARRY_MAX_PDF_STREAM_BYTES", value: "1GiB"},
		{env: "QUARRY_MAX_IMAGE_PIXELS", value: "-3"},
		{env: "QUARRY_MAX_DOCUMENT_PAGES", value: "ten"},
		{env: "QUARRY_MAX_DECOMPRESSED_BYTES", value: "256M"},
		{env: "QUARRY_PARSE_TIMEOUT", value: "120"},
		{env: "QUARRY_PDF_MEMORY_LIMIT", value: "1024"},
		{env: "QUARRY_WORKERS", value: "-2"},
		{env: "QUARRY_PROJECT_CONCURRENCY", value: "unlimited"},
		{env: "QUARRY_RESCUE_AFTER", value: "-5m"},
		{env: "QUARRY_RECONCILE_INTERVAL", value: "5 minutes"},
		{env: "QUARRY_POLL_ONLY", value: "yes"},
		{env: "QUARRY_WEBHOOK_ALLOW_PRIVATE", value: "on"},
		{env: "QUARRY_RATE_LIMIT", value: "fast"},
		{env: "QUARRY_RATE_BURST", value: "1.5"},
		{env: "QUARRY_DRAIN_TIMEOUT", value: "30"},
		{env: "QUARRY_LLM_CONTEXT_WINDOW", value: "16k"},
		{env: "QUARRY_LLM_MAX_CONCURRENCY", value: "-1"},
		{env: "QUARRY_LLM_TIMEOUT", value: "5min"},
		{env: "QUARRY_LLM_BASE_URL", value: "localhost:11434"},
		{env: "QUARRY_GC_HEAP_FLOOR", value: "64MiB"},
		{env: "QUARRY_DEBUG_EXTRACT_DELAY", value: "soon"},
		{env: "QUARRY_ROLE", value: "boss"},
		{env: "QUARRY_BLOB", value: "gs://bucket/files"},
		{env: "QUARRY_PUBLIC_URL", value: "ftp://quarry.example.com"},
		{env: "QUARRY_OCR_LANGUAGES", value: "eng deu"},
		{env: "QUARRY_LOG_LEVEL", value: "loud"},
		{env: "QUARRY_LOG_FORMAT", value: "xml"},
		{env: "QUARRY_TOKEN_KEY", value: "short", secret: true},
		{env: "QUARRY_DATABASE_URL", value: "mysql://root:hunter2@db/quarry", secret: true},
		{env: "QUARRY_LOG_LEVEL", value: "loud", cmd: []string{"migrate"}},
		{env: "QUARRY_LOG_FORMAT", value: "xml", cmd: []string{"migrate"}},
		{env: "QUARRY_DATABASE_URL", value: "mysql://root:hunter2@db/quarry", cmd: []string{"migrate"}, secret: true},
		{env: "QUARRY_DATABASE_URL", value: "mysql://root:hunter2@db/quarry", cmd: []string{"keys", "list"}, secret: true},
		{env: "QUARRY_DATABASE_URL", value: "mysql://root:hunter2@db/quarry", cmd: []string{"keys", "create"}, secret: true},
		{env: "QUARRY_DATABASE_URL", value: "mysql://root:hunter2@db/quarry", cmd: []string{"backup", "--out", "copy.db"}, secret: true},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		if tt.cmd == nil {
			covered[tt.env] = true
		}
	}
	// Every variable of serve that is parsed as something other than
	// text has a row above.
	newServeCmd().Flags().VisitAll(func(fl *pflag.Flag) {
		if m := envInHelp.FindStringSubmatch(fl.Usage); m != nil && fl.Value.Type() != "string" && !covered[m[1]] {
			t.Errorf("%s (--%s, %s) has no row in this test", m[1], fl.Name, fl.Value.Type())
		}
	})
	for _, tt := range tests {
		cmd := tt.cmd
		if cmd == nil {
			cmd = []string{"serve", "--addr", "127.0.0.1:0"}
		}
		t.Run(strings.Join(cmd[:1], "")+"/"+tt.env, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			r := runBin(t, dir, []string{tt.env + "=" + tt.value, "QUARRY_DATA_DIR=" + dir}, "", cmd...)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if r.code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "Error: ") || !strings.Contains(lines[0], tt.env) {
				t.Fatalf("%s=%s quarry %v = %d, stderr %q; want 2 and one line naming %s", tt.env, tt.value, cmd, r.code, r.stderr, tt.env)
			}
			if tt.secret && strings.Contains(lines[0], tt.value) {
				t.Errorf("%s=%s quarry %v: %q shows the value, which may hold a secret", tt.env, tt.value, cmd, lines[0])
			}
			if !tt.secret && !strings.Contains(lines[0], tt.value) {
				t.Errorf("%s=%s quarry %v: %q does not show the value", tt.env, tt.value, cmd, lines[0])
			}
		})
	}
}

// TestBadFlagValueRefused gives a flag a value its type cannot hold: the
// message names the flag, the value and what the flag takes.
func TestBadFlagValueRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--job-timeout", "1hour"}, `--job-timeout "1hour" is not a duration such as 90s`},
		{[]string{"serve", "--workers", "four"}, `--workers "four" is not a whole number`},
		{[]string{"serve", "--poll-only=yes"}, `--poll-only "yes" is not true or false`},
		{[]string{"serve", "--rate-limit", "fast"}, `--rate-limit "fast" is not a number`},
	}
	for _, tt := range tests {
		code, _, errOut := run(t, tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("quarry %v = %d %q, want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

// TestEnvironmentSetsFlags checks that a valid variable is used, and that
// a flag given on the command line wins over it.
func TestEnvironmentSetsFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// --log-format=json only from the environment: start-up logs are JSON.
	r := runBin(t, dir, []string{"QUARRY_LOG_FORMAT=json", "QUARRY_DATA_DIR=" + dir}, "", "migrate")
	if r.code != 0 || !strings.HasPrefix(r.stderr, "{") {
		t.Errorf("QUARRY_LOG_FORMAT=json quarry migrate = %d, stderr %q; want JSON logs", r.code, r.stderr)
	}
	dir = t.TempDir()
	r = runBin(t, dir, []string{"QUARRY_LOG_FORMAT=json", "QUARRY_DATA_DIR=" + dir}, "", "migrate", "--log-format", "text")
	if r.code != 0 || !strings.HasPrefix(r.stderr, "time=") {
		t.Errorf("QUARRY_LOG_FORMAT=json quarry migrate --log-format text = %d, stderr %q; want text logs", r.code, r.stderr)
	}
}
