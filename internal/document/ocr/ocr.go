// Package ocr reads the words of an image of text with the Tesseract
// program: the one OCR path of Quarry, shared by scanned PDF pages
// (internal/document/pdf) and image files (internal/document/image).
//
// Tesseract runs as a separate program rather than through its C library,
// so that Quarry stays one pure-Go binary: installing Tesseract (on Debian
// or Ubuntu, apt-get install tesseract-ocr, and tesseract-ocr-deu,
// tesseract-ocr-fra, … for more languages) is all a server needs, and it is
// looked up at each use, so it needs no restart either.
package ocr

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/extract"
)

// Install is how messages tell an operator to install Tesseract: the
// Debian and Ubuntu package Quarry is tested with.
const Install = "apt-get install tesseract-ocr"

// DefaultLanguages is the language Tesseract reads in when none is
// configured: English, the one every Tesseract package installs.
const DefaultLanguages = "eng"

// Options say which Tesseract reads and in what languages.
type Options struct {
	// Program is the Tesseract program, a name looked up on PATH at each
	// use or a path. Defaults to "tesseract".
	Program string
	// Languages are the Tesseract languages to read in, joined with "+"
	// as tesseract's -l flag takes them ("eng+deu"). Each needs its
	// trained data installed (tesseract-ocr-deu, …). Defaults to
	// DefaultLanguages.
	Languages string
}

// WithDefaults returns the options with every unset field at its default.
func (o Options) WithDefaults() Options {
	o.Program = cmp.Or(o.Program, "tesseract")
	o.Languages = cmp.Or(o.Languages, DefaultLanguages)
	return o
}

// Validate refuses languages that are not a "+"-joined list of Tesseract
// language names, before one reaches the command line.
func (o Options) Validate() error {
	if o.Languages == "" {
		return nil
	}
	for l := range strings.SplitSeq(o.Languages, "+") {
		if l == "" || strings.IndexFunc(l, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
		}) >= 0 {
			return fmt.Errorf("OCR languages %q: give Tesseract language names joined with +, like eng or eng+deu", o.Languages)
		}
	}
	return nil
}

// Path returns the path of the Tesseract program, or "" when it is not
// installed.
func (o Options) Path() string {
	p, _ := exec.LookPath(o.WithDefaults().Program)
	return p
}

// ErrNotInstalled is the error of OCR asked of a server without Tesseract;
// what names what could not be read ("the image").
func ErrNotInstalled(what string) error {
	return extract.Errorf(extract.CodeInvalid,
		"reading %s needs Tesseract OCR, which is not installed on this server; install it (on Debian or Ubuntu: %s) and try again", what, Install)
}

// Read runs Tesseract at path on img, drawn at dpi, and returns the words
// it found in reading order, with boxes in the image's pixels and
// Tesseract's confidence in each. A language with no data installed is an
// *extract.Error naming the package to install; ctx ends the program.
func Read(ctx context.Context, path, languages string, img *image.Gray, dpi int) ([]document.Word, error) {
	languages = cmp.Or(languages, DefaultLanguages)
	// PGM is the cheapest format Tesseract reads: a header and the pixels.
	var in bytes.Buffer
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	in.Grow(w*h + 32)
	fmt.Fprintf(&in, "P5\n%d %d\n255\n", w, h)
	for y := range h {
		off := y * img.Stride
		in.Write(img.Pix[off : off+w])
	}
	cmd := exec.CommandContext(ctx, path, "stdin", "stdout", "--dpi", strconv.Itoa(dpi), "-l", languages, "tsv")
	cmd.Stdin = &in
	// Tesseract's own threads would fight the parsers' parallelism (one
	// job per core) for the same cores; one thread per page is faster
	// overall.
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("run tesseract: %w", ctx.Err())
		}
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "Failed loading language") {
			missing := missingLanguage(msg, languages)
			return nil, extract.Errorf(extract.CodeInvalid,
				"OCR failed: Tesseract has no data for language %q on this server; install it (on Debian or Ubuntu: apt-get install tesseract-ocr-%s) or configure other OCR languages",
				missing, strings.ReplaceAll(strings.ToLower(missing), "_", "-"))
		}
		return nil, fmt.Errorf("run tesseract: %w: %s", err, msg)
	}
	words, err := ParseTSV(out)
	if err != nil {
		return nil, fmt.Errorf("read tesseract output: %w", err)
	}
	return words, nil
}

// missingLanguage finds the language Tesseract names in "Failed loading
// language 'deu'", or the first of those asked for.
func missingLanguage(msg, languages string) string {
	if _, rest, ok := strings.Cut(msg, "Failed loading language '"); ok {
		if l, _, ok := strings.Cut(rest, "'"); ok && l != "" {
			return l
		}
	}
	return strings.Split(languages, "+")[0]
}

// ParseTSV reads the words of Tesseract's TSV output: level 5 rows, whose
// columns are level, page_num, block_num, par_num, line_num, word_num, left,
// top, width, height, conf and text. Rows come in reading order. A word's
// confidence is Tesseract's, from 0 to 100, as a fraction; a word Tesseract
// gives 0 still gets a little above it, since 0 means "not OCR" in the
// document model.
func ParseTSV(out []byte) ([]document.Word, error) {
	var words []document.Word
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for first := true; sc.Scan(); first = false {
		if first {
			continue // the header
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 12 || f[0] != "5" {
			continue
		}
		text := strings.TrimSpace(f[11])
		if text == "" {
			continue
		}
		var n [4]float64
		for i := range n {
			v, err := strconv.Atoi(f[6+i])
			if err != nil {
				return nil, fmt.Errorf("column %d of %q: %w", 7+i, sc.Text(), err)
			}
			n[i] = float64(v)
		}
		conf, err := strconv.ParseFloat(f[10], 64)
		if err != nil {
			return nil, fmt.Errorf("column 11 of %q: %w", sc.Text(), err)
		}
		words = append(words, document.Word{
			Text:       text,
			Box:        document.Box{X: n[0], Y: n[1], W: n[2], H: n[3]},
			Confidence: min(max(math.Round(conf*10)/1000, MinConfidence), 1),
		})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return words, nil
}

// MinConfidence is the least confidence an OCR word is given.
const MinConfidence = 0.01
