package blob_test

import (
	"context"
	"io"
	"testing"

	"github.com/quarrylabs/quarry/internal/blob"
	"github.com/quarrylabs/quarry/internal/blob/blobtest"
)

func TestLocalBehaviour(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) blobtest.Store {
		l, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatalf("NewLocal: %v", err)
		}
		return local{l}
	})
}

// local gives *blob.Local the suite's Open, whose result is an
// io.ReadCloser rather than an *os.File.
type local struct{ *blob.Local }

func (l local) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	f, err := l.Local.Open(ctx, key)
	if err != nil { // not a nil *os.File, which would be a non-nil io.ReadCloser
		return nil, err
	}
	return f, nil
}
