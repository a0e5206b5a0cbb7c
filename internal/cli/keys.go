package cli

import (
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
	"github.com/quarrylabs/quarry/internal/store/sqlite"
)

func newKeysCmd() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage API keys (stored hashed; a secret is shown only when created)",
		Example: `  quarry keys create --name ci
  quarry keys list
  quarry keys revoke key-0193…`,
	}
	cmd.PersistentFlags().StringVar(&dataDir, "data-dir", env("QUARRY_DATA_DIR", "./quarry-data"), "the server's data directory (env QUARRY_DATA_DIR)")

	open := func(cmd *cobra.Command) (*sqlite.Store, error) {
		return sqlite.Open(cmd.Context(), filepath.Join(dataDir, "quarry.db"), nil)
	}

	var name, project string
	var orgWide bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a key for a project and print its secret once",
		Long: `Create a key and print its secret once (only its hash is stored).

A key grants every API call (create, read, list, cancel and delete jobs,
files, configurations and webhooks) in one project: --project, or the
default project. Requests naming another project with ?project_id= are
refused with 403, even in the same organization.

With --organization-wide the key also acts in any other project of the
same organization when a request names it with ?project_id=; without
project_id it acts in its own project. No key reaches another
organization.`,
		Example: "  quarry keys create --name ci\n  quarry keys create --name etl --project prj-0193…\n  quarry keys create --name admin --organization-wide",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			org, prj, _, err := st.EnsureDefaults(cmd.Context())
			if err != nil {
				return err
			}
			if project != "" && project != prj.ID {
				if prj, err = st.Project(cmd.Context(), project); err != nil {
					return err
				}
				org.ID = prj.OrganizationID
			}
			secret := extract.NewAPIKeySecret()
			k := extract.APIKey{
				ID: id.New(id.APIKey), OrganizationID: org.ID, ProjectID: prj.ID, OrganizationWide: orgWide, Name: name,
				Prefix: extract.APIKeyDisplayPrefix(secret), Hash: extract.HashAPIKey(secret), CreatedAt: time.Now().UTC(),
			}
			if err := st.CreateAPIKey(cmd.Context(), k); err != nil {
				return err
			}
			scope := "project " + prj.ID + " only"
			if orgWide {
				scope = "every project of organization " + org.ID + " (project " + prj.ID + " unless a request names another)"
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Created key %s for %s. Its secret is shown only now:\n", k.ID, scope)
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			return nil
		},
	}
	create.Flags().StringVar(&name, "name", "", "a name to tell the key apart")
	create.Flags().StringVar(&project, "project", "", "the key's project, the only one it reaches (default: the default project)")
	create.Flags().BoolVar(&orgWide, "organization-wide", false, "let the key act in any project of its organization named with ?project_id=")

	list := &cobra.Command{
		Use:     "list",
		Short:   "List keys (never their secrets)",
		Example: "  quarry keys list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			keys, err := st.ListAPIKeys(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tPROJECT\tSCOPE\tCREATED\tLAST USED\tREVOKED")
			for _, k := range keys {
				scope := "project"
				if k.OrganizationWide {
					scope = "organization"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, k.ProjectID, scope,
					k.CreatedAt.Format(time.RFC3339), orDash(k.LastUsedAt), orDash(k.RevokedAt))
			}
			return tw.Flush()
		},
	}

	revoke := &cobra.Command{
		Use:     "revoke KEY_ID",
		Short:   "Revoke a key: requests with it are refused from now on",
		Example: "  quarry keys revoke key-0193…",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.RevokeAPIKey(cmd.Context(), args[0], time.Now().UTC()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Revoked %s.\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

// orDash formats a time that may be unset, such as a key's last use.
func orDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
