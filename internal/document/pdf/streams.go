package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"

	"github.com/quarrylabs/quarry/internal/document/budget"
)

// checkStreams inflates, in Go and without keeping the output, every
// flate-compressed stream of data that is not an image, and fails at the
// first that inflates past the budget's MaxPDFStreamBytes. PDFium inflates
// a page's content stream whole into memory and then builds objects from
// it: a megabyte of compressed zeros asks for a gigabyte, which runs the
// instance into its memory cap (a trap) after it has taken the machine's
// memory several times over. Counting the inflated bytes here costs a few
// milliseconds for a normal file and stops a bomb at the limit.
//
// Streams are found the way a PDF reader falls back to when its
// cross-reference table is broken: by the "stream" keyword after a
// dictionary. Images are large by nature (a page scanned at 600 dpi in
// colour is 100 MB) and PDFium decodes them only to render a scanned page,
// so a stream whose dictionary says it is an image may inflate to four
// times the limit; the dictionary is the file's word, so a bomb calling
// itself an image still stops there. A stream that is not valid zlib data
// (an encrypted file's, or one whose filter is not Flate after all) is left
// to PDFium and its memory cap.
func checkStreams(data []byte, b *budget.Budget) error {
	limit := b.Limits().MaxPDFStreamBytes
	for off := 0; off < len(data); {
		i := bytes.Index(data[off:], []byte("stream"))
		if i < 0 {
			return nil
		}
		kw := off + i
		off = kw + len("stream")
		if kw >= 3 && bytes.Equal(data[kw-3:kw], []byte("end")) {
			continue // endstream
		}
		dict := streamDict(data[:kw])
		if dict == nil || !bytes.Contains(dict, []byte("/FlateDecode")) {
			continue
		}
		most := limit
		if bytes.Contains(dict, []byte("/Image")) {
			most = 4 * limit
		}
		start := off
		switch {
		case bytes.HasPrefix(data[start:], []byte("\r\n")):
			start += 2
		case start < len(data) && (data[start] == '\n' || data[start] == '\r'):
			start++
		default:
			continue
		}
		n, used, err := inflated(data[start:], most+1)
		if n > most {
			return b.StreamError()
		}
		if err == nil {
			// Skip the stream's bytes rather than search them for
			// keywords.
			off = start + used
		}
	}
	return nil
}

// streamDict returns the dictionary just before a stream keyword that ends
// before, with name escapes (#xx) decoded so that /Fl#61teDecode is
// recognised, or nil when the keyword does not follow a dictionary.
func streamDict(before []byte) []byte {
	end := bytes.LastIndex(before, []byte(">>"))
	if end < 0 || len(bytes.TrimSpace(before[end+2:])) != 0 {
		return nil
	}
	// The stream's object starts at the nearest "obj"; its dictionary,
	// nested ones included, lies between.
	start := bytes.LastIndex(before[:end], []byte("obj"))
	if start < 0 {
		start = max(0, end-64<<10)
	}
	dict := before[start : end+2]
	if bytes.IndexByte(dict, '#') < 0 {
		return dict
	}
	out := make([]byte, 0, len(dict))
	for i := 0; i < len(dict); i++ {
		if dict[i] == '#' && i+2 < len(dict) {
			if v, ok := unhex(dict[i+1], dict[i+2]); ok {
				out = append(out, v)
				i += 2
				continue
			}
		}
		out = append(out, dict[i])
	}
	return out
}

func unhex(a, b byte) (byte, bool) {
	h := func(c byte) (byte, bool) {
		switch {
		case c >= '0' && c <= '9':
			return c - '0', true
		case c >= 'a' && c <= 'f':
			return c - 'a' + 10, true
		case c >= 'A' && c <= 'F':
			return c - 'A' + 10, true
		}
		return 0, false
	}
	x, ok1 := h(a)
	y, ok2 := h(b)
	return x<<4 | y, ok1 && ok2
}

// inflated counts the bytes zlib data inflates to, up to most, and how many
// bytes of data that took.
func inflated(data []byte, most int64) (n int64, used int, err error) {
	r := bytes.NewReader(data)
	zr, err := zlib.NewReader(r)
	if err != nil {
		return 0, 0, err
	}
	defer zr.Close()
	n, err = io.Copy(io.Discard, io.LimitReader(zr, most))
	used = len(data) - r.Len()
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// A stream cut short still inflated this much.
		return n, used, nil
	}
	return n, used, err
}
