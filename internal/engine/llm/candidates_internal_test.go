package llm

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
)

// TestRenderCandidates checks that the prompt's candidates stay bounded:
// the fields asked for only, the pages shown only, long values cut short.
func TestRenderCandidates(t *testing.T) {
	t.Parallel()
	n, err := readSchema(json.RawMessage(`{"type": "object", "properties": {
		"total": {"type": "number"},
		"seller": {"type": "object", "properties": {"address": {"type": "string"}}},
		"items": {"type": "array", "items": {"type": "string"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("Harbour Road ", 10)
	cand := func(v string, conf float64, page int) builtin.Candidate {
		return builtin.Candidate{Value: json.RawMessage(v), Confidence: conf, Page: page, Text: v}
	}
	cs := candidates{
		{Path: []string{"total"}, Values: []builtin.Candidate{cand("60.3", 0.834, 1), cand("60.31", 0.749, 2), cand("70.3", 0.3, 1), cand("10", 0.2, 1)}},
		{Path: []string{"seller", "address"}, Values: []builtin.Candidate{cand(string(mustJSON(long)), 0.5, 1)}},
		{Path: []string{"customer"}, Values: []builtin.Candidate{cand(`"Northwind"`, 0.9, 1)}},
	}
	cut := string(mustJSON(string([]rune(long)[:maxCandidateRunes]) + "…"))
	tests := []struct {
		name  string
		pages []int // nil: all
		want  []string
	}{
		{name: "AllPages", want: []string{
			"- total candidates: 60.3 (0.83, p1), 60.31 (0.75, p2), 70.3 (0.30, p1)",
			"- seller.address candidates: " + cut + " (0.50, p1)",
		}},
		{name: "Page2", pages: []int{2}, want: []string{
			"- total candidates: 60.31 (0.75, p2)",
		}},
		{name: "Page3", pages: []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var pages []document.Page
			for _, p := range tt.pages {
				pages = append(pages, document.Page{Number: p})
			}
			got := cs.render(n, pages)
			want := ""
			if tt.want != nil {
				want = candidatesHeader + "\n" + strings.Join(tt.want, "\n")
			}
			if got != want {
				t.Errorf("render() =\n%s\nwant\n%s", got, want)
			}
		})
	}
}
