package eval_test

import (
	"slices"
	"testing"

	"github.com/quarrylabs/quarry/internal/eval"
)

// TestSplit checks the split on a small manifest worked through by hand.
//
// invoices: 8 documents, so 2 held out and 6 trained on. Family f (3) goes
// first, both parts equally short of their targets (1 and 1): train.
// Family g (2) next: test is short by 2/2, train by 3/6, so test. The three
// single documents find test full (0/2) and go to train.
//
// memos: 4 single documents, 1 held out and 3 trained on, dealt in order
// of their ids' FNV-1a 32-bit hashes: memo-2 (1249946056), memo-3
// (1266723675), memo-1 (1300278913), memo-4 (1350611770). memo-2 ties
// (1/1 and 3/3) and trains; memo-3 is held out (1/1 against 2/3); the
// others train.
func TestSplit(t *testing.T) {
	t.Parallel()
	entries, err := eval.ReadManifest("testdata/split.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	ids := func(es []eval.Entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	if got := entries[0].Type; got != "invoices" {
		t.Errorf("Type = %q, want the source, invoices", got)
	}
	tests := []struct {
		split eval.Split
		want  []string
	}{
		{eval.SplitTest, []string{"inv-g1", "inv-g2", "memo-3"}},
		{eval.SplitTrain, []string{"inv-f1", "inv-f2", "inv-f3", "inv-1", "inv-2", "inv-3", "memo-1", "memo-2", "memo-4"}},
		{eval.SplitAll, ids(entries)},
	}
	for _, tt := range tests {
		if got := ids(tt.split.Select(entries)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Select() = %v, want %v", tt.split, got, tt.want)
		}
	}
	if len(ids(entries)) != 12 {
		t.Errorf("manifest has %d entries, want 12", len(entries))
	}
}

func TestParseSplit(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]eval.Split{"": eval.SplitAll, "all": eval.SplitAll, "train": eval.SplitTrain, "test": eval.SplitTest} {
		if got, err := eval.ParseSplit(in); err != nil || got != want {
			t.Errorf("ParseSplit(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := eval.ParseSplit("dev"); err == nil {
		t.Error("ParseSplit(\"dev\") succeeded, want an error")
	}
}
