package extract

import "testing"

func TestParseFileOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want FileOrder
	}{
		{"", FileOrderCreated},
		{"created_at", FileOrderCreated},
		{"name", FileOrderName},
		{"id", FileOrderID},
	}
	for _, tt := range tests {
		got, err := ParseFileOrder(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseFileOrder(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	// The client documents these as rejected: a direction, several
	// fields, a field it does not order by.
	for _, in := range []string{"size desc", "name desc", "name asc", "created_at desc", "name,id", " name", "NAME", "size"} {
		if got, err := ParseFileOrder(in); ErrorCode(err) != CodeInvalid {
			t.Errorf("ParseFileOrder(%q) = %q, %v; want a CodeInvalid error", in, got, err)
		}
	}
}
