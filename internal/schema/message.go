package schema

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/quarrylabs/quarry/internal/extract"
)

// maxProblems is how many problems an error message lists. A user fixes one
// or two things at a time; a wall of metaschema output helps nobody.
const maxProblems = 3

var printer = message.NewPrinter(language.English)

// describe words a validation error as at most maxProblems problems, each
// "at <JSON pointer>: <what is wrong>".
//
// The library reports a tree: every keyword that failed, down to the leaves.
// Only the leaves say something a user can act on, and among the branches of
// an anyOf or oneOf most are noise ("got string, want array" from the
// alternative the user did not mean), so those are pruned.
func describe(verr *jsonschema.ValidationError) string {
	leaves := collect(verr)
	type line struct{ ptr, text string }
	lines := make([]line, len(leaves))
	for i, l := range leaves {
		lines[i] = line{l.ptr, at(l.ptr) + ": " + shorten(problem(l.kind), maxProblemLen)}
	}
	// In document order, and the same from one try to the next.
	slices.SortFunc(lines, func(a, b line) int {
		return cmp.Or(strings.Compare(a.ptr, b.ptr), strings.Compare(a.text, b.text))
	})
	lines = slices.Compact(lines)
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = l.text
	}
	if len(texts) > maxProblems {
		more := len(texts) - maxProblems
		texts = append(texts[:maxProblems], fmt.Sprintf("and %d more", more))
	}
	return strings.Join(texts, "; ")
}

// maxProblemLen bounds the words for one problem, which may quote a value:
// a result's string can be long.
const maxProblemLen = 300

// shorten cuts s to at most max characters, marking the cut.
func shorten(s string, max int) string {
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

// leaf is one failed keyword that has no failed keywords below it.
type leaf struct {
	ptr  string // where, in the validated document
	kind jsonschema.ErrorKind
}

// collect returns the leaves of the error tree below e, pruned.
func collect(e *jsonschema.ValidationError) []leaf {
	ptr := pointer(e.InstanceLocation)
	if len(e.Causes) == 0 {
		return []leaf{{ptr, e.ErrorKind}}
	}
	var out []leaf
	for _, c := range e.Causes {
		out = append(out, collect(c)...)
	}
	switch e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		out = pruneAlternatives(ptr, out)
	}
	return out
}

// pruneAlternatives drops, from the failures of an anyOf or oneOf at ptr, the
// alternatives that failed only because the value had another type: when
// another alternative got further, that one is what the user meant. When
// none did, the type mismatches are merged into one ("got number, want
// boolean, object or array").
func pruneAlternatives(ptr string, leaves []leaf) []leaf {
	var types []*kind.Type
	var rest []leaf
	for _, l := range leaves {
		if t, ok := l.kind.(*kind.Type); ok && l.ptr == ptr {
			types = append(types, t)
			continue
		}
		rest = append(rest, l)
	}
	if len(rest) > 0 || len(types) == 0 {
		return rest
	}
	merged := &kind.Type{Got: types[0].Got}
	for _, t := range types {
		for _, w := range t.Want {
			if !slices.Contains(merged.Want, w) {
				merged.Want = append(merged.Want, w)
			}
		}
	}
	return []leaf{{ptr, merged}}
}

// problem words one failed keyword. The common ones are worded here, with
// values in JSON as the user wrote them; the rest keep the library's words.
func problem(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		return fmt.Sprintf("got %s, want %s", k.Got, orList(k.Want))
	case *kind.Enum:
		const shown = 10
		var want []string
		for i, v := range k.Want {
			if i == shown {
				want = append(want, "…")
				break
			}
			want = append(want, jsonText(v))
		}
		if len(want) == 1 {
			return "value must be " + want[0]
		}
		return "value must be one of " + strings.Join(want, ", ")
	case *kind.Const:
		return "value must be " + jsonText(k.Want)
	case *kind.Required:
		if len(k.Missing) == 1 {
			return "missing property " + jsonText(k.Missing[0])
		}
		return "missing properties " + quotedList(k.Missing)
	case *kind.AdditionalProperties:
		if len(k.Properties) == 1 {
			return "property " + jsonText(k.Properties[0]) + " is not allowed"
		}
		return "properties " + quotedList(k.Properties) + " are not allowed"
	}
	return k.LocalizedString(printer)
}

// compileError words an error of the compiler for the user, naming where in
// the schema it is when the library does not.
func compileError(doc any, err error) *extract.Error {
	var (
		sve       *jsonschema.SchemaValidationError
		load      *jsonschema.LoadURLError
		notFound  *jsonschema.JSONPointerNotFoundError
		anchor    *jsonschema.AnchorNotFoundError
		dupID     *jsonschema.DuplicateIDError
		dupAnchor *jsonschema.DuplicateAnchorError
	)
	switch {
	case errors.As(err, &sve):
		var verr *jsonschema.ValidationError
		if errors.As(sve.Err, &verr) {
			return invalid("data_schema is not a valid JSON Schema: %s", describe(verr))
		}
	case errors.As(err, &load):
		where, ref := locateRef(doc, load.URL, false)
		return invalid("data_schema%s refers to %q, outside data_schema: a reference may only point inside the schema, like \"#/$defs/name\"; Quarry never fetches URLs or reads files for a schema",
			where, ref)
	case errors.As(err, &notFound):
		where, ref := locateRef(doc, notFound.URL, true)
		return invalid("data_schema%s refers to %q, which is not in the schema", where, ref)
	case errors.As(err, &anchor):
		where, ref := locateRef(doc, anchor.Reference, true)
		return invalid("data_schema%s refers to %q, which is not in the schema", where, ref)
	case errors.As(err, &dupID):
		p1, p2 := ordered(dupID.Ptr1, dupID.Ptr2)
		return invalid("data_schema is not a valid JSON Schema: the schemas %s and %s have the same \"$id\" (%q)",
			at(p1), at(p2), shortURL(dupID.ID))
	case errors.As(err, &dupAnchor):
		p1, p2 := ordered(dupAnchor.Ptr1, dupAnchor.Ptr2)
		return invalid("data_schema is not a valid JSON Schema: the schemas %s and %s have the same anchor %q",
			at(p1), at(p2), dupAnchor.Anchor)
	}
	return invalid("data_schema is not a valid JSON Schema: %s", cleanURLs(err.Error()))
}

// ordered returns a and b in order: the library finds duplicates in map
// order, and a message should not change from one try to the next.
func ordered(a, b string) (string, string) {
	if b < a {
		return b, a
	}
	return a, b
}

// locateRef finds the reference in doc that resolves to target, to show
// where it is (" at /properties/a/$ref") and how the user wrote it. Without
// it, the target is shown as the compiler resolved it.
func locateRef(doc any, target string, withFragment bool) (where, ref string) {
	ptr, raw, ok := findRef(doc, target, withFragment)
	if !ok {
		return "", shortURL(target)
	}
	return " " + at(ptr), raw
}

// findRef returns the pointer to the first reference in doc that resolves,
// against baseURL, to target (ignoring fragments unless withFragment), and
// the reference as written. It ignores $id, so it may miss a reference made
// relative to one; that only costs the message its location.
func findRef(doc any, target string, withFragment bool) (ptr, ref string, found bool) {
	base, _ := url.Parse(baseURL)
	want, err := url.Parse(target)
	if err != nil {
		return "", "", false
	}
	if !withFragment {
		want.Fragment, want.RawFragment = "", ""
	}
	var find func(v any, ptr string) (string, string, bool)
	find = func(v any, ptr string) (string, string, bool) {
		switch v := v.(type) {
		case []any:
			for i, e := range v {
				if p, r, ok := find(e, fmt.Sprintf("%s/%d", ptr, i)); ok {
					return p, r, true
				}
			}
		case map[string]any:
			for _, k := range sortedKeys(v) {
				p := ptr + "/" + escape(k)
				switch k {
				case "$ref", "$dynamicRef", "$recursiveRef", "$schema":
					s, ok := v[k].(string)
					if !ok {
						continue
					}
					u, err := url.Parse(s)
					if err != nil {
						continue
					}
					got := base.ResolveReference(u)
					if !withFragment {
						got.Fragment, got.RawFragment = "", ""
					}
					if got.String() == want.String() {
						return p, s, true
					}
				default:
					if p, r, ok := find(v[k], p); ok {
						return p, r, true
					}
				}
			}
		}
		return "", "", false
	}
	return find(doc, "")
}

// at words a place in a document: "at /properties/total", or "at the root".
func at(ptr string) string {
	if ptr == "" {
		return "at the root"
	}
	return "at " + ptr
}

// pointer builds a JSON pointer (RFC 6901) from its tokens.
func pointer(tokens []string) string {
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(escape(t))
	}
	return sb.String()
}

// escape escapes one token of a JSON pointer.
func escape(tok string) string {
	tok = strings.ReplaceAll(tok, "~", "~0")
	return strings.ReplaceAll(tok, "/", "~1")
}

// locationPointer turns the location of a compiled subschema of the
// document ("<baseURL>#/properties/a") into a JSON pointer.
func locationPointer(loc string) string {
	frag, ok := strings.CutPrefix(loc, baseURL+"#")
	if !ok {
		return ""
	}
	if p, err := url.PathUnescape(frag); err == nil {
		return p
	}
	return frag
}

// shortURL shows a URL the way the user wrote it when it is relative to the
// document, rather than resolved against our private baseURL.
func shortURL(u string) string {
	if rest, ok := strings.CutPrefix(u, baseURL); ok {
		if rest == "" {
			return "#"
		}
		return rest
	}
	if rest, ok := strings.CutPrefix(u, baseURLDir); ok {
		return rest
	}
	return u
}

// baseURLDir is what relative references resolve against.
var baseURLDir = baseURL[:strings.LastIndexByte(baseURL, '/')+1]

// cleanURLs removes baseURL from a library message, where it would puzzle
// the user who never wrote it.
func cleanURLs(msg string) string {
	msg = strings.ReplaceAll(msg, baseURL, "")
	return strings.ReplaceAll(msg, baseURLDir, "")
}

// jsonText shows a value as JSON, shortened when long.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return shorten(string(b), 60)
}

func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = jsonText(n)
	}
	return strings.Join(q, ", ")
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
