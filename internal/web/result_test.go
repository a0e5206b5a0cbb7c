package web

import "testing"

func TestNodeWide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		result string
		want   bool
	}{
		{"Scalar", `"INV-1"`, false},
		{"ListOfScalars", `["a", "b"]`, false},
		{"FlatObject", `{"number": "7", "total": 3}`, false},
		{"ArrayOfObjects", `[{"sku": "A"}]`, true},
		{"ObjectHoldingRows", `{"vendor": {"name": "Acme", "items": [{"sku": "A"}]}}`, true},
		{"ObjectHoldingAList", `{"tags": ["a"], "vendor": {"name": "Acme"}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := decodeOrdered([]byte(tt.result))
			if err != nil {
				t.Fatal(err)
			}
			if got := build(v, nil, "").Wide(); got != tt.want {
				t.Errorf("build(%s).Wide() = %v, want %v", tt.result, got, tt.want)
			}
		})
	}
}
