// Package client is the Go client of the Quarry API, which is also the
// LlamaCloud Extract v2 API: the same program works against a Quarry server
// and the hosted service by changing only the base URL.
//
// A Client groups the API's resources as fields: Files (uploads), Extract
// (extraction jobs and schemas) and Configurations (saved configurations).
// Every call takes a context and returns a typed value or an error; errors
// from the server are *APIError, which IsNotFound, IsConflict and the other
// helpers classify.
//
// Listings come two ways. List returns an iter.Seq2 that fetches pages as
// it is ranged over, the Go counterpart of the TypeScript client's
// "for await (const job of client.extract.list())"; ListPage fetches one
// page and returns the token of the next, for callers who keep their place
// themselves (a web page, a resumable export).
//
// Extraction is asynchronous: Extract.Create starts a job, and
// Extract.WaitForCompletion polls it with backoff until it ends. Extract.Run
// does both, like the TypeScript client's extract.run.
//
// Requests that fail with 429 or a 5xx status, or that do not reach the
// server, are retried with exponential backoff and jitter, waiting as long
// as a Retry-After header asks. Job creation is retried safely because each
// create carries an Idempotency-Key: a retried create returns the job the
// first attempt made instead of starting a second one.
//
// The types of the wire format live in package apitype; the ones most
// programs need are aliased here (Job, File, Configuration, …).
package client
