package web

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// writeCSV writes a result as a table. An array result (per_page,
// per_table_row) is a row per element. An object result (per_doc) is one
// row, unless it holds arrays of objects (an invoice's line items): then
// each of their elements is a row, with the document's other fields
// repeated on every row so that each row stands alone in a spreadsheet.
// Nested objects become dotted columns ("vendor.name"), arrays of scalars
// one cell joined with "; ", deeper arrays of objects their JSON.
func writeCSV(w io.Writer, v any) error {
	var rows []map[string]string
	var cols []string
	add := func(row map[string]string, keys []string) {
		rows = append(rows, row)
		for _, k := range keys {
			if !slices.Contains(cols, k) {
				cols = append(cols, k)
			}
		}
	}
	switch v := v.(type) {
	case []any:
		for _, item := range v {
			row, keys := map[string]string{}, []string(nil)
			flatten("", item, row, &keys)
			add(row, keys)
		}
	case object:
		base, baseKeys := map[string]string{}, []string(nil)
		var arrays []member
		for _, m := range v {
			if a, ok := m.Value.([]any); ok && allObjects(a) {
				arrays = append(arrays, m)
				continue
			}
			flatten(m.Key, m.Value, base, &baseKeys)
		}
		if len(arrays) == 0 {
			add(base, baseKeys)
		}
		for _, m := range arrays {
			for _, item := range m.Value.([]any) {
				row, keys := map[string]string{}, append([]string(nil), baseKeys...)
				for k, v := range base {
					row[k] = v
				}
				flatten(m.Key, item, row, &keys)
				add(row, keys)
			}
		}
	default:
		row, keys := map[string]string{}, []string(nil)
		flatten("value", v, row, &keys)
		add(row, keys)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, row := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			rec[i] = row[c]
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}

// flatten puts v's cells into row under prefix, noting new columns in keys
// in the order they come.
func flatten(prefix string, v any, row map[string]string, keys *[]string) {
	set := func(k, s string) {
		if _, ok := row[k]; !ok {
			*keys = append(*keys, k)
		}
		row[k] = s
	}
	switch v := v.(type) {
	case object:
		if len(v) == 0 {
			set(prefix, "")
		}
		for _, m := range v {
			flatten(joinPath(prefix, m.Key), m.Value, row, keys)
		}
	case []any:
		if allObjects(v) {
			b, _ := json.Marshal(v)
			set(prefix, string(b))
			return
		}
		parts := make([]string, len(v))
		for i, item := range v {
			parts[i] = scalarText(item)
		}
		set(prefix, strings.Join(parts, "; "))
	default:
		set(prefix, scalarText(v))
	}
}

func scalarText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		// A text cell a spreadsheet would run as a formula (CSV
		// injection) is kept as text; numbers are json.Number and
		// unaffected.
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			return "'" + v
		}
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}
