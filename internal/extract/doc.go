// Package extract is Quarry's domain: extraction jobs, their configuration and
// status, the files and saved configurations they refer to, and the interfaces
// the domain needs from the outside world (a Store, a Queue, an Engine).
//
// It depends on the standard library only. Adapters — the HTTP API, the
// SQLite and PostgreSQL stores, the River queue, the engines — import this
// package; it imports none of them.
package extract
