package app_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/document/docx/docxtest"
	"github.com/quarrylabs/quarry/internal/document/pdf/pdftest"
	"github.com/quarrylabs/quarry/internal/document/xlsx/xlsxtest"
)

// hostileCase is a small file that asks the parser for a great deal.
type hostileCase struct {
	name string
	file string // the upload's name, whose extension helps detection
	make func(tb testing.TB) []byte
	// want is in the job's error_message: the limit it names.
	want string
	// args are more flags for the server.
	args []string
}

// hostileCases are the shapes of input that once took the server's memory,
// in each format where they apply. Files are made here, at the size that
// proves the point; none is kept in the repository.
var hostileCases = []hostileCase{
	// 55 KB: 2,000 cells each asking for 1,000 columns and 65,534 rows.
	{"HTMLSpanTable", "spans.html", func(testing.TB) []byte {
		row := "<tr>" + strings.Repeat(`<td colspan=1000 rowspan=65534>x</td>`, 50) + "</tr>"
		return []byte("<html><body><table>" + strings.Repeat(row, 40) + "</table></body></html>")
	}, "(limit --max-table-cells)", nil},
	{"HTMLManyWords", "words.html", func(testing.TB) []byte {
		return []byte("<html><body><p>" + strings.Repeat("w ", 2_500_000) + "</p></body></html>")
	}, "(limit --max-words)", nil},
	{"HTMLHugeWord", "word.html", func(testing.TB) []byte {
		return []byte("<html><body><p>" + strings.Repeat("x", 40<<20) + "</p></body></html>")
	}, "(limit --max-line-length)", nil},
	// Tags that show nothing: the parser's tree, not the words, is the cost.
	{"HTMLManyEmptyTags", "tags.html", func(testing.TB) []byte {
		return []byte("<html><body><p>x</p>" + strings.Repeat("<b></b>", 3_000_000) + "</body></html>")
	}, "(limit --max-elements)", nil},
	// One 60 MB line of commas: sixty million empty fields.
	{"CSVOneLineOfCommas", "commas.csv", func(testing.TB) []byte {
		return []byte(strings.Repeat(",", 60<<20))
	}, "(limit --max-line-length)", nil},
	{"CSVManyCells", "cells.csv", func(testing.TB) []byte {
		return []byte(strings.Repeat("a,b,c,d,e,f,g,h,i,j\n", 110_000))
	}, "(limit --max-table-cells)", nil},
	// 40 MB on one line: twenty million words.
	{"TextOneLine", "line.txt", func(testing.TB) []byte {
		return []byte(strings.Repeat("a ", 20<<20))
	}, "(limit --max-line-length)", nil},
	{"TextNewlines", "newlines.txt", func(testing.TB) []byte {
		return []byte(strings.Repeat("\n", 40<<20))
	}, "(limit --max-document-pages)", nil},
	{"TextManyWords", "words.txt", func(testing.TB) []byte {
		return []byte(strings.Repeat(strings.Repeat("w ", 40)+"\n", 60_000))
	}, "(limit --max-words)", nil},
	{"MarkdownOneLine", "line.md", func(testing.TB) []byte {
		return []byte("# Title\n" + strings.Repeat("| a ", 10<<20))
	}, "(limit --max-line-length)", nil},
	// Lines of pipes under a table's header: each a row of 20,000 cells.
	{"MarkdownPipeTable", "pipes.md", func(testing.TB) []byte {
		return []byte("|a|b|\n|-|-|\n" + strings.Repeat(strings.Repeat("|x", 20_000)+"|\n", 1000))
	}, "(limit --max-table-cells)", nil},
	{"JSONHugeString", "string.json", func(testing.TB) []byte {
		return []byte(`{"a": "` + strings.Repeat("x", 40<<20) + `"}`)
	}, "(limit --max-line-length)", nil},
	// A few hundred KB holding 100 MiB of words after one rendered page
	// end, so that every word is on one page.
	{"DOCXHugeWordsOnePage", "words.docx", func(tb testing.TB) []byte {
		return docxtest.Zip(tb, docxtest.Document(docxtest.P(`<w:r><w:lastRenderedPageBreak/><w:t>`+strings.Repeat("w ", 50<<20)+`</w:t></w:r>`)))
	}, "(limit --max-text-bytes)", nil},
	{"DOCXWordsOnePage", "page.docx", func(tb testing.TB) []byte {
		return docxtest.Zip(tb, docxtest.Document(docxtest.P(`<w:r><w:lastRenderedPageBreak/><w:t>`+strings.Repeat("w ", 300_000)+`</w:t></w:r>`)))
	}, "(limit --max-words-per-page)", nil},
	{"DOCXManyBreaks", "breaks.docx", func(tb testing.TB) []byte {
		return docxtest.Zip(tb, docxtest.Document(docxtest.P(`<w:r><w:t>x</w:t>`+strings.Repeat(`<w:br/>`, 3_000_000)+`</w:r>`)))
	}, "(limit --max-elements)", nil},
	{"DOCXSpannedTable", "table.docx", func(tb testing.TB) []byte {
		row := `<w:tr><w:tc><w:tcPr><w:gridSpan w:val="64"/></w:tcPr><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc></w:tr>`
		return docxtest.Zip(tb, docxtest.Document(`<w:tbl>`+strings.Repeat(row, 20_000)+`</w:tbl>`))
	}, "(limit --max-table-cells)", nil},
	// Shared strings that inflate to 200 MiB.
	{"XLSXInflatingSharedStrings", "strings.xlsx", func(tb testing.TB) []byte {
		return withPart(tb, xlsxtest.Workbook(tb, xlsxtest.Sheet{Name: "S", Rows: [][]any{{"a"}}}), "xl/sharedStrings.xml", func(w io.Writer) {
			io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
			si := []byte(strings.Repeat(`<si><t>abcdefgh</t></si>`, 4096))
			for n := 0; n < 200<<20; n += len(si) {
				w.Write(si)
			}
			io.WriteString(w, `</sst>`)
		})
	}, "(limit --max-table-cells)", nil},
	{"XLSXManyCells", "cells.xlsx", func(tb testing.TB) []byte {
		return withPart(tb, xlsxtest.Workbook(tb, xlsxtest.Sheet{Name: "S", Rows: [][]any{{"a"}}}), "xl/worksheets/sheet1.xml", func(w io.Writer) {
			io.WriteString(w, `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
			cells := strings.Repeat(`<c><v>1</v></c>`, 100)
			for r := 1; r <= 11_000; r++ {
				fmt.Fprintf(w, `<row r="%d">%s</row>`, r, cells)
			}
			io.WriteString(w, `</sheetData></worksheet>`)
		})
	}, "(limit --max-table-cells)", nil},
	// 1 MB whose content stream inflates to 1 GiB.
	{"PDFFlateBomb", "bomb.pdf", func(testing.TB) []byte { return pdftest.FlateBomb(1 << 30) }, "(limit --max-pdf-stream-bytes)", nil},
	// The same bomb with the stream check out of the way: PDFium runs
	// into its instance's memory cap, a trap that fails the job at once.
	{"PDFFlateBombInPDFium", "bomb.pdf", func(testing.TB) []byte { return pdftest.FlateBomb(1 << 30) }, "(limit --pdf-memory-limit)", []string{"--max-pdf-stream-bytes", "8589934592"}},
	// The largest page PDF allows, 200 inches square, in lines of 2,000
	// words.
	{"PDFWordsOnePage", "page.pdf", func(testing.TB) []byte {
		line := "(" + strings.Repeat("w ", 2000) + ") Tj T*\n"
		return pdftest.BuildPage(14400, 14400, []byte("BT /F1 4 Tf 6 TL 10 14390 Td\n"+strings.Repeat(line, 60)+"ET"), true)
	}, "(limit --max-words-per-page)", nil},
}

// largestAccepted are documents just under the limits: they must complete,
// within the same ceiling, or the limits are set too high for it.
var largestAccepted = []hostileCase{
	{"CSVJustUnderCells", "cells.csv", func(testing.TB) []byte {
		return []byte("Invoice Number,Total\n" + strings.Repeat("a,b,c,d,e,f,g,h,i,j\n", 99_000))
	}, "", nil},
	{"HTMLJustUnderWords", "words.html", func(testing.TB) []byte {
		return []byte("<html><body>" + strings.Repeat("<p>"+strings.Repeat("w ", 40)+"</p>", 49_000) + "</body></html>")
	}, "", nil},
	{"TextJustUnderWords", "words.txt", func(testing.TB) []byte {
		return []byte(strings.Repeat(strings.Repeat("w ", 40)+"\n", 49_000))
	}, "", nil},
}

// TestHostileInputs runs each hostile case against the real binary under a
// memory ceiling: the job must fail within a minute naming the limit it
// hit, the server's peak resident memory while it ran must stay under
// 1 GiB, and a normal job afterwards must complete. It prints the peak per
// case, which docs/reliability.md reports.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the quarry binary on large generated files")
	}
	bin := buildQuarry(t)
	key := "qry_hostile-test-key-0123456789abcdef"
	t.Setenv("GOMEMLIMIT", "768MiB")
	const ceiling = 1 << 30
	t.Logf("%-28s %10s %12s %8s", "case", "file", "peak RSS", "time")
	for _, tc := range slices.Concat(hostileCases, largestAccepted) {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.make(t)
			// A server of its own, so that the peak is this case's and
			// not memory an earlier case left to the Go runtime.
			cmd, base := runQuarry(t, bin, t.TempDir(), key, append([]string{"--workers", "2"}, tc.args...)...)
			s := &server{tb: t, base: base, key: key}
			pid := cmd.Process.Pid
			// PDFium starts in the background as the server does; a PDF
			// job waits for it, so that its start is not in the peak.
			warm(t, s)
			resetPeak(t, pid)
			began := time.Now()
			fileID := s.upload(tc.file, data)
			job := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})
			got := s.waitStatusWithin(job["id"].(string), time.Minute, "COMPLETED", "FAILED", "CANCELLED")
			took := time.Since(began)
			peak := peakRSS(t, pid)
			t.Logf("%-28s %10s %8d MiB %8s", tc.name, size(len(data)), peak>>20, took.Round(10*time.Millisecond))
			msg, _ := got["error_message"].(string)
			switch {
			case tc.want == "" && got["status"] != "COMPLETED":
				t.Errorf("job = %v (%q), want COMPLETED", got["status"], msg)
			case tc.want != "" && (got["status"] != "FAILED" || !strings.Contains(msg, tc.want)):
				t.Errorf("job = %v (%q), want FAILED naming %q", got["status"], msg, tc.want)
			}
			if peak >= ceiling {
				t.Errorf("peak RSS %d MiB, want under %d MiB", peak>>20, ceiling>>20)
			}

			// The server is whole: a normal job completes.
			fileID = s.upload("invoice.txt", testdata(t, "invoice.txt"))
			job = s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})
			got = s.waitStatusWithin(job["id"].(string), 30*time.Second, "COMPLETED", "FAILED")
			if got["status"] != "COMPLETED" {
				t.Errorf("normal job after the case = %v (%v), want COMPLETED", got["status"], got["error_message"])
			}
		})
	}

	// A server runs a job per worker: the costliest cases at once, one
	// per worker, must stay under the ceiling together, bombs and the
	// largest documents accepted alike.
	for _, pair := range [][2]string{{"DOCXHugeWordsOnePage", "HTMLManyWords"}, {"CSVJustUnderCells", "HTMLJustUnderWords"}} {
		t.Run("TwoAtOnce/"+pair[0]+"+"+pair[1], func(t *testing.T) { twoAtOnce(t, bin, key, pair) })
	}
}

// twoAtOnce runs the two named cases at once on one server of two workers.
func twoAtOnce(t *testing.T, bin, key string, names [2]string) {
	const ceiling = 1 << 30
	{
		cmd, base := runQuarry(t, bin, t.TempDir(), key, "--workers", "2")
		s := &server{tb: t, base: base, key: key}
		warm(t, s)
		var files, ids []string
		var want []string
		for _, tc := range slices.Concat(hostileCases, largestAccepted) {
			if tc.name == names[0] || tc.name == names[1] {
				files = append(files, s.upload(tc.file, tc.make(t)))
				want = append(want, tc.want)
			}
		}
		resetPeak(t, cmd.Process.Pid)
		began := time.Now()
		for _, f := range files {
			ids = append(ids, s.createJob(f, map[string]any{"data_schema": invoiceSchema})["id"].(string))
		}
		for i, id := range ids {
			got := s.waitStatusWithin(id, time.Minute, "COMPLETED", "FAILED", "CANCELLED")
			msg, _ := got["error_message"].(string)
			switch {
			case want[i] == "" && got["status"] != "COMPLETED":
				t.Errorf("job %d = %v (%q), want COMPLETED", i, got["status"], msg)
			case want[i] != "" && (got["status"] != "FAILED" || !strings.Contains(msg, want[i])):
				t.Errorf("job %d = %v (%q), want FAILED naming %q", i, got["status"], msg, want[i])
			}
		}
		peak := peakRSS(t, cmd.Process.Pid)
		t.Logf("%-28s %10s %8d MiB %8s", names[0]+"+"+names[1], "", peak>>20, time.Since(began).Round(10*time.Millisecond))
		if peak >= ceiling {
			t.Errorf("peak RSS %d MiB, want under %d MiB", peak>>20, ceiling>>20)
		}
	}
}

// warm runs a small PDF job to completion.
func warm(tb testing.TB, s *server) {
	tb.Helper()
	fileID := s.upload("total.pdf", pdftest.Build([]byte("BT /F1 12 Tf 72 720 Td (Invoice Number: INV-7) Tj ET"), false))
	job := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})
	got := s.waitStatusWithin(job["id"].(string), time.Minute, "COMPLETED", "FAILED")
	if got["status"] != "COMPLETED" {
		tb.Fatalf("small PDF job = %v (%v), want COMPLETED", got["status"], got["error_message"])
	}
}

// resetPeak resets the process's peak resident memory (VmHWM), so that the
// next reading is the peak since now.
func resetPeak(tb testing.TB, pid int) {
	tb.Helper()
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		tb.Skipf("cannot reset the peak RSS of the server (%v): this test needs Linux", err)
	}
}

// peakRSS reads the process's peak resident memory in bytes.
func peakRSS(tb testing.TB, pid int) int64 {
	tb.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				tb.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb << 10
		}
	}
	tb.Fatal("no VmHWM in /proc/PID/status")
	return 0
}

func size(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// withPart returns the zip data with one part's content written by fill,
// streamed into the archive so that a part of hundreds of MiB is never
// held whole.
func withPart(tb testing.TB, data []byte, name string, fill func(io.Writer)) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	found := false
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			tb.Fatal(err)
		}
		if f.Name == name {
			fill(w)
			found = true
			continue
		}
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		_, err = io.Copy(w, rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if !found {
		tb.Fatalf("the archive has no part %s to replace", name)
	}
	return buf.Bytes()
}
