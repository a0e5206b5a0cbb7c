// Package cli holds Quarry's commands. Flags and environment variables are
// read here and nowhere else; everything below takes a Config struct.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/quarrylabs/quarry/client"
)

// ExitError carries a process exit code with its message.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Execute runs the command line and returns the process's exit code: 0 on
// success, 2 for a usage error, 1 for anything else.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "Error:", message(err))
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	// A server's reply is never a usage error, whatever its words.
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		return 1
	}
	if isUsageError(err) {
		return 2
	}
	return 1
}

func isUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "invalid argument", "accepts ", "requires at least", "flag needs an argument", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "quarry",
		Short: "Quarry: self-hosted document extraction with citations and confidence",
		Long: `Quarry turns documents into JSON that follows your schema, with a citation and a
confidence score for every value. Its HTTP API is compatible with the LlamaCloud
Extract v2 API.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	g := &globals{}
	g.register(root.PersistentFlags())
	root.AddCommand(plainOutput(newServeCmd()), newKeysCmd(g))
	root.AddCommand(newParseCmd())
	root.AddCommand(plainOutput(newEvalCmd()))
	root.AddCommand(plainOutput(newMigrateCmd()))
	root.AddCommand(plainOutput(newBackupCmd()))
	root.AddCommand(plainOutput(newBenchCmd()))
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		return checkFormatApplies(cmd, root.PersistentFlags().Lookup("format"))
	}
	registerFormatCompletion(root)
	root.AddCommand(newFilesCmd(g), newExtractCmd(g), newConfigurationsCmd(g))
	addExamples(root)
	return root
}

// plainAnnotation marks a command whose output is text of its own (a
// report, a sentence, logs), which --format does not change.
const plainAnnotation = "quarry/plain-output"

// plainOutput marks cmd and its subcommands as printing plain text.
func plainOutput(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[plainAnnotation] = "true"
	return cmd
}

// checkFormatApplies refuses the global --format on a command that would
// ignore it, rather than print text where JSON was asked for. A command's
// own --format flag (parse) is its own business.
func checkFormatApplies(cmd *cobra.Command, global *pflag.Flag) error {
	if f := cmd.Flags().Lookup("format"); f == nil || f != global || !f.Changed {
		return nil
	}
	for c := cmd; c != nil; c = c.Parent() {
		if c.Annotations[plainAnnotation] != "" {
			return usageError("%s prints plain text and takes no --format", cmd.CommandPath())
		}
	}
	return nil
}

// env returns the environment variable's value, or def.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(env(name, "")); err == nil {
		return v
	}
	return def
}

func envInt64(name string, def int64) int64 {
	if v, err := strconv.ParseInt(env(name, ""), 10, 64); err == nil {
		return v
	}
	return def
}

func envBool(name string, def bool) bool {
	if v, err := strconv.ParseBool(env(name, "")); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(env(name, "")); err == nil {
		return v
	}
	return def
}

// newLogger builds the process's logger from --log-level and --log-format.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, &ExitError{Code: 2, Err: fmt.Errorf("--log-level %q is not one of debug, info, warn, error", level)}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, &ExitError{Code: 2, Err: fmt.Errorf("--log-format %q is not one of text, json", format)}
}
