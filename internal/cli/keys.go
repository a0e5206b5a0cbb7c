package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

func newKeysCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage API keys (stored hashed; a secret is shown only when created)",
		Long: `Manage API keys, in the server's database: the SQLite database in its data
directory (--data-dir), or its PostgreSQL database (--database). Run it where
the server keeps its data, while it runs or not.`,
		Example: `  quarry keys create --name ci
  quarry keys list
  quarry keys list --data-dir /var/lib/quarry --format json
  quarry keys revoke key-0193…`,
	}
	var cfg app.Config
	pf := cmd.PersistentFlags()
	pf.StringVar(&cfg.DataDir, "data-dir", "./quarry-data", "the server's data directory, which holds its SQLite database (env QUARRY_DATA_DIR)")
	pf.StringVar(&cfg.Database, "database", "", "the server's PostgreSQL database, a postgres:// URL; empty: SQLite in --data-dir (env QUARRY_DATABASE_URL)")

	// The server's database, found as the server finds it; an SQLite
	// database must exist already, or a key made there would work nowhere.
	open := func(cmd *cobra.Command) (*app.Store, error) {
		if err := checkDatabase(cfg.Database); err != nil {
			return nil, err
		}
		st, err := app.OpenStore(cmd.Context(), cfg, app.Beside)
		if err != nil {
			return nil, openError(err, "")
		}
		return st, nil
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
organization.

It prints the secret alone, for KEY=$(quarry keys create); with --format
json, jsonl or yaml, the key's record with its secret.`,
		Example: "  quarry keys create --name ci\n  quarry keys create --name etl --project prj-0193…\n  quarry keys create --name admin --organization-wide",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Checked first: a secret that could not be printed is lost.
			if _, err := g.outputFormat(cmd); err != nil {
				return err
			}
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
			// The bare secret unless a format is asked for, so that
			// KEY=$(quarry keys create) works piped or not.
			if g.format == "" || g.format == "table" {
				fmt.Fprintln(cmd.OutOrStdout(), secret)
				return nil
			}
			created := keyJSONOf(k)
			created.Secret = secret
			return printValue(cmd.OutOrStdout(), g.format, created)
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
			format, err := g.outputFormat(cmd)
			if err != nil {
				return err
			}
			st, err := open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			keys, err := st.ListAPIKeys(cmd.Context())
			if err != nil {
				return err
			}
			doc := listDoc[keyJSON]{Items: make([]keyJSON, 0, len(keys))}
			for _, k := range keys {
				doc.Items = append(doc.Items, keyJSONOf(k))
			}
			return printList(cmd.OutOrStdout(), format, doc, keyTable)
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

// keyJSON is a key as --format json prints it; Secret only when created.
type keyJSON struct {
	ID               string     `json:"id"`
	Name             string     `json:"name"`
	Prefix           string     `json:"prefix"`
	OrganizationID   string     `json:"organization_id"`
	ProjectID        string     `json:"project_id"`
	OrganizationWide bool       `json:"organization_wide"`
	CreatedAt        time.Time  `json:"created_at"`
	LastUsedAt       *time.Time `json:"last_used_at"`
	RevokedAt        *time.Time `json:"revoked_at"`
	Secret           string     `json:"secret,omitempty"`
}

func keyJSONOf(k extract.APIKey) keyJSON {
	return keyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, OrganizationID: k.OrganizationID, ProjectID: k.ProjectID,
		OrganizationWide: k.OrganizationWide, CreatedAt: k.CreatedAt.UTC(), LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}

var keyTable = table[keyJSON]{
	header: "ID\tNAME\tPREFIX\tPROJECT\tSCOPE\tCREATED\tLAST USED\tREVOKED",
	row: func(k keyJSON) string {
		scope := "project"
		if k.OrganizationWide {
			scope = "organization"
		}
		return strings.Join([]string{k.ID, k.Name, k.Prefix + "…", k.ProjectID, scope,
			k.CreatedAt.Format(time.RFC3339), orDash(k.LastUsedAt), orDash(k.RevokedAt)}, "\t")
	},
}

// orDash formats a time that may be unset, such as a key's last use.
func orDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
