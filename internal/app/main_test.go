package app_test

import (
	"net/http"
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that servers stopped by the tests leave no goroutine
// behind: a stopped App must have stopped its queue, HTTP server and store.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// Idle keep-alive connections of the tests' own HTTP client.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.Cleanup(func(int) { http.DefaultClient.CloseIdleConnections() }),
	)
}
