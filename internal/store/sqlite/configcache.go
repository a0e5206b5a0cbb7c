package sqlite

import (
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/extract/configcache"
)

// configCache is the cache of decoded job configurations every store
// shares (configcache.Cache), under the method name this package's job
// scanner calls.
type configCache struct{ configcache.Cache }

func (c *configCache) decode(b []byte) (extract.Configuration, error) { return c.Decode(b) }
