package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/quarrylabs/quarry/client/apitype"
)

// paging is the flags of every listing command.
type paging struct {
	pageSize  int
	pageToken string
	maxItems  int
}

func (p *paging) register(f *pflag.FlagSet) {
	f.IntVar(&p.pageSize, "page-size", 0, "Number of items per page (1 to 1000; default the server's, 50)")
	f.StringVar(&p.pageToken, "page-token", "", "Token for pagination: start at the page a previous listing's next_page_token names")
	f.IntVar(&p.maxItems, "max-items", -1, "How many items to fetch across pages; -1 for all")
}

func (p *paging) check() error {
	if p.maxItems < -1 {
		return usageError("--max-items %d: give a count, or -1 for all", p.maxItems)
	}
	return nil
}

// collect fetches pages, from p.pageToken on, until it has p.maxItems items
// or the pages end. The last page is asked for no more items than are
// still wanted, so the listing's next_page_token resumes exactly after the
// last item shown.
func collect[T any](ctx context.Context, p paging, fetch func(ctx context.Context, pageSize int, token string) (*apitype.Page[T], error)) (listDoc[T], error) {
	doc := listDoc[T]{Items: []T{}}
	token := p.pageToken
	for first := true; ; first = false {
		size := p.pageSize
		if p.maxItems >= 0 {
			remaining := p.maxItems - len(doc.Items)
			if remaining == 0 {
				if !first {
					doc.NextPageToken = token
				}
				return doc, nil
			}
			if size == 0 || size > remaining {
				// The server's default page holds 50.
				size = min(remaining, max(size, 50))
			}
		}
		page, err := fetch(ctx, size, token)
		if err != nil {
			return doc, err
		}
		doc.Items = append(doc.Items, page.Items...)
		if doc.TotalSize == nil {
			doc.TotalSize = page.TotalSize
		}
		if page.NextPageToken == "" || page.NextPageToken == token {
			return doc, nil
		}
		token = page.NextPageToken
	}
}

// resumeCommand is the command line that goes on from token: the command
// as it was run, with every flag given (filters, page size, max items,
// format) but the API key, and the new page token. A token is bound to
// the filters it was made with, so --page-token alone would be refused.
func resumeCommand(cmd *cobra.Command, token string) string {
	args := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if f.Name == "page-token" || f.Name == "api-key" {
			return
		}
		values := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			values = sv.GetSlice()
		}
		for _, v := range values {
			switch {
			case f.Value.Type() == "bool" && v == "true":
				args = append(args, "--"+f.Name)
			case f.Value.Type() == "bool":
				args = append(args, "--"+f.Name+"="+v)
			default:
				args = append(args, "--"+f.Name, shellQuote(v))
			}
		}
	})
	return strings.Join(append(args, "--page-token", shellQuote(token)), " ")
}

// shellQuote quotes s for a POSIX shell unless it needs none.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:/@%+=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
