package pagetoken

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

// testKey returns a fixed key, different for each seed byte.
func testKey(seed byte) []byte {
	return bytes.Repeat([]byte{seed}, MinKeySize)
}

func newSealer(tb testing.TB, key []byte) *Sealer {
	tb.Helper()
	s, err := New(key)
	if err != nil {
		tb.Fatalf("New(%d bytes) = %v", len(key), err)
	}
	return s
}

var (
	jobsScope = Scope("extract_jobs", "prj-1", "COMPLETED", "", "dfl-1", "", "", "")
	cursor    = extract.Cursor{
		CreatedAt: time.Date(2019, 12, 27, 18, 11, 19, 117_000_000, time.UTC),
		ID:        "ext-3f1c2c6e-8a4f-4a55-9c1e-6a1f0f5f2b7d",
	}
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	s := newSealer(t, testKey(1))
	tests := []struct {
		name string
		in   extract.Cursor
		want extract.Cursor // what Open gives back
	}{
		{"OK", cursor, cursor},
		{"OKOtherZone", extract.Cursor{CreatedAt: cursor.CreatedAt.In(time.FixedZone("CET", 3600)), ID: cursor.ID}, cursor},
		{"OKTruncatedToMillisecond", extract.Cursor{CreatedAt: cursor.CreatedAt.Add(999_999 * time.Nanosecond), ID: cursor.ID}, cursor},
		{"OKBefore1970", extract.Cursor{CreatedAt: time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC), ID: "x"}, extract.Cursor{CreatedAt: time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC), ID: "x"}},
		{"OKZero", extract.Cursor{}, extract.Cursor{CreatedAt: time.Time{}.UTC()}},
		{"OKEmptyID", extract.Cursor{CreatedAt: cursor.CreatedAt}, extract.Cursor{CreatedAt: cursor.CreatedAt}},
		{"OKUnicodeID", extract.Cursor{CreatedAt: cursor.CreatedAt, ID: "dfl-ünïcødé/?&="}, extract.Cursor{CreatedAt: cursor.CreatedAt, ID: "dfl-ünïcødé/?&="}},
		{"OKLongestID", extract.Cursor{CreatedAt: cursor.CreatedAt, ID: strings.Repeat("z", MaxIDLen)}, extract.Cursor{CreatedAt: cursor.CreatedAt, ID: strings.Repeat("z", MaxIDLen)}},
		{"OKName", extract.Cursor{ID: cursor.ID, Name: "invoice 2024.pdf"}, extract.Cursor{CreatedAt: time.Time{}.UTC(), ID: cursor.ID, Name: "invoice 2024.pdf"}},
		{"OKNameWithNUL", extract.Cursor{ID: cursor.ID, Name: "a\x00b"}, extract.Cursor{CreatedAt: time.Time{}.UTC(), ID: cursor.ID, Name: "a\x00b"}},
		{"OKLongestName", extract.Cursor{ID: strings.Repeat("i", 40), Name: strings.Repeat("ü", MaxNameLen/2)}, extract.Cursor{CreatedAt: time.Time{}.UTC(), ID: strings.Repeat("i", 40), Name: strings.Repeat("ü", MaxNameLen/2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token := s.Seal(jobsScope, tt.in)
			if len(token) > MaxTokenLen {
				t.Errorf("Seal(%v) is %d characters, over MaxTokenLen", tt.in, len(token))
			}
			if url.QueryEscape(token) != token {
				t.Errorf("Seal(%v) = %q, which needs escaping in a URL", tt.in, token)
			}
			got, err := s.Open(jobsScope, token)
			if err != nil {
				t.Fatalf("Open(Seal(%v)) = %v", tt.in, err)
			}
			if !got.CreatedAt.Equal(tt.want.CreatedAt) || got.ID != tt.want.ID || got.CreatedAt.Location() != time.UTC {
				t.Errorf("Open(Seal(%v)) = %v, want %v in UTC", tt.in, got, tt.want)
			}
		})
	}
}

// TestSealOpaque: the same cursor sealed twice gives different tokens, and
// neither shows the id.
func TestSealOpaque(t *testing.T) {
	t.Parallel()
	s := newSealer(t, testKey(1))
	a, b := s.Seal(jobsScope, cursor), s.Seal(jobsScope, cursor)
	if a == b {
		t.Errorf("Seal gave %q twice, want a fresh nonce each time", a)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(a)
	if bytes.Contains(raw, []byte("ext-")) || strings.Contains(a, "ext") {
		t.Errorf("token %q shows the cursor", a)
	}
}

func TestSealIDTooLong(t *testing.T) {
	t.Parallel()
	s := newSealer(t, testKey(1))
	defer func() {
		if recover() == nil {
			t.Errorf("Seal with a %d-byte id did not panic", MaxIDLen+1)
		}
	}()
	s.Seal(jobsScope, extract.Cursor{ID: strings.Repeat("z", MaxIDLen+1)})
}

func TestSealNameTooLong(t *testing.T) {
	t.Parallel()
	s := newSealer(t, testKey(1))
	defer func() {
		if recover() == nil {
			t.Errorf("Seal with a %d-byte name did not panic", MaxNameLen+1)
		}
	}()
	s.Seal(jobsScope, extract.Cursor{ID: "dfl-x", Name: strings.Repeat("z", MaxNameLen+1)})
}

func TestOpenOtherScope(t *testing.T) {
	t.Parallel()
	s := newSealer(t, testKey(1))
	token := s.Seal(jobsScope, cursor)
	for _, scope := range []string{
		"",
		Scope("extract_jobs", "prj-2", "COMPLETED", "", "dfl-1", "", "", ""), // another project
		Scope("extract_jobs", "prj-1", "FAILED", "", "dfl-1", "", "", ""),    // another status
		Scope("extract_jobs", "prj-1", "COMPLETED", "dfl-1", "", "", "", ""), // a value moved to another filter
		Scope("files", "prj-1", "COMPLETED", "", "dfl-1", "", "", ""),        // another resource
		Scope("extract_jobs", "prj-1", "COMPLETED", "", "dfl-1", "", ""),     // a filter fewer
		jobsScope + " ",
	} {
		if got, err := s.Open(scope, token); extract.ErrorCode(err) != extract.CodeInvalid {
			t.Errorf("Open(%q, token for %q) = %v, %v; want a CodeInvalid error", scope, jobsScope, got, err)
		}
	}
}

func TestOpenOtherKey(t *testing.T) {
	t.Parallel()
	token := newSealer(t, testKey(1)).Seal(jobsScope, cursor)
	longer := append(testKey(1), 0) // a key that extends the first
	for _, key := range [][]byte{testKey(2), longer} {
		if got, err := newSealer(t, key).Open(jobsScope, token); extract.ErrorCode(err) != extract.CodeInvalid {
			t.Errorf("Open with another key = %v, %v; want a CodeInvalid error", got, err)
		}
	}
	// The same key given again, as after a restart, opens it.
	if _, err := newSealer(t, testKey(1)).Open(jobsScope, token); err != nil {
		t.Errorf("Open with the same key in a new Sealer = %v", err)
	}
}

// TestOpenBitFlips flips every bit of a token, both of its bytes and of its
// characters: no flip may open.
func TestOpenBitFlips(t *testing.T) {
	t.Parallel()
	s := newSealer(t, testKey(1))
	token := s.Seal(jobsScope, cursor)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for bit := range 8 {
			flipped := bytes.Clone(raw)
			flipped[i] ^= 1 << bit
			if got, err := s.Open(jobsScope, base64.RawURLEncoding.EncodeToString(flipped)); err == nil {
				t.Errorf("byte %d bit %d flipped: Open = %v, want an error", i, bit, got)
			}
		}
	}
	for i := range len(token) {
		for bit := range 8 {
			flipped := []byte(token)
			flipped[i] ^= 1 << bit
			got, err := s.Open(jobsScope, string(flipped))
			if err == nil {
				t.Errorf("character %d bit %d flipped (%q): Open = %v, want an error", i, bit, flipped, got)
			} else if extract.ErrorCode(err) != extract.CodeInvalid {
				t.Errorf("character %d bit %d flipped: error %v has code %q", i, bit, err, extract.ErrorCode(err))
			}
		}
	}
}

func TestOpenMalformed(t *testing.T) {
	t.Parallel()
	s := newSealer(t, testKey(1))
	token := s.Seal(jobsScope, cursor)
	raw, _ := base64.RawURLEncoding.DecodeString(token)
	tests := []struct {
		name  string
		token string
	}{
		{"ErrEmpty", ""},
		{"ErrOneChar", "A"},
		{"ErrGarbage", "not a token!"},
		{"ErrPadded", token + "=="},
		{"ErrStdAlphabet", strings.NewReplacer("-", "+", "_", "/").Replace(token) + "+/"},
		{"ErrNewline", token[:10] + "\n" + token[10:]},
		{"ErrSpace", " " + token},
		{"ErrNonASCII", token[:5] + "é" + token[5:]},
		{"ErrExtraChar", token + "A"},
		{"ErrExtraByte", base64.RawURLEncoding.EncodeToString(append(bytes.Clone(raw), 0))},
		{"ErrHuge", strings.Repeat("A", MaxTokenLen+1)},
		{"ErrHugeValidPrefix", token + strings.Repeat("A", MaxTokenLen)},
		{"ErrMegabyte", strings.Repeat("A", 1<<20)},
		{"ErrNonceOnly", base64.RawURLEncoding.EncodeToString(raw[:12])},
		{"ErrZeros", base64.RawURLEncoding.EncodeToString(make([]byte, len(raw)))},
	}
	for i := range len(token) {
		tests = append(tests, struct {
			name  string
			token string
		}{"ErrTruncated", token[:i]})
	}
	for _, tt := range tests {
		got, err := s.Open(jobsScope, tt.token)
		if err == nil {
			t.Errorf("%s: Open(%.40q) = %v, want an error", tt.name, tt.token, got)
			continue
		}
		if extract.ErrorCode(err) != extract.CodeInvalid {
			t.Errorf("%s: Open(%.40q) error %v has code %q, want %q", tt.name, tt.token, err, extract.ErrorCode(err), extract.CodeInvalid)
		}
		if want := "page_token is invalid, expired or was made for other filters; start again without page_token"; err.Error() != want {
			t.Errorf("%s: Open error = %q, want the one message %q", tt.name, err, want)
		}
	}
}

// TestSealerConcurrent runs under -race: one Sealer serves every request.
func TestSealerConcurrent(t *testing.T) {
	t.Parallel()
	s := newSealer(t, testKey(1))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if _, err := s.Open(jobsScope, s.Seal(jobsScope, cursor)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestNew(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 16, MinKeySize - 1} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New(%d bytes) = nil error, want one", n)
		}
	}
	for _, n := range []int{MinKeySize, 64, 1000} {
		if _, err := New(make([]byte, n)); err != nil {
			t.Errorf("New(%d bytes) = %v", n, err)
		}
	}
}

func TestScope(t *testing.T) {
	t.Parallel()
	distinct := [][]string{
		nil,
		{""},
		{"", ""},
		{"a", "bc"},
		{"ab", "c"},
		{"abc"},
		{"1:a"},
		{"a", ""},
		{"", "a"},
		{"a", Scope("b", "c")},
		{"a", Scope("b"), "c"},
	}
	seen := map[string][]string{}
	for _, parts := range distinct {
		s := Scope(parts...)
		if prev, ok := seen[s]; ok {
			t.Errorf("Scope(%q) = Scope(%q) = %q", parts, prev, s)
		}
		seen[s] = parts
		if again := Scope(parts...); again != s {
			t.Errorf("Scope(%q) = %q, then %q", parts, s, again)
		}
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	key := make([]byte, MinKeySize)
	for i := range key {
		key[i] = byte(i * 7)
	}
	ok := []struct {
		name string
		in   string
	}{
		{"Hex", hex.EncodeToString(key)},
		{"HexUpperWithNewline", strings.ToUpper(hex.EncodeToString(key)) + "\n"},
		{"Base64", base64.StdEncoding.EncodeToString(key)},
		{"Base64Raw", base64.RawStdEncoding.EncodeToString(key)},
		{"Base64URL", base64.URLEncoding.EncodeToString(key)},
		{"Base64RawURL", "  " + base64.RawURLEncoding.EncodeToString(key) + "  "},
	}
	for _, tt := range ok {
		got, err := ParseKey(tt.in)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("ParseKey(%s) = %x, %v; want %x", tt.name, got, err, key)
		}
	}
	bad := []struct {
		name, in, want string
	}{
		{"ErrEmpty", " \n", "empty"},
		{"ErrShortHex", hex.EncodeToString(key[:31]), "31 bytes of hex; at least 32 bytes (64 hex digits)"},
		{"ErrShortBase64", base64.StdEncoding.EncodeToString(key[:20]), "20 bytes of base64; at least 32"},
		{"ErrNeither", "correct horse battery staple, correct horse battery staple!", "neither hex nor base64"},
	}
	for _, tt := range bad {
		_, err := ParseKey(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseKey(%s) = %v, want an error containing %q", tt.name, err, tt.want)
			continue
		}
		if strings.TrimSpace(tt.in) != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.in)) {
			t.Errorf("ParseKey(%s) error %q repeats the key", tt.name, err)
		}
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state", "pagetoken.key") // the directory does not exist yet
	key, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("LoadOrCreateKey(new) = %v", err)
	}
	if len(key) != MinKeySize {
		t.Errorf("new key is %d bytes, want %d", len(key), MinKeySize)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	content, _ := os.ReadFile(path)
	if got := strings.TrimSpace(string(content)); got != hex.EncodeToString(key) {
		t.Errorf("key file holds %q, want the key in hex", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("key directory holds %d entries, want only the key file (no temporary left)", len(entries))
	}

	// After a restart, the same key, and the tokens made before still open.
	token := newSealer(t, key).Seal(jobsScope, cursor)
	again, err := LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("LoadOrCreateKey(existing) = %x, %v; want %x", again, err, key)
	}
	if _, err := newSealer(t, again).Open(jobsScope, token); err != nil {
		t.Errorf("token from before the reload: Open = %v", err)
	}
}

func TestLoadOrCreateKeyExisting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := testKey(9)
	tests := []struct {
		name    string
		content string
		wantErr string // "" when the key must be read back
	}{
		{"OKHex", hex.EncodeToString(key) + "\n", ""},
		{"OKBase64", base64.StdEncoding.EncodeToString(key), ""},
		{"ErrEmpty", "", "empty"},
		{"ErrShort", hex.EncodeToString(key[:8]), "8 bytes of hex"},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, tt.name)
		if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := LoadOrCreateKey(path)
		if tt.wantErr == "" {
			if err != nil || !bytes.Equal(got, key) {
				t.Errorf("%s: LoadOrCreateKey = %x, %v; want %x", tt.name, got, err, key)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: LoadOrCreateKey = %v, want an error naming the file and containing %q", tt.name, err, tt.wantErr)
		}
		// A bad file is reported, never replaced.
		if b, _ := os.ReadFile(path); string(b) != tt.content {
			t.Errorf("%s: the key file was rewritten to %q", tt.name, b)
		}
	}
}

// TestLoadOrCreateKeyRace starts several processes' worth of callers at
// once on a missing file: all must end up with the same key.
func TestLoadOrCreateKeyRace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "pagetoken.key")
	const n = 16
	keys := make([][]byte, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			k, err := LoadOrCreateKey(path)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	close(start)
	wg.Wait()
	for i := range keys {
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("caller %d got key %x, caller 0 got %x", i, keys[i], keys[0])
		}
	}
	if onDisk, err := LoadOrCreateKey(path); err != nil || !bytes.Equal(onDisk, keys[0]) {
		t.Errorf("key on disk %x, %v; want %x", onDisk, err, keys[0])
	}
}

// FuzzOpen opens arbitrary strings with a key no other test uses: it must
// never panic, every error must be CodeInvalid, and whatever opens must be
// one of the cursors sealed under that key (here, the seeds): no forgery.
func FuzzOpen(f *testing.F) {
	s := newSealer(f, testKey(0xF0))
	sealed := []extract.Cursor{
		cursor,
		{CreatedAt: time.UnixMilli(0).UTC(), ID: ""},
		{CreatedAt: time.UnixMilli(1_700_000_000_123).UTC(), ID: "dfl-0b7e2c1a-5d8f-4e39-a6b2-1c9d3e4f5a6b"},
	}
	for _, c := range sealed {
		f.Add(s.Seal(jobsScope, c))
	}
	f.Add("")
	f.Add("AAAA")
	f.Add(strings.Repeat("_", MaxTokenLen))
	f.Fuzz(func(t *testing.T, token string) {
		got, err := s.Open(jobsScope, token)
		if err != nil {
			if code := extract.ErrorCode(err); code != extract.CodeInvalid {
				t.Fatalf("Open(%q) = %v with code %q, want %q", token, err, code, extract.CodeInvalid)
			}
			return
		}
		for _, c := range sealed {
			if got.ID == c.ID && got.CreatedAt.Equal(c.CreatedAt) {
				return
			}
		}
		t.Fatalf("Open(%q) = %v, a cursor that was never sealed", token, got)
	})
}
