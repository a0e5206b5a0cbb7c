package llm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
)

// readTestdata parses testdata/doc and reads testdata/schema.
func readTestdata(tb testing.TB, doc, schema string) (*document.Document, json.RawMessage) {
	tb.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", doc))
	if err != nil {
		tb.Fatal(err)
	}
	d, err := text.Parse(strings.NewReader(string(src)), text.Options{Format: text.FormatText})
	if err != nil {
		tb.Fatalf("parse %s: %v", doc, err)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", schema))
	if err != nil {
		tb.Fatal(err)
	}
	return d, raw
}

// candidatesOf returns the built-in engine's candidates for a top-level
// field, and requires at least two competing values among them.
func candidatesOf(tb testing.TB, doc *document.Document, cfg extract.Configuration, field string) []builtin.Candidate {
	tb.Helper()
	fcs, err := builtin.New().Candidates(context.Background(), doc, cfg)
	if err != nil {
		tb.Fatalf("Candidates: %v", err)
	}
	for _, fc := range fcs {
		if len(fc.Path) == 1 && fc.Path[0] == field {
			if len(fc.Values) < 2 {
				tb.Fatalf("built-in candidates of %s = %+v, want competing values", field, fc.Values)
			}
			return fc.Values
		}
	}
	tb.Fatalf("no built-in candidates for %s", field)
	return nil
}

// TestCandidatesInPrompt checks that the model is shown the values the
// built-in engine weighed, for the fields it is asked for, as suggestions.
func TestCandidatesInPrompt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tier string
		// first answers the first request; the second pass, if any, gets {}.
		first string
		// request is the request to look at (0 first).
		request int
		// shown and hidden are fields whose candidates the request must
		// and must not show.
		shown, hidden []string
	}{
		{name: "Agentic", tier: extract.TierAgentic, first: `{"total": 60.3}`,
			shown: []string{"total", "company", "date"}},
		// The second pass asks for the fields left empty: only theirs.
		{name: "SecondPass", tier: extract.TierAgenticPlus,
			first:   `{"company": "SINAR JAYA HARDWARE SDN BHD", "date": "2018-10-19", "address": "NO 14, JALAN KENARI 5, 47100 PUCHONG, SELANGOR.", "total": null}`,
			request: 1, shown: []string{"total"}, hidden: []string{"company", "date", "address"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, schema := readTestdata(t, "receipt.txt", "receipt.schema.json")
			cfg := extract.Configuration{DataSchema: schema, Tier: tt.tier, ExtractionTarget: extract.TargetPerDoc}
			ms := newModelServer(t, func(w http.ResponseWriter, _ *http.Request, req chatRequest, n int) {
				if n == 0 {
					complete(w, req, tt.first)
					return
				}
				complete(w, req, `{}`)
			})
			if _, err := newEngine(t, ms).Extract(t.Context(), doc, cfg); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			reqs := ms.all()
			if len(reqs) <= tt.request {
				t.Fatalf("server saw %d requests, want more than %d", len(reqs), tt.request)
			}
			prompt := reqs[tt.request].prompt()
			if !strings.Contains(prompt, "suggestions to verify against the document's text, not answers") {
				t.Errorf("prompt does not present the candidates as suggestions:\n%s", prompt)
			}
			fcs, err := builtin.New().Candidates(t.Context(), doc, cfg)
			if err != nil {
				t.Fatalf("Candidates: %v", err)
			}
			for _, fc := range fcs {
				var vals []string
				for _, v := range fc.Values {
					vals = append(vals, fmt.Sprintf("%s (%.2f, p%d)", v.Value, v.Confidence, v.Page))
				}
				line := "- " + fc.Path[0] + " candidates: " + strings.Join(vals, ", ") + "\n"
				switch {
				case contains(tt.shown, fc.Path[0]) && !strings.Contains(prompt, line):
					t.Errorf("prompt lacks %q:\n%s", line, prompt)
				case contains(tt.hidden, fc.Path[0]) && strings.Contains(prompt, "- "+fc.Path[0]+" candidates:"):
					t.Errorf("prompt shows candidates of %s, a field it does not ask for:\n%s", fc.Path[0], prompt)
				}
			}
			// The receipt's two totals, the one before the rounding line too.
			total := candidatesOf(t, doc, cfg, "total")
			if !strings.Contains(prompt, fmt.Sprintf("60.31 (%.2f, p1)", total[1].Confidence)) {
				t.Errorf("prompt lacks the runner-up total 60.31:\n%s", prompt)
			}
		})
	}
}

// TestCandidateGrounding checks that a model's value equal to one the
// built-in engine weighed is cited where the built-in engine read it,
// though the same amount stands earlier on the page.
func TestCandidateGrounding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		total string
		// candidate is the index of the built-in candidate the answer
		// must be cited at, or -1 for an answer it did not weigh.
		candidate int
		// wantText and wantY are the citation of an answer not weighed.
		wantText string
		wantY    float64
	}{
		{name: "Chosen", total: "60.30", candidate: 0},
		// 60.31 stands on the SUB TOTAL line first, then on the TOTAL line
		// the built-in engine read it from.
		{name: "RunnerUp", total: "60.31", candidate: 1},
		{name: "NotWeighed", total: "70.30", candidate: -1, wantText: "70.30", wantY: 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, schema := readTestdata(t, "receipt.txt", "receipt.schema.json")
			cfg := extract.Configuration{DataSchema: schema, Tier: extract.TierAgentic, ExtractionTarget: extract.TargetPerDoc}
			ms := newModelServer(t, reply(`{"total": `+tt.total+`}`))
			out, err := newEngine(t, ms).Extract(t.Context(), doc, cfg)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			d := decode(t, out)
			cites, _ := d.field("total")["citation"].([]any)
			if len(cites) != 1 {
				t.Fatalf("total citations = %v, want one", cites)
			}
			cite := cites[0].(map[string]any)
			box := cite["bounding_boxes"].([]any)[0].(map[string]any)
			wantPage, wantText, wantY := 1.0, tt.wantText, tt.wantY
			if tt.candidate >= 0 {
				c := candidatesOf(t, doc, cfg, "total")[tt.candidate]
				wantPage, wantText, wantY = float64(c.Page), c.Text, c.Box.Y
				var v, got float64
				json.Unmarshal(c.Value, &v)
				json.Unmarshal([]byte(tt.total), &got)
				if v != got {
					t.Fatalf("built-in candidate %d of total = %s, want %s", tt.candidate, c.Value, tt.total)
				}
			}
			if cite["page"] != wantPage || cite["matching_text"] != wantText || box["y"] != wantY {
				t.Errorf("total %s cited at %v, want page %v %q at y %v", tt.total, cite, wantPage, wantText, wantY)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
