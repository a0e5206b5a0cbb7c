package s3server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// staleModules compares every package package-lock.json pins with the one
// installed, and says what differs ("" when nothing does).
func staleModules(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return "", fmt.Errorf("read lock file: %w", err)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		return "", fmt.Errorf("parse package-lock.json: %w", err)
	}
	for path, pkg := range lock.Packages {
		if path == "" || pkg.Version == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(path), "package.json"))
		if errors.Is(err, fs.ErrNotExist) {
			return path + " is not installed", nil
		}
		if err != nil {
			return "", fmt.Errorf("read installed %s: %w", path, err)
		}
		var installed struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(b, &installed); err != nil {
			return "", fmt.Errorf("parse installed %s/package.json: %w", path, err)
		}
		if installed.Version != pkg.Version {
			return fmt.Sprintf("%s is %s, the lock file pins %s", path, installed.Version, pkg.Version), nil
		}
	}
	return "", nil
}
