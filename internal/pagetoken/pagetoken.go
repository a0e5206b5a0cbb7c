// Package pagetoken makes the page tokens of Quarry's listings: opaque,
// tamper-evident, and bound to the filters they were made with, as Google's
// AIP-158 asks.
//
// A token carries a listing's cursor (extract.Cursor: the created_at and id of
// the last item of a page, and its name in listings ordered by name) sealed
// with AES-256-GCM. Sealing rather than
// signing keeps the cursor private, so clients cannot come to depend on what
// is inside; authenticating the token and its scope means an edited token, or
// one reused with other filters, fails to open instead of silently returning
// a wrong page. The scope (see Scope) is authenticated but not stored: the
// caller rebuilds it from the request, and a mismatch is indistinguishable
// from tampering.
//
// Tokens grant no authority. Opening one only yields a position; the caller
// still applies the project and every filter of the request.
//
// Tokens do not expire by themselves. Changing the key (see LoadOrCreateKey)
// invalidates every outstanding token, which clients handle by starting over.
package pagetoken

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

const (
	// MinKeySize is the least number of bytes of key New accepts.
	MinKeySize = 32
	// MaxTokenLen is the longest token Open reads; anything longer is
	// refused before any work is done on it.
	MaxTokenLen = 512
	// MaxIDLen is the longest cursor id Seal takes. Ids are ours (a prefix
	// and a UUID, 40 bytes), so a longer one is a bug; the bound keeps every
	// token within MaxTokenLen.
	MaxIDLen = 256
	// MaxNameLen is the longest cursor name Seal takes: a file's name,
	// which uploads cut to 255 bytes. With an id of our own 40 bytes, a
	// token stays within MaxTokenLen.
	MaxNameLen = 255
	// maxCursorLen bounds the id, separator and name together, so that
	// every token is within MaxTokenLen whatever the mix.
	maxCursorLen = 300
)

const (
	// version is the first byte of every plaintext, so that a future
	// layout can be told apart from this one.
	version byte = 1
	// header is the version byte and created_at in Unix milliseconds.
	header = 1 + 8
	// hkdfInfo separates the key derived here from any other use of the
	// same configured secret.
	hkdfInfo = "quarry pagetoken v1: AES-256-GCM"
)

// encoding is URL-safe, so a token needs no escaping in a query string, and
// strict, so that each byte string has exactly one token spelling it.
var encoding = base64.RawURLEncoding.Strict()

// Sealer seals cursors into page tokens and opens them again. It is safe for
// concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// New returns a Sealer whose tokens only a Sealer with the same key opens.
// The key must have at least MinKeySize bytes; the encryption key is derived
// from it with HKDF-SHA256, so any length and a secret shared with other
// purposes are both fine.
func New(key []byte) (*Sealer, error) {
	if len(key) < MinKeySize {
		return nil, fmt.Errorf("page token key is %d bytes; at least %d are needed", len(key), MinKeySize)
	}
	k, err := hkdf.Key(sha256.New, key, nil, hkdfInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("derive page token key: %w", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("page token cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("page token cipher: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns the token for cursor c in the listing described by scope.
// The token is URL-safe base64 of a random nonce and the sealed cursor, so two
// tokens for the same position differ and reveal nothing.
//
// CreatedAt is kept to the millisecond, the precision of the API's
// timestamps: Open returns it truncated, in UTC. Seal panics if the id is
// longer than MaxIDLen, which only a bug can cause.
func (s *Sealer) Seal(scope string, c extract.Cursor) string {
	if len(c.ID) > MaxIDLen || len(c.Name) > MaxNameLen || len(c.ID)+1+len(c.Name) > maxCursorLen || strings.IndexByte(c.ID, 0) >= 0 {
		panic(fmt.Sprintf("pagetoken: cursor id of %d bytes and name of %d, over MaxIDLen, MaxNameLen or their sum, or an id with a NUL", len(c.ID), len(c.Name)))
	}
	plain := make([]byte, header, header+len(c.ID)+1+len(c.Name))
	plain[0] = version
	binary.BigEndian.PutUint64(plain[1:header], uint64(c.CreatedAt.UnixMilli()))
	plain = append(plain, c.ID...)
	if c.Name != "" {
		// A NUL ends the id, which never holds one; tokens without a name
		// keep the layout they always had.
		plain = append(plain, 0)
		plain = append(plain, c.Name...)
	}

	ns := s.aead.NonceSize()
	out := make([]byte, ns, ns+len(plain)+s.aead.Overhead())
	// A random 96-bit nonce is safe for far more tokens than a server makes
	// under one key (NIST's bound is 2^32 messages).
	rand.Read(out)
	ad := additionalData(scope)
	out = s.aead.Seal(out, out[:ns], plain, ad[:])
	return encoding.EncodeToString(out)
}

// Open returns the cursor sealed in token, if token was made by Seal with the
// same key and the same scope. Any other token, whether edited, truncated,
// made for other filters or under another key, or not a token at all, gives
// the same CodeInvalid error: which check failed is nobody's business.
func (s *Sealer) Open(scope string, token string) (extract.Cursor, error) {
	if len(token) == 0 || len(token) > MaxTokenLen || !urlSafe(token) {
		return extract.Cursor{}, errInvalid()
	}
	raw, err := encoding.DecodeString(token)
	ns := s.aead.NonceSize()
	if err != nil || len(raw) < ns+s.aead.Overhead()+header {
		return extract.Cursor{}, errInvalid()
	}
	ad := additionalData(scope)
	plain, err := s.aead.Open(nil, raw[:ns], raw[ns:], ad[:])
	if err != nil || len(plain) < header || plain[0] != version {
		return extract.Cursor{}, errInvalid()
	}
	ms := int64(binary.BigEndian.Uint64(plain[1:header]))
	id, name, _ := strings.Cut(string(plain[header:]), "\x00")
	return extract.Cursor{CreatedAt: time.UnixMilli(ms).UTC(), ID: id, Name: name}, nil
}

// additionalData is what binds a token to its scope. Hashing gives the AEAD
// a fixed-size input whatever the number of filters.
func additionalData(scope string) [sha256.Size]byte {
	return sha256.Sum256([]byte(scope))
}

// urlSafe reports whether s is made only of the URL-safe base64 alphabet.
// The decoder would skip newlines, letting several strings open as one
// token; a token must have a single spelling.
func urlSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// errInvalid is the one error of Open. It tells the user what to do, since
// what went wrong is deliberately not said.
func errInvalid() error {
	return extract.Errorf(extract.CodeInvalid, "page_token is invalid, expired or was made for other filters; start again without page_token")
}

// Scope builds the canonical string a token is bound to from its parts: the
// resource listed, the project, and every filter value in a fixed order (but
// not the page size, which a client may change between pages). Each part is
// prefixed with its length, so that no two lists of parts give the same
// string: Scope("a", "bc") != Scope("ab", "c").
//
// An absent filter still takes its place, as "", so that each part keeps its
// position. A list of values (job_ids) goes in as one part built by Scope
// itself, which nests unambiguously: Scope("jobs", prj, Scope(ids...)).
func Scope(parts ...string) string {
	var sb strings.Builder
	for _, p := range parts {
		sb.WriteString(strconv.Itoa(len(p)))
		sb.WriteByte(':')
		sb.WriteString(p)
	}
	return sb.String()
}
