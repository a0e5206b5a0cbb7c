package schema

import (
	"crypto/sha256"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// cacheSize bounds each cache below: distinct schemas kept, per cache.
const cacheSize = 512

// Most requests send one of a few schemas, again and again (a client
// extracting invoices sends the same six fields with every job), and
// compiling one costs far more than the rest of a create request: about
// 0.15 ms for a six-field schema, against a few microseconds to hash it.
// Both results are functions of the schema's bytes alone, so they are kept
// by the SHA-256 of those bytes.
var (
	// validated holds what Validate returned for schemas it accepted, as
	// a string so that no caller can change the cached copy. Refusals are
	// not kept: they are rare, and each is worded afresh.
	validated boundedCache[string]
	// compiled holds ValidateInstance's compiled schemas. A compiled
	// *jsonschema.Schema is read-only; each validation keeps its own state,
	// so one is safe to share between goroutines.
	compiled boundedCache[*jsonschema.Schema]
)

// boundedCache maps a hash to a value, holding at most cacheSize entries.
type boundedCache[V any] struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]V
}

func (c *boundedCache[V]) get(key [sha256.Size]byte) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

// put stores v, first evicting an arbitrary entry when the cache is full:
// map iteration order is unspecified, which makes that a random eviction,
// cheap and good enough when a few schemas make most of the traffic.
func (c *boundedCache[V]) put(key [sha256.Size]byte, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[[sha256.Size]byte]V)
	}
	if _, ok := c.m[key]; !ok && len(c.m) >= cacheSize {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[key] = v
}
