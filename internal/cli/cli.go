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
	"regexp"
	"strings"

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
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	err = nameEnv(cmd, err)
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
	root.SetFlagErrorFunc(flagError)
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := applyEnv(cmd.Flags()); err != nil {
			return err
		}
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

// envInHelp finds the environment variable a flag's help names, as
// "(env QUARRY_ADDR)" at its end. That text is also what binds the flag to
// the variable, so that the help and what is read cannot disagree.
var envInHelp = regexp.MustCompile(`\(env (QUARRY_[A-Z0-9_]+)\)$`)

// fromEnvAnnotation marks a flag whose value came from its environment
// variable, so that a message about the flag can name the variable.
const fromEnvAnnotation = "quarry/from-env"

// applyEnv sets each flag not given on the command line from the
// environment variable its help names, parsed as the flag itself would
// be: a value the flag would refuse is refused, never replaced by the
// default. An empty variable counts as unset.
func applyEnv(f *pflag.FlagSet) error {
	var err error
	f.VisitAll(func(fl *pflag.Flag) {
		m := envInHelp.FindStringSubmatch(fl.Usage)
		if err != nil || fl.Changed || m == nil {
			return
		}
		v, ok := os.LookupEnv(m[1])
		if !ok || v == "" {
			return
		}
		if serr := fl.Value.Set(v); serr != nil {
			err = usageError("%s=%q is not %s (it sets --%s)", m[1], v, expected(fl), fl.Name)
			return
		}
		if fl.Annotations == nil {
			fl.Annotations = map[string][]string{}
		}
		fl.Annotations[fromEnvAnnotation] = []string{m[1]}
	})
	return err
}

// expected says in words what a flag of fl's type takes.
func expected(fl *pflag.Flag) string {
	switch fl.Value.Type() {
	case "duration":
		return "a duration such as 90s, 45m or 1h30m"
	case "int", "int64":
		return "a whole number"
	case "float64":
		return "a number such as 200 or 0.5"
	case "bool":
		return "true or false"
	}
	return "a valid " + fl.Value.Type()
}

// flagError is the message for a flag value that does not parse: the flag,
// the value and what it takes, where pflag would say only why the parser
// failed.
func flagError(_ *cobra.Command, err error) error {
	var invalid *pflag.InvalidValueError
	if errors.As(err, &invalid) {
		fl := invalid.GetFlag()
		return usageError("--%s %q is not %s", fl.Name, invalid.GetValue(), expected(fl))
	}
	return err
}

// nameEnv adds to a usage error that names a flag set from the
// environment the variable it came from: the user looks for what they
// set, not for a flag they never typed.
func nameEnv(cmd *cobra.Command, err error) error {
	var ee *ExitError
	if cmd == nil || !errors.As(err, &ee) || ee.Code != 2 {
		return err
	}
	msg := err.Error()
	var from []string
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if v := fl.Annotations[fromEnvAnnotation]; len(v) == 1 && mentions(msg, "--"+fl.Name) {
			from = append(from, "--"+fl.Name+" set by "+v[0])
		}
	})
	if len(from) == 0 {
		return err
	}
	return &ExitError{Code: 2, Err: fmt.Errorf("%w (%s)", err, strings.Join(from, ", "))}
}

// mentions reports whether msg names the flag, not merely a longer flag
// that starts with its name (--rate-burst is not --rate).
func mentions(msg, flag string) bool {
	for i := 0; ; {
		j := strings.Index(msg[i:], flag)
		if j < 0 {
			return false
		}
		end := i + j + len(flag)
		if end == len(msg) || !(msg[end] == '-' || msg[end] >= 'a' && msg[end] <= 'z') {
			return true
		}
		i = end
	}
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
