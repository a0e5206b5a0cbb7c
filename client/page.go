package client

import (
	"context"
	"iter"

	"github.com/quarrylabs/quarry/client/apitype"
)

// all walks a listing from the page at token to its end, fetching each page
// only when the previous one has been consumed. It stops when the caller
// breaks, when ctx ends, or at the first error, which it yields once.
func all[T any](ctx context.Context, token string, fetch func(ctx context.Context, token string) (*apitype.Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			page, err := fetch(ctx, token)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range page.Items {
				if err := ctx.Err(); err != nil {
					yield(zero, err)
					return
				}
				if !yield(item, nil) {
					return
				}
			}
			// An absent token is the end. A page may be short or even
			// empty and still have a token; only a token that does not
			// move would loop forever.
			if page.NextPageToken == "" || page.NextPageToken == token {
				return
			}
			token = page.NextPageToken
		}
	}
}
