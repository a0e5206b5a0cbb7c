package builtin_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
)

// fanOutSchema returns a schema of n definitions, each an object of k
// properties that all refer to the next definition, the root holding k of
// the first: k^n fields once expanded, from a couple of kilobytes of text.
func fanOutSchema(n, k int) json.RawMessage {
	ref := func(i int) string {
		if i == n {
			return `{"type":"string"}`
		}
		return fmt.Sprintf(`{"$ref":"#/$defs/d%d"}`, i)
	}
	props := func(i int) string {
		var b strings.Builder
		for j := range k {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"p%d":%s`, j, ref(i))
		}
		return "{" + b.String() + "}"
	}
	var defs []string
	for i := range n {
		defs = append(defs, fmt.Sprintf(`"d%d":{"type":"object","properties":%s}`, i, props(i+1)))
	}
	return json.RawMessage(fmt.Sprintf(`{"type":"object","$defs":{%s},"properties":%s}`, strings.Join(defs, ","), props(0)))
}

// manyPages returns a text document of n short invoice pages.
func manyPages(tb testing.TB, n int) *document.Document {
	tb.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Invoice number: %d\nTotal: %d.00 EUR\nDate: 2024-01-%02d\nSeller: Acme GmbH\n\f", i, i, i%28+1)
	}
	return parseText(tb, b.String(), text.FormatText)
}

// TestExtractFanOutSchema: a schema whose expansion is exponential is
// refused at once, with the limit named, instead of being walked.
func TestExtractFanOutSchema(t *testing.T) {
	t.Parallel()
	doc := parseText(t, "Total: 12.00 EUR\n", text.FormatText)
	for _, n := range []int{6, 12, 40} {
		start := time.Now()
		_, err := builtin.New().Extract(context.Background(), doc, extract.Configuration{DataSchema: fanOutSchema(n, 5)})
		if extract.ErrorCode(err) != extract.CodeInvalid || !strings.Contains(extract.ErrorMessage(err), "subschemas once its $ref are followed") {
			t.Errorf("Extract(fan-out of %d definitions) = %v, want the expanded-schema limit", n, err)
		}
		if d := time.Since(start); d > slowdown*200*time.Millisecond {
			t.Errorf("Extract(fan-out of %d definitions) took %s, want a quick refusal", n, d)
		}
	}
}

// TestExtractCancel: a run over a long document with a large schema stops
// within a second of its context's end.
func TestExtractCancel(t *testing.T) {
	t.Parallel()
	doc := manyPages(t, 6000)
	schema := fanOutSchema(4, 5) // 625 fields, within the limits
	for _, target := range []string{extract.TargetPerDoc, extract.TargetPerPage} {
		t.Run(target, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := builtin.New().Extract(ctx, doc, extract.Configuration{DataSchema: schema, ExtractionTarget: target})
			if d := time.Since(start); d > slowdown*time.Second+100*time.Millisecond {
				t.Errorf("Extract(%s) returned %s after start, want within a second of the cancel", target, d)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Extract(%s) = %v, want the context's error", target, err)
			}
		})
	}
}

// TestExtractCancelInOnePage: a run over one tall page (thousands of
// lines, each read for thousands of fields) also stops within a second of
// its context's end, not at the end of the page.
func TestExtractCancelInOnePage(t *testing.T) {
	t.Parallel()
	props := map[string]any{}
	for i := range 5000 {
		props[fmt.Sprintf("field_%d_total_amount", i)] = map[string]any{"type": "string", "description": "the total amount due"}
	}
	schema, err := json.Marshal(map[string]any{"type": "object", "properties": props})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := range 6000 {
		fmt.Fprintf(&b, "Invoice number: %d Total: %d.00 EUR\n", i, i)
	}
	doc := parseText(t, b.String(), text.FormatText)
	// The pages stacked into one.
	tall := document.Page{Number: 1, Width: doc.Pages[0].Width}
	for _, p := range doc.Pages {
		first := len(tall.Words)
		for _, w := range p.Words {
			w.Box.Y += tall.Height
			tall.Words = append(tall.Words, w)
		}
		for _, l := range p.Lines {
			moved := document.Line{Text: l.Text, Box: l.Box}
			moved.Box.Y += tall.Height
			for _, wi := range l.Words {
				moved.Words = append(moved.Words, first+wi)
			}
			tall.Lines = append(tall.Lines, moved)
		}
		tall.Height += p.Height
	}
	doc.Pages = []document.Page{tall}
	// The schema's plan is built once and kept: built here, it is not
	// part of what the cancel must interrupt.
	cfg := extract.Configuration{DataSchema: schema}
	if _, err := builtin.New().Extract(context.Background(), parseText(t, "Total: 1\n", text.FormatText), cfg); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = builtin.New().Extract(ctx, doc, cfg)
	if d := time.Since(start); d > slowdown*time.Second+100*time.Millisecond {
		t.Errorf("Extract(one page of %d lines) returned %s after start, want within a second of the cancel", len(tall.Lines), d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Extract(one page of %d lines) = %v, want the context's error", len(tall.Lines), err)
	}
}
