// Package ooxml opens the zip packages of Office Open XML files (DOCX, XLSX)
// with the limits a server needs against hostile uploads: a zip bomb is a few
// kilobytes that inflate to gigabytes, so every part is read against a budget
// of decompressed bytes, checked both on the size the archive declares and
// on the bytes actually inflated.
package ooxml

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/quarrylabs/quarry/internal/extract"
)

// MaxEntries is the most files a package may hold. Real documents have tens;
// millions of empty entries would cost memory before any limit on bytes
// could apply.
const MaxEntries = 10000

// Package is an opened OOXML file.
type Package struct {
	zr     *zip.Reader
	kind   string // "DOCX" or "XLSX", for messages
	limit  int64
	budget int64 // decompressed bytes left
}

// Open opens a package of size bytes. limit is the most decompressed bytes
// Read may return in total (0: no limit); kind names the format in
// messages.
func Open(r io.ReaderAt, size int64, limit int64, kind string) (*Package, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, extract.Errorf(extract.CodeInvalid, "the file is not a valid %s file (it is not a readable zip archive: %v)", kind, err)
	}
	if len(zr.File) > MaxEntries {
		return nil, extract.Errorf(extract.CodeInvalid, "the %s file holds %d parts, more than the %d this server reads", kind, len(zr.File), MaxEntries)
	}
	return &Package{zr: zr, kind: kind, limit: limit, budget: limit}, nil
}

// CheckDeclared fails when the sizes the archive declares for its parts add
// up to more than the limit. Readers that inflate every part themselves (a
// spreadsheet library) call it first.
func (p *Package) CheckDeclared() error {
	if p.limit <= 0 {
		return nil
	}
	var total uint64
	for _, f := range p.zr.File {
		total += f.UncompressedSize64
		if total > uint64(p.limit) {
			return p.tooLarge()
		}
	}
	return nil
}

func (p *Package) tooLarge() error {
	return extract.Errorf(extract.CodeInvalid,
		"the %s file inflates to more than %s (limit --max-decompressed-bytes); it may be a zip bomb, or it is too large to read", p.kind, formatBytes(p.limit))
}

// ErrNotExist is returned by Read for a part the package does not hold.
var ErrNotExist = errors.New("no such part")

// Read returns a part's bytes. Names are as in the zip, without a leading
// slash; a missing part is ErrNotExist.
func (p *Package) Read(name string) ([]byte, error) {
	name = strings.TrimPrefix(name, "/")
	var f *zip.File
	for _, zf := range p.zr.File {
		if zf.Name == name {
			f = zf
			break
		}
	}
	if f == nil {
		return nil, fmt.Errorf("read %s: %w", name, ErrNotExist)
	}
	if p.limit > 0 && f.UncompressedSize64 > uint64(p.budget) {
		return nil, p.tooLarge()
	}
	rc, err := f.Open()
	if err != nil {
		return nil, extract.Errorf(extract.CodeInvalid, "the %s file is damaged: its part %s cannot be read (%v)", p.kind, name, err)
	}
	defer rc.Close()
	var src io.Reader = rc
	if p.limit > 0 {
		// archive/zip already refuses to inflate past the declared size;
		// counting here as well keeps the budget true whatever the reader.
		src = io.LimitReader(rc, p.budget+1)
	}
	var buf bytes.Buffer
	buf.Grow(int(min(f.UncompressedSize64, 1<<20)))
	n, err := io.Copy(&buf, src)
	if err != nil {
		return nil, extract.Errorf(extract.CodeInvalid, "the %s file is damaged: its part %s cannot be inflated (%v)", p.kind, name, err)
	}
	if p.limit > 0 {
		if n > p.budget {
			return nil, p.tooLarge()
		}
		p.budget -= n
	}
	return buf.Bytes(), nil
}

// Open returns a reader of a part's inflated bytes, for a part too large to
// hold at once. It is held to the size the archive declares (archive/zip
// fails a part that inflates past it) and that size to the budget, but
// does not spend the budget: the caller reads it to look, not to keep.
func (p *Package) Open(name string) (io.ReadCloser, error) {
	name = strings.TrimPrefix(name, "/")
	for _, f := range p.zr.File {
		if f.Name != name {
			continue
		}
		if p.limit > 0 && f.UncompressedSize64 > uint64(p.budget) {
			return nil, p.tooLarge()
		}
		rc, err := f.Open()
		if err != nil {
			return nil, extract.Errorf(extract.CodeInvalid, "the %s file is damaged: its part %s cannot be read (%v)", p.kind, name, err)
		}
		return rc, nil
	}
	return nil, fmt.Errorf("open %s: %w", name, ErrNotExist)
}

// Stream returns a reader of a part's inflated bytes that spends the budget
// as it reads, like Read without holding the part whole: an XML decoder
// reading from it needs memory for what it keeps, not for the part. A
// read past the budget fails with the same error as Read.
func (p *Package) Stream(name string) (io.ReadCloser, error) {
	rc, err := p.Open(name)
	if err != nil {
		return nil, err
	}
	return &spending{rc: rc, p: p, name: name}, nil
}

type spending struct {
	rc   io.ReadCloser
	p    *Package
	name string
}

func (s *spending) Read(b []byte) (int, error) {
	n, err := s.rc.Read(b)
	if s.p.limit > 0 {
		if int64(n) > s.p.budget {
			return 0, s.p.tooLarge()
		}
		s.p.budget -= int64(n)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, extract.Errorf(extract.CodeInvalid, "the %s file is damaged: its part %s cannot be inflated (%v)", s.p.kind, s.name, err)
	}
	return n, err
}

func (s *spending) Close() error { return s.rc.Close() }

// Relationships reads the relationships of a part (its _rels/<name>.rels)
// as a map from id to the target part's name, resolved against the part's
// folder. A part without relationships has none.
func (p *Package) Relationships(part string) (map[string]string, error) {
	dir, file := path.Split(strings.TrimPrefix(part, "/"))
	data, err := p.Read(dir + "_rels/" + file + ".rels")
	if errors.Is(err, ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	var rels struct {
		Rel []struct {
			ID         string `xml:"Id,attr"`
			Target     string `xml:"Target,attr"`
			TargetMode string `xml:"TargetMode,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal(data, &rels); err != nil {
		return nil, extract.Errorf(extract.CodeInvalid, "the %s file is damaged: the relationships of %s are not valid XML (%v)", p.kind, part, err)
	}
	out := make(map[string]string, len(rels.Rel))
	for _, r := range rels.Rel {
		if r.TargetMode == "External" {
			continue
		}
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join(dir, t)
		}
		out[r.ID] = t
	}
	return out, nil
}

// formatBytes writes a size the way people read limits.
func formatBytes(n int64) string {
	const kib, mib = 1 << 10, 1 << 20
	switch {
	case n >= mib && n%mib == 0:
		return fmt.Sprintf("%d MiB", n/mib)
	case n >= kib && n%kib == 0:
		return fmt.Sprintf("%d KiB", n/kib)
	}
	return fmt.Sprintf("%d bytes", n)
}
