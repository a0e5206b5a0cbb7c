// Package configcache keeps decoded job configurations by their text: every
// job keeps a copy of its configuration, but most copies are of a few saved
// or often-sent ones. The stores share one for the configurations they read
// (decoding them was a fifth of the time of a listing page: encoding/json
// validates the text twice on the way through Configuration's own
// UnmarshalJSON); the API keeps one for those clients send, which it also
// checks against the JSON Schema specification on a miss.
package configcache

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"

	"github.com/quarrylabs/quarry/internal/extract"
)

// size bounds the distinct configuration texts kept decoded, and maxText
// the length of one: a schema may be megabytes long, and a thousand of
// those are more memory than the decoding they would save is worth.
const (
	size    = 1024
	maxText = 64 << 10
)

// Cache remembers decoded job configurations by their stored text. The zero
// value is ready to use; it is safe for concurrent use.
type Cache struct {
	mu sync.Mutex
	m  map[string]extract.Configuration
}

// Decode returns the configuration stored as b. The result shares no memory
// with the cache, so a caller may change it freely.
func (c *Cache) Decode(b []byte) (extract.Configuration, error) {
	return c.Get(b, func() (extract.Configuration, error) {
		var cfg extract.Configuration
		err := json.Unmarshal(b, &cfg)
		return cfg, err
	})
}

// Get returns the configuration kept for the text b, or else the one build
// makes of it, which it keeps unless build fails or b is long. build must depend on b
// alone. The result shares no memory with the cache.
func (c *Cache) Get(b []byte, build func() (extract.Configuration, error)) (extract.Configuration, error) {
	c.mu.Lock()
	cfg, ok := c.m[string(b)]
	c.mu.Unlock()
	if ok {
		return cloneConfiguration(cfg), nil
	}
	cfg, err := build()
	if err != nil {
		return extract.Configuration{}, err
	}
	if len(b) > maxText {
		return cfg, nil
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
