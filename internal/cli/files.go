package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/quarrylabs/quarry/client"
)

func newFilesCmd(g *globals) *cobra.Command {
	cmd := groupCommand(&cobra.Command{
		Use:   "files",
		Short: "Upload, list, show, download and delete documents",
		Example: `  quarry files upload invoice.txt
  quarry files list --max-items 20
  quarry files download dfl-0193… -o copy.txt`,
	})
	cmd.AddCommand(newFilesUploadCmd(g), newFilesListCmd(g), newFilesGetCmd(g), newFilesDeleteCmd(g), newFilesDownloadCmd(g))
	return cmd
}

func newFilesUploadCmd(g *globals) *cobra.Command {
	var p client.UploadParams
	cmd := &cobra.Command{
		Use:   "upload FILE...",
		Short: "Upload documents and print their ids (dfl-…)",
		Example: `  quarry files upload invoice.txt
  quarry files upload a.txt b.txt --purpose extract --format jsonl
  quarry files upload contract.txt --external-file-id crm-4711`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			format, err := g.outputFormat(cmd)
			if err != nil {
				return err
			}
			c, err := g.client(cmd)
			if err != nil {
				return err
			}
			var uploaded []client.File
			for _, path := range paths {
				f, err := c.Files.UploadFile(cmd.Context(), path, &p)
				if err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				uploaded = append(uploaded, *f)
			}
			if len(uploaded) == 1 {
				return printOne(cmd.OutOrStdout(), format, uploaded[0], fileTable)
			}
			return printList(cmd.OutOrStdout(), format, listDoc[client.File]{Items: uploaded}, fileTable)
		},
	}
	cmd.Flags().StringVar(&p.Purpose, "purpose", "extract", "what the file is for: extract, parse, user_data, …")
	cmd.Flags().StringVar(&p.ExternalFileID, "external-file-id", "", "your own id for the file, to find it by later")
	return cmd
}

func newFilesListCmd(g *globals) *cobra.Command {
	var (
		p  client.ListFilesParams
		pg paging
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List uploaded files, newest first",
		Example: `  quarry files list
  quarry files list --file-name invoice.txt --format json
  quarry files list --page-size 100 --max-items -1 --format jsonl`,
		Args: cobra.NoArgs,
		RunE: runList(g, &pg, fileTable, nil, func(ctx context.Context, c *client.Client, size int, token string) (*client.FilePage, error) {
			q := p
			q.PageSize, q.PageToken = size, token
			return c.Files.ListPage(ctx, &q)
		}),
	}
	cmd.Flags().StringVar(&p.FileName, "file-name", "", "Filter by file name")
	cmd.Flags().StringArrayVar(&p.FileIDs, "file-id", nil, "Filter by specific file IDs (repeatable)")
	cmd.Flags().StringVar(&p.ExternalFileID, "external-file-id", "", "Filter by external file ID")
	pg.register(cmd.Flags())
	return cmd
}

func newFilesGetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:               "get FILE_ID",
		Short:             "Show one uploaded file",
		Example:           "  quarry files get dfl-0193…",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: runShow(g, fileTable, func(ctx context.Context, c *client.Client, id string) (*client.File, error) {
			return c.Files.Get(ctx, id)
		}),
	}
}

func newFilesDeleteCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:               "delete FILE_ID...",
		Short:             "Delete uploaded files and their bytes",
		Example:           "  quarry files delete dfl-0193…",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: runDelete(g, func(ctx context.Context, c *client.Client, id string) error {
			return c.Files.Delete(ctx, id)
		}),
	}
}

func newFilesDownloadCmd(g *globals) *cobra.Command {
	var (
		output  string
		urlOnly bool
	)
	cmd := &cobra.Command{
		Use:   "download FILE_ID",
		Short: "Save an uploaded file's bytes, or print a link to them",
		Long: `Save an uploaded file's bytes to --output (default: the file's own name in the
current directory, which must not exist yet; - for stdout). --url prints a
short-lived download link instead, which needs no API key.`,
		Example: `  quarry files download dfl-0193…
  quarry files download dfl-0193… -o - | head
  quarry files download dfl-0193… --url`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.format != "" && !urlOnly {
				return usageError("--format applies to --url: the file's bytes are saved as they are")
			}
			c, err := g.client(cmd)
			if err != nil {
				return err
			}
			if urlOnly {
				format, err := g.outputFormat(cmd)
				if err != nil {
					return err
				}
				content, err := c.Files.Content(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if format == "table" {
					_, err = fmt.Fprintln(cmd.OutOrStdout(), content.URL)
					return err
				}
				return printValue(cmd.OutOrStdout(), format, content)
			}
			if output == "" {
				f, err := c.Files.Get(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				output = filepath.Base(f.Name)
			}
			body, err := c.Files.Download(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer body.Close()
			if output == "-" {
				_, err := io.Copy(cmd.OutOrStdout(), body)
				return err
			}
			// O_EXCL: a download never overwrites a file silently.
			out, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return err
			}
			n, err := io.Copy(out, body)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(output)
				return fmt.Errorf("download %s to %s: %w", args[0], output, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Saved %d bytes to %s\n", n, output)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "where to save the bytes; - for stdout")
	cmd.Flags().BoolVar(&urlOnly, "url", false, "print a download link instead of the bytes")
	return cmd
}
