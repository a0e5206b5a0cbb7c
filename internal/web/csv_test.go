package web

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		result string
		want   string
	}{
		{
			name:   "PerDocScalars",
			result: `{"invoice_number":"INV-1","total":12.5,"vendor":{"name":"Acme","city":null},"tags":["a","b"]}`,
			want:   "invoice_number,total,vendor.name,vendor.city,tags\nINV-1,12.5,Acme,,a; b\n",
		},
		{
			name:   "PerDocArrayAsRows",
			result: `{"number":"7","items":[{"sku":"A","qty":1},{"sku":"B","qty":2}],"total":3}`,
			want:   "number,total,items.sku,items.qty\n7,3,A,1\n7,3,B,2\n",
		},
		{
			name:   "PerTableRow",
			result: `[{"sku":"A","qty":1},{"sku":"B","price":2.5}]`,
			want:   "sku,qty,price\nA,1,\nB,,2.5\n",
		},
		{
			name:   "FormulaKeptAsText",
			result: `{"note":"=HYPERLINK(\"x\")","delta":-3}`,
			want:   "note,delta\n\"'=HYPERLINK(\"\"x\"\")\",-3\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := decodeOrdered([]byte(tt.result))
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := writeCSV(&b, v); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("writeCSV(%s) mismatch (-want +got):\n%s", tt.result, diff)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		detail string
		want   []problem
	}{
		{
			"data_schema is not a valid JSON Schema: at /properties/a/type: value must be one of \"string\"; at /properties/b: got string, want object",
			[]problem{{"/properties/a/type", "value must be one of \"string\""}, {"/properties/b", "got string, want object"}},
		},
		{"data_schema must be a JSON object, not an array", []problem{{"", "data_schema must be a JSON object, not an array"}}},
		{"nesting too deep at the root: 9 levels", []problem{{"/", "9 levels"}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, problems(tt.detail)); diff != "" {
			t.Errorf("problems(%q) mismatch (-want +got):\n%s", tt.detail, diff)
		}
	}
}

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"/ui/jobs/ext-1":       "/ui/jobs/ext-1",
		"":                     "/ui/jobs",
		"//evil.example/ui/":   "/ui/jobs",
		"/ui//evil.example":    "/ui/jobs",
		"https://evil.example": "/ui/jobs",
		"/api/v2/extract":      "/ui/jobs",
	} {
		if got := localPath(next); got != want {
			t.Errorf("localPath(%q) = %q, want %q", next, got, want)
		}
	}
}
