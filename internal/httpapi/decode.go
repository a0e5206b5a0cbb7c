package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

// decodeJSON reads a JSON request body into v, refusing unknown fields,
// trailing data and bodies over the limit, with a detail naming the problem.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, s.cfg.MaxBodyBytes)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return extract.Errorf(extract.CodeMalformed, "request body has data after the JSON object")
	}
	return nil
}

func jsonError(err error, limit int64) error {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
		message = err.Error()
	)
	switch {
	case errors.Is(err, io.EOF):
		return extract.Errorf(extract.CodeMalformed, "request body is empty; send a JSON object")
	case errors.As(err, &tooBig):
		return extract.Errorf(extract.CodeTooLarge, "request body is larger than the limit of %d bytes", limit)
	case errors.As(err, &syntax):
		return extract.Errorf(extract.CodeMalformed, "request body is not valid JSON: %s (at byte %d)", syntax.Error(), syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return extract.Errorf(extract.CodeMalformed, "request body is not valid JSON: it ends too early")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return extract.Errorf(extract.CodeMalformed, "request body must be a JSON object")
		}
		return extract.Errorf(extract.CodeInvalid, "field %s must be %s, not %s", field, typeName(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(message, "json: unknown field "):
		return extract.Errorf(extract.CodeInvalid, "unknown field %s in request body", strings.TrimPrefix(message, "json: unknown field "))
	}
	return extract.Errorf(extract.CodeMalformed, "request body could not be read: %v", err)
}

func typeName(kind string) string {
	switch kind {
	case "bool":
		return "a boolean"
	case "int", "int64", "float64":
		return "a number"
	case "slice":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	case "string":
		return "a string"
	}
	return kind
}

// pageSize reads page_size: default 50, from 1 to 1000.
func pageSize(r *http.Request) (int, error) {
	v := r.URL.Query().Get("page_size")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, extract.Errorf(extract.CodeInvalid, "page_size must be a whole number from 1 to 1000, got %q", v)
	}
	return n, nil
}

// parseTimeParam reads an RFC 3339 timestamp or a bare date (that day's
// start, UTC).
func parseTimeParam(name, v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, extract.Errorf(extract.CodeInvalid, "%s %q is not a timestamp: use RFC 3339 like 2024-01-31T09:30:00Z, or a date like 2024-01-31", name, v)
}

// multi returns a repeatable query parameter's values, also splitting
// comma-separated lists, which some clients send instead of repeating.
func multi(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// parseExpand reads expand; allowed lists what this endpoint accepts.
func parseExpand(r *http.Request, allowed ...string) (expansions, error) {
	var ex expansions
	for _, v := range multi(r, "expand") {
		ok := false
		for _, a := range allowed {
			if v == a {
				ok = true
			}
		}
		if !ok {
			return ex, extract.Errorf(extract.CodeInvalid, "expand %q is not one of %s", v, strings.Join(allowed, ", "))
		}
		switch v {
		case "configuration":
			ex.configuration = true
		case "extract_metadata":
			ex.extractMetadata = true
		case "metadata":
			ex.metadata = true
		case "usage":
			// The hosted service's name for what a job cost: the credits,
			// and the usage counts in metadata beside them.
			ex.metadata, ex.usage = true, true
		case "total_size":
			ex.totalSize = true
		case "download_url":
			ex.downloadURL = true
		}
	}
	return ex, nil
}

func fmtMillis(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmt.Sprint(t.UnixMilli())
}
