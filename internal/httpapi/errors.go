package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/quarrylabs/quarry/internal/extract"
)

// statusOf is the one table from domain error codes to HTTP status.
var statusOf = map[extract.Code]int{
	extract.CodeMalformed:       http.StatusBadRequest,
	extract.CodeInvalid:         http.StatusUnprocessableEntity,
	extract.CodeUnauthorized:    http.StatusUnauthorized,
	extract.CodeForbidden:       http.StatusForbidden,
	extract.CodeNotFound:        http.StatusNotFound,
	extract.CodeConflict:        http.StatusConflict,
	extract.CodeTooLarge:        http.StatusRequestEntityTooLarge,
	extract.CodeTooManyRequests: http.StatusTooManyRequests,
	extract.CodeStorageFull:     http.StatusInsufficientStorage,
	extract.CodeUnavailable:     http.StatusServiceUnavailable,
	extract.CodeInternal:        http.StatusInternalServerError,
}

// statusClientClosed records a request whose client disconnected first.
const statusClientClosed = 499

// errorBody is the API's error reply.
type errorBody struct {
	Detail string `json:"detail"`
}

// writeError replies with the error's status and its user-facing message.
// Only internal errors are logged: the rest are the user's to fix and are
// already said in the reply.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := extract.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status == http.StatusInternalServerError && errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away before the reply: nobody reads it, and it
		// is no fault of ours. Metrics and logs say so (nginx's 499)
		// instead of counting a server error.
		status = statusClientClosed
	}
	if status == http.StatusInternalServerError {
		log.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()))
	}
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="quarry"`)
	case http.StatusConflict:
		// The official clients retry a 409 as if it were a lock timeout,
		// several times with backoff, unless told otherwise. Ours is a
		// state (a finished job cannot be cancelled) that no retry changes.
		w.Header().Set("X-Should-Retry", "false")
	}
	writeJSON(w, status, errorBody{Detail: extract.ErrorMessage(err)})
}

// writeJSON writes v as the reply body. Encoding our own types cannot fail
// short of a broken connection, which there is no one left to tell.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
