package extract

import (
	"errors"
	"fmt"
)

// Code classifies an error for the user. The HTTP layer maps each code to one
// status in a single table; everything else in Quarry only chooses a code.
type Code string

const (
	CodeInvalid         Code = "invalid"           // well-formed but unacceptable input (422)
	CodeMalformed       Code = "malformed"         // the request could not be read at all (400)
	CodeUnauthorized    Code = "unauthorized"      // no credentials, or unknown ones (401)
	CodeForbidden       Code = "forbidden"         // credentials that may not act there (403)
	CodeNotFound        Code = "not_found"         // absent, or belonging to another project (404)
	CodeConflict        Code = "conflict"          // the resource's state forbids the change (409)
	CodeTooLarge        Code = "too_large"         // a body or file over a limit (413)
	CodeTooManyRequests Code = "too_many_requests" // rate limited (429)
	CodeStorageFull     Code = "storage_full"      // the server is out of disk space (507)
	CodeUnavailable     Code = "unavailable"       // the server cannot do it now; retry later (503)
	CodeInternal        Code = "internal"          // our fault; the user sees "internal error"
)

// Error is a domain error: a code, and a message written for the user.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// CodeInternal when there is none.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain, or "internal error" when there is none, so that no internal detail
// reaches a user.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// StorageFull returns cause as a CodeStorageFull error, for a write that
// failed for lack of disk space: the user is told it is the server's
// condition, not their request's, and that retrying later may work.
func StorageFull(cause error) error {
	return fmt.Errorf("%w: %w", Errorf(CodeStorageFull,
		"the server is out of disk space, so nothing was changed; try again later, or ask its administrator to free space"), cause)
}

// IsNotFound reports whether err carries CodeNotFound.
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }
