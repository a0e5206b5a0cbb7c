package blob_test

import (
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
		return l
	})
}
