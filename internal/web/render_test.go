package web

import "testing"

func TestShortID(t *testing.T) {
	t.Parallel()
	tests := []struct{ id, want string }{
		{"ext-01a252d5-1842-7be0-9b0c-8a80e3f0e2ba", "ext-…e3f0e2ba"},
		{"cfg-01a252d6-0a4f-7632-8f62-a077925561c4", "cfg-…925561c4"},
		{"dfl-123456789", "dfl-123456789"},  // no shorter for the ellipsis
		{"dfl-1234567890", "dfl-…34567890"}, // the first one cut
		{"any-other-long-identifier", "any-…entifier"},
		{"nodash", "nodash"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := shortID(tt.id); got != tt.want {
			t.Errorf("shortID(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}
