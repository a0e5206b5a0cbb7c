// Package configcache keeps decoded job configurations by their stored
// text, for the stores to share: every job keeps a copy of its
// configuration, but most copies are of a few saved or often-sent ones, and
// decoding them was a fifth of the time of a listing page (encoding/json
// validates the text twice on the way through Configuration's own
// UnmarshalJSON).
package configcache

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"

	"github.com/quarrylabs/quarry/internal/extract"
)

// size bounds the distinct configuration texts kept decoded.
const size = 1024

// Cache remembers decoded job configurations by their stored text. The zero
// value is ready to use; it is safe for concurrent use.
type Cache struct {
	mu sync.Mutex
	m  map[string]extract.Configuration
}

// Decode returns the configuration stored as b. The result shares no memory
// with the cache, so a caller may change it freely.
func (c *Cache) Decode(b []byte) (extract.Configuration, error) {
	c.mu.Lock()
	cfg, ok := c.m[string(b)]
	c.mu.Unlock()
	if ok {
		return cloneConfiguration(cfg), nil
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return extract.Configuration{}, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= size {
		// Dropping everything is crude but bounded, and a working set
		// larger than the cache just decodes as if there were none.
		c.m = make(map[string]extract.Configuration)
	}
	c.m[string(b)] = cfg
	c.mu.Unlock()
	return cloneConfiguration(cfg), nil
}

// cloneConfiguration copies everything c refers to. TestCloneConfiguration
// fails when Configuration gains a field of a kind this does not handle.
func cloneConfiguration(c extract.Configuration) extract.Configuration {
	c.DataSchema = bytes.Clone(c.DataSchema)
	c.SheetNames = slices.Clone(c.SheetNames)
	if c.MaxPages != nil {
		c.MaxPages = new(*c.MaxPages)
	}
	return c
}
