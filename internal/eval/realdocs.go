package eval

import (
	"os"
	"path/filepath"
)

// RealDocs finds the real documents Quarry is measured on: the directory
// shared/realdocs beside the repository that holds dir (../shared/realdocs
// from its root), or beside one of the directories above it. It returns ""
// when there is none. The documents are not part of the repository, so
// tests and fits that read them look for them and say so when they are
// absent.
func RealDocs(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	root := abs
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			root = abs
			break
		}
		root = parent
	}
	for d := filepath.Dir(root); ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "shared", "realdocs")
		if _, err := os.Stat(filepath.Join(cand, "manifest.jsonl")); err == nil {
			return cand
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}
