package schemagen

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
)

// FromDocument drafts fields from a document's labelled values, in reading
// order: every "Label: value" line (Markdown emphasis and list markers
// aside, and JSON's "key": value lines too), and every table row of exactly
// two cells, a label and its value (key/value CSV files, two-column Markdown
// tables). Each label becomes a snake_case property whose type is read
// from the value and whose description is the label as written. The first
// of two labels with the same name wins. Wider tables (line items) are left
// out: their rows are not one document-level value each.
func FromDocument(doc *document.Document) []Field {
	var fields []Field
	seen := map[string]bool{}
	add := func(label, value string) {
		label, value = cleanLabel(label), cleanValue(value)
		if !isLabel(label) || !isValue(value) {
			return
		}
		name := snakeCase(label)
		if name == "" || seen[name] {
			return
		}
		seen[name] = true
		p := labelled(name, value)
		p.Description = label
		fields = append(fields, Field{Name: name, Schema: p})
	}
	for _, page := range doc.Pages {
		for _, line := range page.Lines {
			label, value, ok := strings.Cut(line.Text, ":")
			if !ok || strings.HasPrefix(value, "//") {
				continue
			}
			add(label, value)
		}
		for _, t := range page.Tables {
			for _, row := range t.Rows {
				if len(row) == 2 && !headerWords[strings.ToLower(strings.TrimSpace(row[1].Text))] {
					add(row[0].Text, row[1].Text)
				}
			}
		}
	}
	return fields
}

// headerWords head the value column of a key/value table; a row whose value
// is one of them is the header row, not a field.
var headerWords = map[string]bool{"value": true, "values": true, "details": true, "data": true, "answer": true, "description": true, "information": true}

// cleanLabel drops what surrounds a label in Markdown ("**Total**",
// "- Due date") and JSON ("\"total\"").
func cleanLabel(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimLeft(s, "#>-+* \t")
	return strings.TrimSpace(strings.Trim(s, "*_`\"' \t"))
}

// cleanValue drops Markdown emphasis left after the colon ("**Total:** 5"),
// a JSON member's trailing comma and quotes.
func cleanValue(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.Trim(s, "*_`"))
	if strings.HasPrefix(s, `"`) {
		s = strings.TrimSuffix(s, ",")
		s = strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`)
	} else if strings.HasSuffix(s, ",") && !strings.ContainsAny(strings.TrimSuffix(s, ","), " ,") {
		s = strings.TrimSuffix(s, ",")
	}
	return strings.TrimSpace(s)
}

// isLabel says whether text before a colon reads as a field's label: a few
// words starting with a letter, not a sentence, a URL or a table row.
func isLabel(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 48 || strings.ContainsAny(s, "|{}[]<>=/\\") {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsLetter(first) {
		return false
	}
	return len(strings.Fields(s)) <= 6
}

// isValue says whether text after a colon is a value worth a field: not
// empty, and not the start of a nested JSON object or array, nor null
// (which says nothing of the type).
func isValue(s string) bool {
	switch s {
	case "", "{", "[", "{}", "[]", "null", "-", "—":
		return false
	}
	return true
}
