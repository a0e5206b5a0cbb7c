package builtin

import (
	"crypto/sha256"
	"encoding/json"
	"sync"
)

// planCacheSize bounds the schemas whose plans are kept.
const planCacheSize = 512

// plans keeps the plans of recently seen schemas by the SHA-256 of their
// text. Reading a schema and building its plan cost about as much as
// reading a one-page document, and most jobs share a schema with many
// others; a plan is only read once built, so jobs running at once share it.
var plans planCache

type planCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]*plan
}

// planFor returns the plan of the data schema raw, building it on a miss.
// A schema the engine cannot read is not kept.
func planFor(raw json.RawMessage) (*plan, error) {
	key := sha256.Sum256(raw)
	plans.mu.Lock()
	pl, ok := plans.m[key]
	plans.mu.Unlock()
	if ok {
		return pl, nil
	}
	root, err := readSchema(raw)
	if err != nil {
		return nil, err
	}
	pl = newPlan(root)
	plans.mu.Lock()
	defer plans.mu.Unlock()
	if plans.m == nil {
		plans.m = make(map[[sha256.Size]byte]*plan)
	}
	if len(plans.m) >= planCacheSize {
		// Map iteration order is unspecified: this evicts an arbitrary
		// plan, cheaply, which is enough when a few schemas make most of
		// the traffic.
		for k := range plans.m {
			delete(plans.m, k)
			break
		}
	}
	plans.m[key] = pl
	return pl, nil
}
