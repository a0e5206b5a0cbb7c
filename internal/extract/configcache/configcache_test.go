package configcache

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/extract"
)

func TestCacheDecode(t *testing.T) {
	t.Parallel()
	maxPages := 3
	want := extract.Configuration{
		DataSchema: json.RawMessage(`{"type":"object"}`), Tier: extract.TierTurbo, MaxPages: &maxPages,
		SheetNames: []string{"a", "b"}, Version: "2026-01-08",
	}
	text, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var c Cache
	first, err := c.Decode(text)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if d := cmp.Diff(want, first); d != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", d)
	}
	// A caller changing what it got must not change what the next one gets.
	first.DataSchema[0] = 'X'
	first.SheetNames[0] = "changed"
	*first.MaxPages = 99
	second, err := c.Decode(text)
	if err != nil {
		t.Fatalf("Decode again: %v", err)
	}
	if d := cmp.Diff(want, second); d != "" {
		t.Errorf("Decode from the cache mismatch (-want +got):\n%s", d)
	}
	if _, err := c.Decode([]byte(`{"tier":`)); err == nil {
		t.Errorf("Decode(invalid JSON) succeeded")
	}
}

// TestCloneConfiguration guards cloneConfiguration against a new field of
// extract.Configuration that refers to memory and would be shared between
// jobs read from the cache.
func TestCloneConfiguration(t *testing.T) {
	t.Parallel()
	handled := map[string]bool{"DataSchema": true, "SheetNames": true, "MaxPages": true}
	typ := reflect.TypeFor[extract.Configuration]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		switch f.Type.Kind() {
		case reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64, reflect.String:
		default:
			if !handled[f.Name] {
				t.Errorf("extract.Configuration.%s is a %s: make cloneConfiguration copy it, then list it here", f.Name, f.Type)
			}
		}
	}
}

func TestCacheGet(t *testing.T) {
	t.Parallel()
	var c Cache
	builds := 0
	build := func(cfg extract.Configuration, err error) func() (extract.Configuration, error) {
		return func() (extract.Configuration, error) {
			builds++
			return cfg, err
		}
	}
	short := []byte(`{"data_schema":{"type":"object"}}`)
	long := []byte(`{"data_schema":{"type":"object","description":"` + strings.Repeat("x", maxText) + `"}}`)
	errBad := errors.New("bad schema")
	tests := []struct {
		name       string
		text       []byte
		err        error
		wantBuilds int // after the second Get of text
	}{
		{"kept", short, nil, 1},
		{"failure not kept", []byte(`{"data_schema":1}`), errBad, 2},
		{"long text not kept", long, nil, 2},
	}
	for _, tt := range tests {
		builds = 0
		want := extract.Configuration{DataSchema: json.RawMessage(`{"type":"object"}`), Version: tt.name}
		for range 2 {
			got, err := c.Get(tt.text, build(want, tt.err))
			if !errors.Is(err, tt.err) {
				t.Fatalf("%s: Get error = %v, want %v", tt.name, err, tt.err)
			}
			if err == nil && !reflect.DeepEqual(got, want) {
				t.Errorf("%s: Get = %+v, want %+v", tt.name, got, want)
			}
		}
		if builds != tt.wantBuilds {
			t.Errorf("%s: built %d times in two Gets, want %d", tt.name, builds, tt.wantBuilds)
		}
	}
}
