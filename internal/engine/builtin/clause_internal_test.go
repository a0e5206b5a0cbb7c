package builtin

import "testing"

func TestPlaceAt(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, want string }{
		{"New York, without regard to", "New York"},
		{"DELAWARE APPLICABLE TO CONTRACTS", "Delaware"},
		{"the District of Columbia", ""},
		{"District of Columbia.", "District of Columbia"},
		{"California U.S.A. applies", "California"},
		{"New York State without", "New York"},
		{"any other jurisdiction", ""},
		{"England and Wales", "England"},
	}
	for _, tt := range tests {
		if _, _, got := placeAt(tt.text, 0); got != tt.want {
			t.Errorf("placeAt(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want string // "" when no duration is read
	}{
		{"two (2) years", "2 years"},
		{"eighteen months", "18 months"},
		{"one (1) year", "1 year"},
		{"twenty-four (24) months", "24 months"},
		{"a period of 90 days", "90 days"},
		{"three calendar years", "3 years"},
		{"a year", "1 year"},
		{"five percent", ""},
	}
	for _, tt := range tests {
		got := ""
		if m := duration.FindStringSubmatchIndex(tt.text); m != nil {
			got, _ = parseDuration(tt.text, m)
		}
		if got != tt.want {
			t.Errorf("duration in %q = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestPlaceShaped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want bool
	}{
		{"Delaware", true},
		{"the Netherlands", true},
		{"State of California", true},
		{"England and Wales", true},
		{"This Agreement shall be governed by", false},
		{"Forum. This Agreement", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := placeShaped(tt.text); got != tt.want {
			t.Errorf("placeShaped(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}
