package llm

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestReadSchemaFanOut: a schema whose $defs each refer to the next
// several times is refused before its tree is built, naming the limit.
func TestReadSchemaFanOut(t *testing.T) {
	t.Parallel()
	const n, k = 12, 5
	defs := map[string]any{}
	props := func(i int) map[string]any {
		m := map[string]any{}
		for j := range k {
			m[fmt.Sprintf("p%d", j)] = map[string]any{"$ref": fmt.Sprintf("#/$defs/d%d", i)}
			if i == n {
				m[fmt.Sprintf("p%d", j)] = map[string]any{"type": "string"}
			}
		}
		return m
	}
	for i := range n {
		defs[fmt.Sprintf("d%d", i)] = map[string]any{"type": "object", "properties": props(i + 1)}
	}
	raw, _ := json.Marshal(map[string]any{"type": "object", "$defs": defs, "properties": props(0)})
	start := time.Now()
	_, err := readSchema(raw)
	if err == nil || !strings.Contains(err.Error(), "subschemas once its $ref are followed") {
		t.Errorf("readSchema(fan-out) = %v, want the expanded-schema limit", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("readSchema(fan-out) took %s", d)
	}
}
