package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/quarrylabs/quarry/client"
)

func newConfigurationsCmd(g *globals) *cobra.Command {
	cmd := groupCommand(&cobra.Command{
		Use:     "configurations",
		Aliases: []string{"configs"},
		Short:   "Save, list, change and delete extraction configurations",
		Long: `A saved configuration holds a schema and the extraction settings under a name,
so that jobs can be created from its id (quarry extract create
--configuration-id) instead of repeating them.`,
		Example: `  quarry configurations create --name invoices --schema invoice.schema.json --cite-sources
  quarry configurations list
  quarry configurations update cfg-0193… --tier agentic`,
	})
	cmd.AddCommand(newConfigCreateCmd(g), newConfigListCmd(g), newConfigGetCmd(g), newConfigUpdateCmd(g), newConfigDeleteCmd(g))
	return cmd
}

func newConfigCreateCmd(g *globals) *cobra.Command {
	var (
		cf   configFlags
		name string
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Save a configuration: a name, a schema and extraction settings",
		Example: `  quarry configurations create --name invoices --schema invoice.schema.json
  quarry configurations create --name pages --schema page.schema.json --target per_page --confidence-scores`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := g.outputFormat(cmd)
			if err != nil {
				return err
			}
			params := client.CreateConfigurationParams{Name: name}
			if err := cf.apply(&params.Parameters.Configuration, cmd.InOrStdin()); err != nil {
				return err
			}
			c, err := g.client(cmd)
			if err != nil {
				return err
			}
			saved, err := c.Configurations.Create(cmd.Context(), params)
			if err != nil {
				return err
			}
			return printOne(cmd.OutOrStdout(), format, *saved, configurationTable)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the configuration's name; required")
	cf.register(cmd)
	_ = cmd.MarkFlagRequired("name")
	_ = cmd.MarkFlagRequired("schema")
	return cmd
}

func newConfigListCmd(g *globals) *cobra.Command {
	var (
		p  client.ListConfigurationsParams
		pg paging
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List saved configurations",
		Example: `  quarry configurations list
  quarry configurations list --name invoices --format yaml`,
		Args: cobra.NoArgs,
		RunE: runList(g, &pg, configurationTable, nil, func(ctx context.Context, c *client.Client, size int, token string) (*client.SavedConfigurationPage, error) {
			q := p
			q.PageSize, q.PageToken = size, token
			return c.Configurations.ListPage(ctx, &q)
		}),
	}
	cmd.Flags().StringVar(&p.Name, "name", "", "Filter by name")
	cmd.Flags().StringVar(&p.ProductType, "product-type", "", "Filter by product type (extract_v2)")
	cmd.Flags().BoolVar(&p.LatestOnly, "latest-only", false, "Only the latest version of each configuration")
	pg.register(cmd.Flags())
	return cmd
}

func newConfigGetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:               "get CONFIGURATION_ID",
		Short:             "Show a saved configuration with its schema",
		Example:           "  quarry configurations get cfg-0193…\n  quarry configurations get cfg-0193… --format json | jq .parameters.data_schema",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: runShow(g, configurationTable, func(ctx context.Context, c *client.Client, id string) (*client.SavedConfiguration, error) {
			return c.Configurations.Get(ctx, id)
		}),
	}
}

func newConfigUpdateCmd(g *globals) *cobra.Command {
	var (
		cf   configFlags
		name string
	)
	cmd := &cobra.Command{
		Use:   "update CONFIGURATION_ID",
		Short: "Rename a saved configuration or change some of its settings",
		Long: `Rename a saved configuration (--name) or change the settings given as flags;
settings not given keep their values. Its version counts up; jobs created from
it before keep the settings they started with.`,
		Example: `  quarry configurations update cfg-0193… --name invoices-2024
  quarry configurations update cfg-0193… --schema invoice.v2.schema.json --cite-sources`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := g.outputFormat(cmd)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("name") && !cf.changed() {
				return usageError("nothing to change: give --name or a configuration flag such as --schema")
			}
			c, err := g.client(cmd)
			if err != nil {
				return err
			}
			var params client.UpdateConfigurationParams
			if cmd.Flags().Changed("name") {
				params.Name = &name
			}
			if cf.changed() {
				// The API replaces the parameters whole: start from the
				// saved ones so that flags not given keep their values.
				saved, err := c.Configurations.Get(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				p := saved.Parameters
				if err := cf.apply(&p.Configuration, cmd.InOrStdin()); err != nil {
					return err
				}
				params.Parameters = &p
			}
			updated, err := c.Configurations.Update(cmd.Context(), args[0], params)
			if err != nil {
				return err
			}
			return printOne(cmd.OutOrStdout(), format, *updated, configurationTable)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "a new name")
	cf.register(cmd)
	return cmd
}

func newConfigDeleteCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:               "delete CONFIGURATION_ID...",
		Short:             "Delete saved configurations",
		Example:           "  quarry configurations delete cfg-0193…",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: runDelete(g, func(ctx context.Context, c *client.Client, id string) error {
			return c.Configurations.Delete(ctx, id)
		}),
	}
}
