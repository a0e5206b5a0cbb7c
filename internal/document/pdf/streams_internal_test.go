package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/document/budget"
)

func TestCheckStreams(t *testing.T) {
	t.Parallel()
	deflate := func(n int) []byte {
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		zw.Write([]byte(strings.Repeat(" ", n)))
		zw.Close()
		return b.Bytes()
	}
	// obj writes one stream object with the given dictionary entries.
	obj := func(dict string, data []byte, eol string) string {
		return fmt.Sprintf("4 0 obj\n<< /Length %d %s >>\nstream%s%s\nendstream\nendobj\n", len(data), dict, eol, data)
	}
	const limit = 1000
	tests := []struct {
		name string
		pdf  string
		bomb bool
	}{
		{"UnderLimit", obj("/Filter /FlateDecode", deflate(limit), "\n"), false},
		{"ErrOverLimit", obj("/Filter /FlateDecode", deflate(limit+1), "\n"), true},
		{"ErrCRLF", obj("/Filter /FlateDecode", deflate(5000), "\r\n"), true},
		{"ErrFilterArray", obj("/Filter [/FlateDecode]", deflate(5000), "\n"), true},
		// A name may spell its characters as #xx escapes.
		{"ErrEscapedName", obj("/Filter /Fl#61teDecode", deflate(5000), "\n"), true},
		{"ErrNestedDict", obj("/DecodeParms << /Columns 4 >> /Filter /FlateDecode", deflate(5000), "\n"), true},
		// Images may be four times larger: they are large by nature.
		{"Image", obj("/Type /XObject /Subtype /Image /Filter /FlateDecode", deflate(4*limit), "\n"), false},
		{"ErrImage", obj("/Type /XObject /Subtype /Image /Filter /FlateDecode", deflate(4*limit+1), "\n"), true},
		{"NotCompressed", obj("", []byte(strings.Repeat(" ", 5000)), "\n"), false},
		// Data that is not zlib (an encrypted stream) is left to PDFium.
		{"NotZlib", obj("/Filter /FlateDecode", []byte(strings.Repeat("\x01", 5000)), "\n"), false},
		{"SecondStream", obj("", []byte("q Q"), "\n") + obj("/Filter /FlateDecode", deflate(5000), "\n"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := checkStreams([]byte("%PDF-1.4\n"+tt.pdf), budget.New(budget.Limits{MaxPDFStreamBytes: limit}))
			if got := err != nil; got != tt.bomb {
				t.Errorf("checkStreams = %v, want a flate bomb error: %v", err, tt.bomb)
			}
			if err != nil && !strings.Contains(err.Error(), "(limit --max-pdf-stream-bytes)") {
				t.Errorf("checkStreams = %v, want it to name --max-pdf-stream-bytes", err)
			}
		})
	}
}
