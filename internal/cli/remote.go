package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/quarrylabs/quarry/client"
)

// defaultBaseURL is where `quarry serve` listens by default.
const defaultBaseURL = "http://127.0.0.1:8080"

// globals are the flags every command that talks to a server shares. They
// are persistent flags of the root command, so that they can stand before
// or after the command's name.
type globals struct {
	apiKey         string
	baseURL        string
	format         string
	projectID      string
	organizationID string
	debug          bool
}

func (g *globals) register(f *pflag.FlagSet) {
	// Defaults from the environment are resolved when a command runs, not
	// here, so that --help never prints a key.
	f.StringVar(&g.apiKey, "api-key", "", "API key (env LLAMA_CLOUD_API_KEY, or QUARRY_API_KEY)")
	f.StringVar(&g.baseURL, "base-url", "", "server address (env LLAMA_CLOUD_BASE_URL; default "+defaultBaseURL+")")
	f.StringVar(&g.format, "format", "", "output: json, jsonl, yaml or table (default table on a terminal, json otherwise)")
	f.StringVar(&g.projectID, "project-id", "", "act in this project instead of the API key's default one")
	f.StringVar(&g.organizationID, "organization-id", "", "the organization of --project-id")
	f.BoolVar(&g.debug, "debug", false, "print each HTTP request and response to stderr (the API key masked)")
}

func registerFormatCompletion(root *cobra.Command) {
	_ = root.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
}

var formats = []string{"json", "jsonl", "yaml", "table"}

// client builds the API client the command's flags and environment ask for.
func (g *globals) client(cmd *cobra.Command) (*client.Client, error) {
	key := g.apiKey
	if key == "" {
		key = env("LLAMA_CLOUD_API_KEY", env("QUARRY_API_KEY", ""))
	}
	if key == "" {
		// Every API call needs one: say where it goes before the server
		// answers in terms of HTTP headers.
		return nil, usageError("no API key: set QUARRY_API_KEY (or LLAMA_CLOUD_API_KEY), or pass --api-key; " +
			"quarry serve prints a key on its first start, and quarry keys create makes another")
	}
	base := g.baseURL
	if base == "" {
		base = env("LLAMA_CLOUD_BASE_URL", defaultBaseURL)
	}
	hc := &http.Client{}
	if g.debug {
		hc.Transport = &debugTransport{next: http.DefaultTransport, w: cmd.ErrOrStderr(), key: key}
	}
	c, err := client.New(
		client.WithBaseURL(base),
		client.WithAPIKey(key),
		client.WithHTTPClient(hc),
		client.WithUserAgent("quarry-cli/"+client.Version),
		client.WithProject(g.projectID, g.organizationID),
	)
	if err != nil {
		return nil, &ExitError{Code: 2, Err: fmt.Errorf("--base-url: %w", err)}
	}
	return c, nil
}

// outputFormat is --format, or table when stdout is a terminal and json
// when it is piped.
func (g *globals) outputFormat(cmd *cobra.Command) (string, error) {
	switch g.format {
	case "":
		if isTerminal(cmd.OutOrStdout()) {
			return "table", nil
		}
		return "json", nil
	case "json", "jsonl", "yaml", "table":
		return g.format, nil
	}
	return "", &ExitError{Code: 2, Err: fmt.Errorf("--format %q is not one of %s", g.format, strings.Join(formats, ", "))}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// usageError marks err as the user's mistake in calling the command: exit 2.
func usageError(format string, args ...any) error {
	return &ExitError{Code: 2, Err: fmt.Errorf(format, args...)}
}

// message is what the user reads for an error: the server's detail for an
// API error, a hint when no server answered.
func message(err error) string {
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		msg := apiErr.Detail
		if msg == "" {
			msg = http.StatusText(apiErr.StatusCode)
		}
		if apiErr.StatusCode == http.StatusUnauthorized {
			msg += "; this command sends the key in --api-key, or else LLAMA_CLOUD_API_KEY or QUARRY_API_KEY"
		}
		// Keep the context the command added around the reply.
		return strings.Replace(err.Error(), apiErr.Error(), fmt.Sprintf("%s (HTTP %d)", msg, apiErr.StatusCode), 1)
	}
	// Only a request the client sent: a server failing to reach its own
	// database is refused too, and needs no hint about starting one.
	if ue := (*url.Error)(nil); errors.As(err, &ue) && errors.Is(err, syscall.ECONNREFUSED) {
		return err.Error() + "\nIs the server running? Start one with `quarry serve`, or point --base-url (LLAMA_CLOUD_BASE_URL) at one."
	}
	return err.Error()
}

// debugTransport prints requests and responses, with the API key masked.
type debugTransport struct {
	next http.RoundTripper
	w    io.Writer
	key  string
	mu   sync.Mutex
}

// debugBodyLimit caps how much of a body --debug prints.
const debugBodyLimit = 4 << 10

func (t *debugTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", r.Method, r.URL)
	for _, k := range sortedKeys(r.Header) {
		for _, v := range r.Header[k] {
			if k == "Authorization" {
				v = maskAuthorization(v)
			}
			fmt.Fprintf(&b, "> %s: %s\n", k, v)
		}
	}
	if r.Body != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		fmt.Fprintf(&b, ">\n%s\n", clip(body))
	} else if r.Body != nil {
		fmt.Fprintf(&b, ">\n(%s body of %d bytes)\n", r.Header.Get("Content-Type"), r.ContentLength)
	}
	t.print(b.String())

	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		t.print(fmt.Sprintf("< error after %v: %v\n", time.Since(start).Round(time.Millisecond), err))
		return nil, err
	}
	b.Reset()
	fmt.Fprintf(&b, "< %s (%v)\n", resp.Status, time.Since(start).Round(time.Millisecond))
	for _, k := range sortedKeys(resp.Header) {
		for _, v := range resp.Header[k] {
			fmt.Fprintf(&b, "< %s: %s\n", k, v)
		}
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		head, err := io.ReadAll(io.LimitReader(resp.Body, debugBodyLimit+1))
		if err != nil {
			resp.Body.Close()
			return nil, err
		}
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
		fmt.Fprintf(&b, "<\n%s\n", clip(bytes.TrimSpace(head)))
	}
	t.print(b.String())
	return resp, nil
}

func (t *debugTransport) print(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	io.WriteString(t.w, s)
}

func clip(b []byte) string {
	if len(b) > debugBodyLimit {
		return string(b[:debugBodyLimit]) + "… (cut)"
	}
	return string(b)
}

// maskAuthorization keeps the scheme and the key's first characters, which
// tell keys apart in `quarry keys list`, and hides the rest.
func maskAuthorization(v string) string {
	scheme, key, ok := strings.Cut(v, " ")
	if !ok {
		return "********"
	}
	shown := min(len(key)/4, 12)
	return scheme + " " + key[:shown] + "********"
}

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// addExamples gives the commands cobra adds by itself (help, completion)
// the example every command's help shows.
func addExamples(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	if root.Example == "" {
		root.Example = `  quarry serve
  quarry extract run invoice.txt --schema invoice.schema.json
  quarry extract list --status COMPLETED --format table`
	}
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Example = "  quarry help extract list"
		case "completion":
			c.Example = "  source <(quarry completion bash)\n  quarry completion zsh > \"${fpath[1]}/_quarry\""
			for _, sh := range c.Commands() {
				sh.Example = "  quarry completion " + sh.Name() + " > quarry-completion." + sh.Name()
			}
		}
	}
}

// groupCommand makes a command that only holds subcommands print its help
// when called alone, and refuse an unknown subcommand as a usage error
// rather than printing help and succeeding.
func groupCommand(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	return cmd
}
