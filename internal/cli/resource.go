package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/quarrylabs/quarry/client"
	"github.com/quarrylabs/quarry/client/apitype"
)

// The RunE functions below are the ones the resource commands (files,
// configurations, extract jobs) have in common, so that they check their
// flags in the same order, print the same way and word the same messages.

// runShow runs a command that takes one id, sends it with call (a get, or
// a change such as cancel that returns the resource) and prints the reply.
func runShow[T any](g *globals, tbl table[T], call func(ctx context.Context, c *client.Client, id string) (*T, error)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		format, err := g.outputFormat(cmd)
		if err != nil {
			return err
		}
		c, err := g.client(cmd)
		if err != nil {
			return err
		}
		v, err := call(cmd.Context(), c, args[0])
		if err != nil {
			return err
		}
		return printOne(cmd.OutOrStdout(), format, *v, withLookups(cmd.Context(), c, format, tbl, *v))
	}
}

// runDelete runs a command that deletes every id it is given, in order,
// saying so on stderr for each; it stops at the first that fails, so what
// was printed is what was deleted.
func runDelete(g *globals, del func(ctx context.Context, c *client.Client, id string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := g.client(cmd)
		if err != nil {
			return err
		}
		for _, id := range args {
			if err := del(cmd.Context(), c, id); err != nil {
				return fmt.Errorf("delete %s: %w", id, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Deleted %s\n", id)
		}
		return nil
	}
}

// runList runs a listing command: it checks the paging flags, then the
// command's own (check, which may be nil), before it needs a client, then
// fetches the pages the paging flags ask for and prints their items.
func runList[T any](g *globals, pg *paging, tbl table[T], check func(cmd *cobra.Command) error,
	fetch func(ctx context.Context, c *client.Client, pageSize int, token string) (*apitype.Page[T], error)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		format, err := g.outputFormat(cmd)
		if err != nil {
			return err
		}
		if err := pg.check(); err != nil {
			return err
		}
		if check != nil {
			if err := check(cmd); err != nil {
				return err
			}
		}
		c, err := g.client(cmd)
		if err != nil {
			return err
		}
		doc, err := collect(cmd.Context(), *pg, func(ctx context.Context, size int, token string) (*apitype.Page[T], error) {
			return fetch(ctx, c, size, token)
		})
		if err != nil {
			return err
		}
		if doc.NextPageToken != "" {
			doc.resume = resumeCommand(cmd, doc.NextPageToken)
		}
		if err := printList(cmd.OutOrStdout(), format, doc, withLookups(cmd.Context(), c, format, tbl, doc.Items...)); err != nil {
			return err
		}
		if format == "jsonl" && doc.resume != "" {
			// Not on stdout, where every line is an item; json and yaml
			// carry next_page_token in the document itself.
			fmt.Fprintf(cmd.ErrOrStderr(), "More items follow: %s\n", doc.resume)
		}
		return nil
	}
}
