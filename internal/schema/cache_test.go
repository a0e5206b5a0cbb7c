package schema

import (
	"encoding/json"
	"testing"
)

// TestValidateCached: a schema validated again answers from the cache with
// the same bytes, and a caller changing what it got changes nothing for
// the next caller.
func TestValidateCached(t *testing.T) {
	raw := json.RawMessage(`{"properties": {"total": {"type": "number"}}}`)
	first, err := Validate(raw)
	if err != nil {
		t.Fatalf("Validate(%s) = %v", raw, err)
	}
	want := string(first)
	first[0] = 'X'
	second, err := Validate(raw)
	if err != nil {
		t.Fatalf("Validate(%s) again = %v", raw, err)
	}
	if string(second) != want {
		t.Errorf("Validate(%s) again = %s, want %s", raw, second, want)
	}
}

// TestValidateInstanceCached: results checked against one schema share its
// compiled form, and each is still judged on its own.
func TestValidateInstanceCached(t *testing.T) {
	sch := json.RawMessage(`{"type": "object", "properties": {"total": {"type": "number"}}}`)
	for _, tc := range []struct {
		value string
		ok    bool
	}{
		{`{"total": 1}`, true},
		{`{"total": "one"}`, false},
		{`{"total": 2}`, true},
	} {
		err := ValidateInstance(sch, json.RawMessage(tc.value))
		if (err == nil) != tc.ok {
			t.Errorf("ValidateInstance(%s) = %v, want ok %v", tc.value, err, tc.ok)
		}
	}
}

// TestBoundedCache: the cache never holds more than cacheSize entries.
func TestBoundedCache(t *testing.T) {
	var c boundedCache[int]
	for i := range cacheSize + 10 {
		c.put([32]byte{byte(i), byte(i >> 8)}, i)
	}
	if n := len(c.m); n != cacheSize {
		t.Errorf("after %d puts the cache holds %d entries, want %d", cacheSize+10, n, cacheSize)
	}
}
