package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/quarrylabs/quarry/client"
	"github.com/quarrylabs/quarry/client/apitype"
)

var (
	statuses = []string{"PENDING", "THROTTLED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"}
	tiers    = []string{apitype.TierCostEffective, apitype.TierAgentic, apitype.TierAgenticPlus, apitype.TierTurbo}
	targets  = []string{apitype.TargetPerDoc, apitype.TargetPerPage, apitype.TargetPerTableRow}
	expands  = []string{apitype.ExpandConfiguration, apitype.ExpandExtractMetadata, apitype.ExpandMetadata, apitype.ExpandTotalSize}
)

func newExtractCmd(g *globals) *cobra.Command {
	cmd := groupCommand(&cobra.Command{
		Use:   "extract",
		Short: "Create, watch, list, cancel and delete extraction jobs",
		Long: `Extraction jobs read an uploaded file and fill a JSON Schema from it, with a
citation and a confidence for every value. "quarry extract run" does it all in
one step: upload, create, wait, print.`,
		Example: `  quarry extract run invoice.txt --schema invoice.schema.json
  quarry extract list --status FAILED --max-items 20
  quarry extract get ext-0193… --expand extract_metadata`,
	})
	cmd.AddCommand(newExtractListCmd(g), newExtractGetCmd(g), newExtractCreateCmd(g), newExtractCancelCmd(g),
		newExtractDeleteCmd(g), newValidateSchemaCmd(g), newGenerateSchemaCmd(g), newExtractRunCmd(g),
		newExtractDeliveriesCmd(g))
	return cmd
}

func newExtractListCmd(g *globals) *cobra.Command {
	var (
		p      client.ListJobsParams
		status string
		after  string
		before string
		pg     paging
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List extraction jobs, newest first, with optional filters",
		Long: `List extraction jobs with optional filtering and pagination (GET /api/v2/extract).

Filter by configuration ID, status, file input, or creation date range; filters
combine with AND. Results are newest first. The command pages through the API
by itself until --max-items jobs are shown or the pages end; when it stops
early, next_page_token resumes the listing. Use --expand configuration to
include the full configuration of each job and --expand extract_metadata for
per-field metadata.`,
		Example: `  quarry extract list
  quarry extract list --status COMPLETED --created-at-on-or-after 2024-01-01 --max-items 100
  quarry extract list --file-input dfl-0193… --expand configuration --format yaml
  quarry extract list --job-id ext-0193a… --job-id ext-0193b… --format jsonl`,
		Args: cobra.NoArgs,
		RunE: runList(g, &pg, jobTable, func(cmd *cobra.Command) error {
			var err error
			if status != "" {
				if !slices.Contains(statuses, strings.ToUpper(status)) {
					return usageError("--status %q is not one of %s", status, strings.Join(statuses, ", "))
				}
				p.Status = client.Status(strings.ToUpper(status))
			}
			if p.CreatedAtOnOrAfter, err = parseTimeFlag("created-at-on-or-after", after); err != nil {
				return err
			}
			if p.CreatedAtOnOrBefore, err = parseTimeFlag("created-at-on-or-before", before); err != nil {
				return err
			}
			if cmd.Flags().Changed("document-input-value") {
				fmt.Fprintln(cmd.ErrOrStderr(), "Warning: --document-input-value is deprecated; use --file-input")
			}
			return nil
		}, func(ctx context.Context, c *client.Client, size int, token string) (*client.JobPage, error) {
			q := p
			q.PageSize, q.PageToken = size, token
			return c.Extract.ListPage(ctx, &q)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&p.ConfigurationID, "configuration-id", "", "Filter by configuration ID")
	f.StringVar(&after, "created-at-on-or-after", "", "Include items created at or after this timestamp (inclusive; RFC 3339, or a date for that day's start)")
	f.StringVar(&before, "created-at-on-or-before", "", "Include items created at or before this timestamp (inclusive; RFC 3339, or a date for that day's start)")
	f.StringVar(&p.DocumentInputType, "document-input-type", "", "Filter by document input type (file_id or parse_job_id)")
	f.StringVar(&p.DocumentInputValue, "document-input-value", "", "Deprecated: use --file-input instead")
	f.StringArrayVar(&p.Expand, "expand", nil, "Additional fields to include: configuration, extract_metadata, metadata, total_size (repeatable)")
	f.StringVar(&p.FileInput, "file-input", "", "Filter by file input value (a dfl- file or pjb- parse job)")
	f.StringArrayVar(&p.JobIDs, "job-id", nil, "Filter by specific job IDs (repeatable)")
	f.StringVar(&status, "status", "", "Filter by status: "+strings.Join(statuses, ", "))
	pg.register(f)
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(statuses, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("expand", cobra.FixedCompletions(expands, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("document-input-type", cobra.FixedCompletions([]string{apitype.InputTypeFile, apitype.InputTypeParseJob}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// parseTimeFlag reads an RFC 3339 timestamp or a bare date (that day's
// start, UTC), as the API does.
func parseTimeFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usageError("--%s %q is not a timestamp: use RFC 3339 like 2024-01-31T09:30:00Z, or a date like 2024-01-31", name, v)
}

func newExtractGetCmd(g *globals) *cobra.Command {
	var (
		expand []string
		wait   bool
		poll   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "get JOB_ID",
		Short: "Show one extraction job, with its result once it has completed",
		Example: `  quarry extract get ext-0193…
  quarry extract get ext-0193… --expand extract_metadata --expand metadata --format yaml
  quarry extract get ext-0193… --wait`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := g.outputFormat(cmd)
			if err != nil {
				return err
			}
			c, err := g.client(cmd)
			if err != nil {
				return err
			}
			var job *client.Job
			if wait {
				job, err = c.Extract.WaitForCompletion(cmd.Context(), args[0], &client.WaitOptions{PollInterval: poll, Expand: expand})
				if job != nil {
					// A failed job is still shown; the error sets the exit code.
					if perr := printOne(cmd.OutOrStdout(), format, *job, withLookups(cmd.Context(), c, format, jobTable, *job)); perr != nil {
						return perr
					}
				}
				return err
			}
			if job, err = c.Extract.Get(cmd.Context(), args[0], expand...); err != nil {
				return err
			}
			return printOne(cmd.OutOrStdout(), format, *job, withLookups(cmd.Context(), c, format, jobTable, *job))
		},
	}
	cmd.Flags().StringArrayVar(&expand, "expand", nil, "Additional fields to include: configuration, extract_metadata, metadata (repeatable)")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the job has ended; exit non-zero unless it COMPLETED")
	cmd.Flags().DurationVar(&poll, "poll-interval", time.Second, "with --wait, the first wait between two checks (it grows up to 5s)")
	_ = cmd.RegisterFlagCompletionFunc("expand", cobra.FixedCompletions(expands[:3], cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// configFlags are the flags that describe an extraction configuration, as
// extract create, extract run and configurations create take them.
type configFlags struct {
	schema           string
	tier             string
	target           string
	citeSources      bool
	confidenceScores bool
	systemPrompt     string
	targetPages      string
	maxPages         int
	parseTier        string
	version          string
	flags            *pflag.FlagSet
}

func (c *configFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	c.flags = f
	f.StringVar(&c.schema, "schema", "", "the JSON Schema of the fields to extract: a file, - for stdin, or inline JSON")
	f.StringVar(&c.tier, "tier", "", "extraction tier: "+strings.Join(tiers, ", ")+" (default cost_effective)")
	f.StringVar(&c.target, "target", "", "extraction target: "+strings.Join(targets, ", ")+" (default per_doc)")
	f.BoolVar(&c.citeSources, "cite-sources", false, "include a citation (page, text, boxes) for every value")
	f.BoolVar(&c.confidenceScores, "confidence-scores", false, "include a confidence score for every value")
	f.StringVar(&c.systemPrompt, "system-prompt", "", "instructions that guide model-based extraction")
	f.StringVar(&c.targetPages, "target-pages", "", `pages to read, 1-based, like "1,3,5-7" (default all)`)
	f.IntVar(&c.maxPages, "max-pages", 0, "read at most this many pages (default no limit)")
	f.StringVar(&c.parseTier, "parse-tier", "", "parse tier used before extraction (default the extraction tier)")
	f.StringVar(&c.version, "extract-version", "", `"latest" or a release date like 2026-01-08 (default latest)`)
	_ = cmd.RegisterFlagCompletionFunc("tier", cobra.FixedCompletions(tiers, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("target", cobra.FixedCompletions(targets, cobra.ShellCompDirectiveNoFileComp))
}

// changed reports whether any configuration flag was given.
func (c *configFlags) changed() bool {
	for _, name := range []string{"schema", "tier", "target", "cite-sources", "confidence-scores", "system-prompt", "target-pages", "max-pages", "parse-tier", "extract-version"} {
		if c.flags.Changed(name) {
			return true
		}
	}
	return false
}

// apply sets on cfg the configuration flags that were given, reading the
// schema; stdin is read from when --schema is "-".
func (c *configFlags) apply(cfg *client.Configuration, stdin io.Reader) error {
	if c.flags.Changed("schema") {
		schema, err := readSchema(c.schema, stdin)
		if err != nil {
			return err
		}
		cfg.DataSchema = schema
	}
	if c.flags.Changed("tier") {
		cfg.Tier = c.tier
	}
	if c.flags.Changed("target") {
		cfg.ExtractionTarget = c.target
	}
	if c.flags.Changed("cite-sources") {
		cfg.CiteSources = c.citeSources
	}
	if c.flags.Changed("confidence-scores") {
		cfg.ConfidenceScores = c.confidenceScores
	}
	if c.flags.Changed("system-prompt") {
		cfg.SystemPrompt = c.systemPrompt
	}
	if c.flags.Changed("target-pages") {
		cfg.TargetPages = c.targetPages
	}
	if c.flags.Changed("max-pages") {
		n := c.maxPages
		cfg.MaxPages = &n
	}
	if c.flags.Changed("parse-tier") {
		cfg.ParseTier = c.parseTier
	}
	if c.flags.Changed("extract-version") {
		// A configuration read back from the server carries the version
		// under both names; sending two that differ is refused.
		cfg.Version, cfg.ExtractVersion = "", c.version
	}
	return nil
}

// readSchema reads a JSON Schema from a file, stdin ("-") or the flag's
// value itself when it is inline JSON.
func readSchema(v string, stdin io.Reader) (json.RawMessage, error) {
	var (
		b   []byte
		err error
	)
	switch t := strings.TrimSpace(v); {
	case strings.HasPrefix(t, "{"):
		b = []byte(t)
	case t == "-":
		b, err = io.ReadAll(stdin)
	default:
		b, err = os.ReadFile(v)
	}
	if err != nil {
		return nil, fmt.Errorf("--schema: %w", err)
	}
	b = bytes.TrimSpace(b)
	if !json.Valid(b) {
		return nil, usageError("--schema %s is not valid JSON", v)
	}
	return b, nil
}

func newExtractCreateCmd(g *globals) *cobra.Command {
	var (
		cf             configFlags
		fileInput      string
		configID       string
		idempotencyKey string
		webhooks       []string
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Start an extraction job on an uploaded file",
		Long: `Start an extraction job on an uploaded file (POST /api/v2/extract) and print it,
PENDING. Give either --schema (with the other configuration flags) or
--configuration-id. "quarry extract get JOB_ID --wait" waits for it to end.`,
		Example: `  quarry extract create --file-input dfl-0193… --schema invoice.schema.json --cite-sources
  quarry extract create --file-input dfl-0193… --configuration-id cfg-0193…
  quarry extract create --file-input dfl-0193… --schema '{"type":"object","properties":{"total":{"type":"number"}}}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := g.outputFormat(cmd)
			if err != nil {
				return err
			}
			params, err := jobParams(cmd, &cf, fileInput, configID)
			if err != nil {
				return err
			}
			params.IdempotencyKey = idempotencyKey
			for _, u := range webhooks {
				params.WebhookConfigurations = append(params.WebhookConfigurations, client.WebhookConfiguration{URL: u})
			}
			c, err := g.client(cmd)
			if err != nil {
				return err
			}
			job, err := c.Extract.Create(cmd.Context(), params)
			if err != nil {
				return err
			}
			return printOne(cmd.OutOrStdout(), format, *job, withLookups(cmd.Context(), c, format, jobTable, *job))
		},
	}
	cmd.Flags().StringVar(&fileInput, "file-input", "", "the uploaded file to read (dfl-…); required")
	cmd.Flags().StringVar(&configID, "configuration-id", "", "a saved configuration (cfg-…) instead of --schema")
	cmd.Flags().StringVar(&idempotencyKey, "idempotency-key", "", "a key that makes a repeated create return the same job")
	cmd.Flags().StringArrayVar(&webhooks, "webhook-url", nil, "a URL that receives the job's status changes (repeatable)")
	cf.register(cmd)
	_ = cmd.MarkFlagRequired("file-input")
	return cmd
}

// jobParams builds a create request from the configuration flags or a
// saved configuration's id: exactly one of the two.
func jobParams(cmd *cobra.Command, cf *configFlags, fileInput, configID string) (client.CreateJobParams, error) {
	p := client.CreateJobParams{FileInput: fileInput}
	switch {
	case configID != "" && cf.changed():
		return p, usageError("give either --configuration-id or --schema with the configuration flags, not both")
	case configID != "":
		p.ConfigurationID = configID
	case !cf.flags.Changed("schema"):
		return p, usageError("give --schema (the JSON Schema of the fields to extract) or --configuration-id")
	default:
		p.Configuration = &client.Configuration{}
		if err := cf.apply(p.Configuration, cmd.InOrStdin()); err != nil {
			return p, err
		}
	}
	return p, nil
}

func newExtractCancelCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:               "cancel JOB_ID",
		Short:             "Stop a job that has not ended; it becomes CANCELLED",
		Example:           "  quarry extract cancel ext-0193…",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: runShow(g, jobTable, func(ctx context.Context, c *client.Client, id string) (*client.Job, error) {
			return c.Extract.Cancel(ctx, id)
		}),
	}
}

func newExtractDeleteCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:               "delete JOB_ID...",
		Short:             "Delete jobs and their results",
		Example:           "  quarry extract delete ext-0193…\n  quarry extract list --status FAILED --format jsonl | jq -r .id | xargs quarry extract delete",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: runDelete(g, func(ctx context.Context, c *client.Client, id string) error {
			return c.Extract.Delete(ctx, id)
		}),
	}
}

func newValidateSchemaCmd(g *globals) *cobra.Command {
	var schemaFlag string
	cmd := &cobra.Command{
		Use:   "validate-schema --schema SCHEMA",
		Short: "Check a JSON Schema and print it normalised, ready to extract with",
		Long: `Check a JSON Schema (--schema: a file, - for stdin, or inline JSON) the way a
job would and print it normalised as {"data_schema": …}. A schema that cannot
be used exits non-zero with what is wrong and where. The schema may also be
given as the only argument, as earlier versions took it.`,
		Example: `  quarry extract validate-schema --schema invoice.schema.json
  echo '{"type":"object","properties":{"total":{"type":"number"}}}' | quarry extract validate-schema --schema -`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := g.outputFormat(cmd)
			if err != nil {
				return err
			}
			source := schemaFlag
			switch {
			case len(args) == 1 && cmd.Flags().Changed("schema"):
				return usageError("give the schema once: with --schema, or as the argument")
			case len(args) == 1:
				source = args[0]
			case !cmd.Flags().Changed("schema"):
				return usageError("give the schema to check with --schema (a file, - for stdin, or inline JSON)")
			}
			schema, err := readSchema(source, cmd.InOrStdin())
			if err != nil {
				return err
			}
			c, err := g.client(cmd)
			if err != nil {
				return err
			}
			normalized, err := c.Extract.ValidateSchema(cmd.Context(), schema)
			if err != nil {
				return err
			}
			return printValue(cmd.OutOrStdout(), format, client.SchemaValidation{DataSchema: normalized})
		},
	}
	cmd.Flags().StringVar(&schemaFlag, "schema", "", "the JSON Schema to check: a file, - for stdin, or inline JSON")
	return cmd
}

func newGenerateSchemaCmd(g *globals) *cobra.Command {
	var (
		p      client.GenerateSchemaParams
		schema string
		file   string
		save   bool
	)
	cmd := &cobra.Command{
		Use:   "generate-schema",
		Short: "Have the server propose a schema from a description or a sample file",
		Long: `Have the server propose a JSON Schema from a description of the data (--prompt),
a sample file (--file, uploaded first, or --file-id, already uploaded), or a
schema to refine (--schema). It prints a configuration request {name,
parameters}; --save stores it as a saved configuration at once.`,
		Example: `  quarry extract generate-schema --prompt "invoice number, date and total"
  quarry extract generate-schema --file invoice.txt
  quarry extract generate-schema --file-id dfl-0193… --name invoices --save`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := g.outputFormat(cmd)
			if err != nil {
				return err
			}
			if file != "" && p.FileID != "" {
				return usageError("give either --file (a local file) or --file-id (an uploaded one), not both")
			}
			if schema != "" {
				if p.DataSchema, err = readSchema(schema, cmd.InOrStdin()); err != nil {
					return err
				}
			}
			c, err := g.client(cmd)
			if err != nil {
				return err
			}
			if file != "" {
				f, err := c.Files.UploadFile(cmd.Context(), file, &client.UploadParams{Purpose: "extract"})
				if err != nil {
					return fmt.Errorf("upload %s: %w", file, err)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Uploaded %s as %s\n", file, f.ID)
				p.FileID = f.ID
			}
			gen, err := c.Extract.GenerateSchema(cmd.Context(), p)
			if err != nil {
				return err
			}
			if !save {
				return printValue(cmd.OutOrStdout(), format, gen)
			}
			saved, err := c.Configurations.Create(cmd.Context(), *gen)
			if err != nil {
				return err
			}
			return printOne(cmd.OutOrStdout(), format, *saved, configurationTable)
		},
	}
	cmd.Flags().StringVar(&p.Prompt, "prompt", "", "a description, in words, of the data to extract")
	cmd.Flags().StringVar(&file, "file", "", "a local sample file to derive the fields from, uploaded first")
	cmd.Flags().StringVar(&p.FileID, "file-id", "", "an uploaded file (dfl-…) to derive the fields from")
	cmd.Flags().StringVar(&schema, "schema", "", "a schema to validate, refine or extend: a file, - for stdin, or inline JSON")
	cmd.Flags().StringVar(&p.Name, "name", "", "the name of the configuration (made up by the server when omitted)")
	cmd.Flags().BoolVar(&save, "save", false, "save the result as a configuration and print that")
	return cmd
}
