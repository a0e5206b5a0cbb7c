// Package id makes resource identifiers: a type prefix and a UUIDv7
// ("ext-0193…"). Version 7 UUIDs start with the time, so new rows land at the
// end of every index ordered by id, and ids sort in creation order.
package id

import (
	"strings"

	"github.com/google/uuid"
)

// Prefixes of Quarry's resources.
const (
	Job           = "ext"
	File          = "dfl"
	Configuration = "cfg"
	Project       = "prj"
	Organization  = "org"
	APIKey        = "key"
	ParseJob      = "pjb"
	Webhook       = "whc" // a saved webhook configuration
	Delivery      = "whd" // one event sent to one webhook
	Event         = "evt" // a job's status change, as webhooks see it
)

// New returns a new id with the given prefix.
func New(prefix string) string {
	return prefix + "-" + uuid.Must(uuid.NewV7()).String()
}

// Valid reports whether s is a well-formed id with the given prefix.
func Valid(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"-")
	if !ok {
		return false
	}
	_, err := uuid.Parse(rest)
	return err == nil && len(rest) == 36
}
