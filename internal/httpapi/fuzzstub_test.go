package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/blob"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/pagetoken"
)

// fuzzKey is the one key the fuzz servers accept.
const fuzzKey = "qry_fuzz-key"

// fuzzStore is the part of the store the list and upload handlers reach;
// any other method panics through the nil embedded interface, which a fuzz
// run reports. Listings return a full page, so that every query also seals
// a next-page token.
type fuzzStore struct {
	extract.Store
	mu    sync.Mutex
	files []extract.File
}

func (*fuzzStore) APIKeyByHash(_ context.Context, hash []byte) (extract.APIKey, error) {
	if !bytes.Equal(hash, extract.HashAPIKey(fuzzKey)) {
		return extract.APIKey{}, extract.Errorf(extract.CodeNotFound, "no key")
	}
	return extract.APIKey{ID: "key-1", OrganizationID: "org-1", ProjectID: "prj-1", Hash: hash}, nil
}

func (*fuzzStore) TouchAPIKey(context.Context, string, time.Time) error { return nil }

func (*fuzzStore) Project(_ context.Context, id string) (extract.Project, error) {
	if id == "prj-2" {
		return extract.Project{ID: id, OrganizationID: "org-1"}, nil
	}
	return extract.Project{}, extract.Errorf(extract.CodeNotFound, "no project")
}

func (*fuzzStore) ListJobs(_ context.Context, f extract.JobFilter, p extract.Page) ([]extract.Job, error) {
	jobs := make([]extract.Job, 0, p.Limit)
	for i := range p.Limit {
		jobs = append(jobs, extract.Job{ID: "ext-" + string(rune('a'+i%26)), ProjectID: f.ProjectID, FileInput: "dfl-1",
			Status: extract.StatusCompleted, CreatedAt: time.UnixMilli(int64(1_700_000_000_000 - i)).UTC()})
	}
	return jobs, nil
}

func (*fuzzStore) ListFiles(_ context.Context, f extract.FileFilter, p extract.Page) ([]extract.File, error) {
	files := make([]extract.File, 0, p.Limit)
	for i := range p.Limit {
		files = append(files, extract.File{ID: "dfl-" + string(rune('a'+i%26)), ProjectID: f.ProjectID, Name: "a.txt",
			CreatedAt: time.UnixMilli(int64(1_700_000_000_000 - i)).UTC()})
	}
	return files, nil
}

func (*fuzzStore) CountJobs(context.Context, extract.JobFilter) (int64, error) { return 7, nil }

func (s *fuzzStore) CreateFile(_ context.Context, f extract.File) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files = append(s.files, f)
	return nil
}

// memBlobs keeps blobs in memory.
type memBlobs struct {
	mu    sync.Mutex
	blobs map[string][]byte
}

func (m *memBlobs) Put(ctx context.Context, key string, r io.Reader, limit int64) (blob.Written, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return blob.Written{}, err
	}
	if int64(len(b)) > limit {
		return blob.Written{}, extract.Errorf(extract.CodeTooLarge, "too large")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blobs[key] = b
	sum := sha256.Sum256(b)
	return blob.Written{Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}, nil
}

func (m *memBlobs) Open(_ context.Context, key string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[key]
	if !ok {
		return nil, extract.Errorf(extract.CodeNotFound, "no blob")
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *memBlobs) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blobs, key)
	return nil
}

// newFuzzServer builds the real API on the stubs, with a small upload limit
// so that fuzzed bodies reach it.
func newFuzzServer(tb testing.TB) (*Server, *fuzzStore, *memBlobs) {
	tb.Helper()
	tokens, err := pagetoken.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	st, blobs := &fuzzStore{}, &memBlobs{blobs: map[string][]byte{}}
	return New(Config{MaxUploadBytes: 4 << 10}, st, nil, blobs, tokens), st, blobs
}

// serve runs one request through the server.
func serve(s *Server, r *http.Request) *httptest.ResponseRecorder {
	r.Header.Set("Authorization", "Bearer "+fuzzKey)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}
