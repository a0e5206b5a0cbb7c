package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEvalUsageErrors(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	manifest := filepath.Join("testdata", "evalcorpus", "manifest.jsonl")
	for _, args := range [][]string{
		{"eval"},
		{"eval", "--manifest", manifest, "--out", out, "--split", "dev"},
		{"eval", "--manifest", manifest, "--out", out, "--paraphrase", filepath.Join(out, "missing.json")},
		{"eval", "generate"},
		{"eval", "generate", "--out", out, "--types", "nope"},
		{"eval", "generate", "--out", out, "--formats", "png"},
		{"eval", "generate", "--out", out, "--count", "0"},
	} {
		if code, _, _ := run(t, args...); code != 2 {
			t.Errorf("quarry %v exited %d, want 2", args, code)
		}
	}
}

// TestEvalSplitParaphrase runs eval over a small manifest in the shape of
// documents gathered from elsewhere (a source, no type, keys eval does not
// know), whole and then on its held-out part with reworded schemas, whose
// answers come back under the schema's own names.
func TestEvalSplitParaphrase(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "evalcorpus")
	tests := []struct {
		name  string
		args  []string
		wants []string
		docs  int
	}{
		{"All", nil, []string{"4 documents", "receipts", "values at >= 0.9:"}, 4},
		{"TestParaphrased", []string{"--split", "test", "--paraphrase", filepath.Join(dir, "paraphrase.json")},
			[]string{"1 documents", "test split; schemas paraphrased", "receipts"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			code, stdout, stderr := run(t, append([]string{"eval", "--manifest", filepath.Join(dir, "manifest.jsonl"), "--out", out}, tt.args...)...)
			if code != 0 {
				t.Fatalf("quarry eval exited %d: %s", code, stderr)
			}
			for _, want := range tt.wants {
				if !strings.Contains(stdout, want) {
					t.Errorf("output has no %q:\n%s", want, stdout)
				}
			}
			preds, _ := filepath.Glob(filepath.Join(out, "r[0-9].json"))
			if len(preds) != tt.docs {
				t.Fatalf("%d predictions, want %d", len(preds), tt.docs)
			}
			for _, p := range preds {
				var pred struct {
					Result map[string]any `json:"result"`
				}
				data, err := os.ReadFile(p)
				if err != nil || json.Unmarshal(data, &pred) != nil {
					t.Fatalf("prediction %s: %v", p, err)
				}
				for _, key := range []string{"shop", "date", "total"} {
					if _, ok := pred.Result[key]; !ok {
						t.Errorf("%s: result %v has no %q", filepath.Base(p), pred.Result, key)
					}
				}
			}
		})
	}
}
