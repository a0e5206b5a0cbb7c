package ooxml_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document/ooxml"
	"github.com/quarrylabs/quarry/internal/extract"
)

func pack(tb testing.TB, files map[string]string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func open(tb testing.TB, data []byte, limit int64) *ooxml.Package {
	tb.Helper()
	p, err := ooxml.Open(bytes.NewReader(data), int64(len(data)), limit, "DOCX")
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestReadBudget(t *testing.T) {
	t.Parallel()
	// The limit is for the whole document: two parts that fit alone may
	// not fit together.
	data := pack(t, map[string]string{"a.xml": strings.Repeat("a", 600), "b.xml": strings.Repeat("b", 600)})
	p := open(t, data, 1000)
	if _, err := p.Read("a.xml"); err != nil {
		t.Fatalf("Read(a.xml) = %v, want its 600 bytes within the 1000-byte limit", err)
	}
	_, err := p.Read("b.xml")
	if extract.ErrorCode(err) != extract.CodeInvalid || !strings.Contains(err.Error(), "inflates to more than 1000 bytes") {
		t.Errorf("Read(b.xml) past the budget = %v, want the zip bomb failure", err)
	}
	if err := p.CheckDeclared(); err == nil {
		t.Errorf("CheckDeclared() = nil for 1200 declared bytes over a 1000-byte limit")
	}
	if _, err := p.Read("missing.xml"); !errors.Is(err, ooxml.ErrNotExist) {
		t.Errorf("Read(missing.xml) = %v, want ErrNotExist", err)
	}
}

func TestStreamBudget(t *testing.T) {
	t.Parallel()
	// Stream spends the budget as Read does, as the bytes are read.
	data := pack(t, map[string]string{"a.xml": strings.Repeat("a", 600), "b.xml": strings.Repeat("b", 600)})
	p := open(t, data, 1000)
	rc, err := p.Stream("a.xml")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(rc); err != nil || len(got) != 600 {
		t.Fatalf("Stream(a.xml) read %d bytes, %v; want its 600 bytes", len(got), err)
	}
	rc.Close()
	if _, err := p.Read("b.xml"); extract.ErrorCode(err) != extract.CodeInvalid || !strings.Contains(err.Error(), "inflates to more than 1000 bytes") {
		t.Errorf("Read(b.xml) after streaming a.xml = %v, want the zip bomb failure", err)
	}
	// Open only looks: it spends nothing.
	p = open(t, data, 1000)
	rc, err = p.Open("a.xml")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, rc)
	rc.Close()
	if _, err := p.Read("b.xml"); err != nil {
		t.Errorf("Read(b.xml) after Open(a.xml) = %v, want its bytes", err)
	}
}

func TestLyingSizeIsRefused(t *testing.T) {
	t.Parallel()
	// A part whose header declares fewer bytes than it inflates to: the
	// bytes past the declared size are never returned.
	data := pack(t, map[string]string{"a.xml": strings.Repeat("a", 5000)})
	i := bytes.LastIndex(data, []byte("PK\x01\x02")) // central directory entry
	le := func(off int, v uint32) {
		data[off], data[off+1], data[off+2], data[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	le(i+24, 10) // uncompressed size
	p := open(t, data, 1<<20)
	if got, err := p.Read("a.xml"); err == nil {
		t.Errorf("Read of a part inflating past its declared 10 bytes = %d bytes, want an error", len(got))
	}
}

func TestRelationships(t *testing.T) {
	t.Parallel()
	data := pack(t, map[string]string{"word/_rels/document.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="header" Target="header1.xml"/>
<Relationship Id="rId2" Type="footer" Target="/word/footer1.xml"/>
<Relationship Id="rId3" Type="hyperlink" Target="https://example.com" TargetMode="External"/>
<Relationship Id="rId4" Type="image" Target="../media/a.png"/></Relationships>`})
	got, err := open(t, data, 0).Relationships("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"rId1": "word/header1.xml", "rId2": "word/footer1.xml", "rId4": "media/a.png"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Relationships (-want +got):\n%s", diff)
	}
	none, err := open(t, data, 0).Relationships("word/other.xml")
	if err != nil || len(none) != 0 {
		t.Errorf("Relationships of a part without any = %v, %v; want none", none, err)
	}
}
