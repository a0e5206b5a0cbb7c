package app_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document/docx/docxtest"
	"github.com/quarrylabs/quarry/internal/document/xlsx/xlsxtest"
)

// TestExtractsFromEveryFormat uploads a DOCX, an HTML page and an XLSX
// workbook to the real server and checks that each job completes with the
// values the built-in engine finds in it, cited on the page they are on and
// counting only the pages parsed.
func TestExtractsFromEveryFormat(t *testing.T) {
	t.Parallel()
	s := start(t)
	schema := map[string]any{"type": "object", "properties": map[string]any{
		"invoice_number": map[string]any{"type": "string"},
		"total":          map[string]any{"type": "number"},
	}}
	docx := docxtest.Zip(t, docxtest.Document(
		docxtest.Para("Cover letter"),
		docxtest.P(`<w:r><w:br w:type="page"/></w:r>`),
		docxtest.Para("Invoice number: DOC-31"),
		docxtest.P(`<w:r><w:t xml:space="preserve">Total: </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>310.25</w:t></w:r>`),
	))
	html := []byte(`<!doctype html><html><head><title>x</title><script>var Total = 1;</script></head><body>
<h1>Invoice</h1><p>Invoice number: <b>WEB-7</b></p><p hidden>Total: 1.00</p><p>Total: 77.70</p></body></html>`)
	xlsx := xlsxtest.Workbook(t,
		xlsxtest.Sheet{Name: "Notes", Rows: [][]any{{"nothing to see"}}},
		xlsxtest.Sheet{Name: "Invoice", Rows: [][]any{{"Invoice number:", "XL-5"}, {"Total:", 12.5}}},
	)
	tests := []struct {
		name      string
		file      string
		content   []byte
		config    map[string]any
		want      map[string]any
		wantPage  float64 // of the total's citation
		wantPages float64 // num_pages_extracted
	}{
		{name: "DOCX", file: "invoice.docx", content: docx, config: map[string]any{"target_pages": "2"},
			want: map[string]any{"invoice_number": "DOC-31", "total": 310.25}, wantPage: 2, wantPages: 1},
		{name: "HTML", file: "invoice.html", content: html,
			want: map[string]any{"invoice_number": "WEB-7", "total": 77.7}, wantPage: 1, wantPages: 1},
		{name: "XLSX", file: "invoice.xlsx", content: xlsx, config: map[string]any{"sheet_names": []string{"Invoice"}},
			want: map[string]any{"invoice_number": "XL-5", "total": 12.5}, wantPage: 2, wantPages: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := map[string]any{"data_schema": schema, "cite_sources": true}
			for k, v := range tt.config {
				cfg[k] = v
			}
			created := s.createJob(s.upload(tt.file, tt.content), cfg)
			job := s.waitStatus(created["id"].(string), "COMPLETED", "FAILED")
			if job["status"] != "COMPLETED" {
				t.Fatalf("job ended %v: %v", job["status"], job["error_message"])
			}
			if diff := cmp.Diff(tt.want, job["extract_result"]); diff != "" {
				t.Errorf("extract_result (-want +got):\n%s", diff)
			}
			md := job["extract_metadata"].(map[string]any)["field_metadata"].(map[string]any)["document_metadata"].(map[string]any)
			cit := md["total"].(map[string]any)["citation"].([]any)[0].(map[string]any)
			if cit["page"] != tt.wantPage {
				t.Errorf("total cited on page %v, want %v", cit["page"], tt.wantPage)
			}
			box := cit["bounding_boxes"].([]any)[0].(map[string]any)
			if box["w"].(float64) <= 0 || box["h"].(float64) <= 0 {
				t.Errorf("total bounding box = %v, want a non-empty box", box)
			}
			usage := job["metadata"].(map[string]any)["usage"].(map[string]any)
			if usage["num_pages_extracted"] != tt.wantPages {
				t.Errorf("num_pages_extracted = %v, want %v", usage["num_pages_extracted"], tt.wantPages)
			}
		})
	}
}

func TestFailsBadDocumentsClearly(t *testing.T) {
	t.Parallel()
	s := start(t)
	schema := map[string]any{"type": "object", "properties": map[string]any{"total": map[string]any{"type": "number"}}}
	xlsx := xlsxtest.Workbook(t, xlsxtest.Sheet{Name: "Invoice", Rows: [][]any{{"Total:", 1}}})
	tests := []struct {
		name    string
		file    string
		content []byte
		config  map[string]any
		want    string
	}{
		{"UnknownSheet", "book.xlsx", xlsx, map[string]any{"sheet_names": []string{"Totals"}},
			`sheet_names names "Totals", which is not a sheet of this workbook; its sheets are "Invoice"`},
		{"TargetPagesOutOfRange", "book.xlsx", xlsx, map[string]any{"target_pages": "3-4"},
			"target_pages 3-4 names no page of this document, which has 1 page"},
		{"DamagedDOCX", "letter.docx", append([]byte("PK\x03\x04"), make([]byte, 64)...), nil,
			"the file is not a valid DOCX file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := map[string]any{"data_schema": schema}
			for k, v := range tt.config {
				cfg[k] = v
			}
			created := s.createJob(s.upload(tt.file, tt.content), cfg)
			job := s.waitStatus(created["id"].(string), "COMPLETED", "FAILED")
			if msg, _ := job["error_message"].(string); job["status"] != "FAILED" || !strings.Contains(msg, tt.want) {
				t.Errorf("job = %v %q, want FAILED with %q", job["status"], job["error_message"], tt.want)
			}
		})
	}
}
