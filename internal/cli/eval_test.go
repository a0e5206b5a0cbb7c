package cli

import "testing"

func TestEvalUsageErrors(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	for _, args := range [][]string{
		{"eval"},
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
