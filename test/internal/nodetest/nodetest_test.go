package nodetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStaleModules(t *testing.T) {
	t.Parallel()
	const lock = `{"lockfileVersion": 3, "packages": {
		"": {"name": "x", "version": "0.0.0"},
		"node_modules/@scope/pkg": {"version": "2.16.0"}}}`
	tests := []struct {
		name      string
		lock      string
		installed string // node_modules/@scope/pkg/package.json; "" for none
		want      string // part of the reason; "" for up to date
		wantErr   bool
	}{
		{name: "UpToDate", lock: lock, installed: `{"version": "2.16.0"}`},
		{name: "Missing", lock: lock, want: "@scope/pkg is not installed"},
		{name: "OtherVersion", lock: lock, installed: `{"version": "2.15.1"}`, want: "is 2.15.1, the lock file pins 2.16.0"},
		{name: "BadLock", lock: `{`, wantErr: true},
		{name: "BadInstalled", lock: lock, installed: `{`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			write(t, filepath.Join(dir, "package-lock.json"), tt.lock)
			if tt.installed != "" {
				write(t, filepath.Join(dir, "node_modules", "@scope", "pkg", "package.json"), tt.installed)
			}
			got, err := staleModules(dir)
			if (err != nil) != tt.wantErr {
				t.Fatalf("staleModules() error = %v, want error %v", err, tt.wantErr)
			}
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("staleModules() = %q, want %q", got, tt.want)
			}
		})
	}
}

func write(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}
