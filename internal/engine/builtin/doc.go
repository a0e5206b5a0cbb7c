// Package builtin is Quarry's built-in extraction engine: it fills a schema
// from the labels and values a document writes ("Total: $1,234.56"), with
// no model and no network, and never invents a value. What it cannot find
// is null.
//
// # Scope
//
// The engine fills the top-level scalar properties of the schema: string,
// number, integer and boolean, their unions with null (["string","null"],
// or anyOf/oneOf branches as Pydantic writes Optional), enum and const,
// and the string formats date (written as YYYY-MM-DD), date-time (RFC 3339
// only) and email. $ref to #/$defs/… or #/definitions/… (any local JSON
// pointer) and allOf are resolved. Properties that are objects or arrays
// are null for now, with confidence 0 and no citation: nested schemas are
// the next step. Every property of the schema appears in the result, in
// the schema's order, and a value is used only if it meets the property's
// type and constraints (enum, minimum and maximum, multipleOf, minLength,
// maxLength, pattern), so a result validates against the schema except
// that a property not found is null even when the schema does not allow
// null.
//
// # Finding a value
//
// A property is looked for under its name in any case style (invoice_number,
// invoiceNumber and InvoiceNumber all read "invoice number"), its title, and
// a short list of synonyms for common business fields (total: amount due,
// balance due, grand total; vendor: seller, supplier, from; date: invoice
// date, issued; a trailing "number": no, #, num, nr; email: e-mail; …).
// Labels match whatever their case and the punctuation, quotes or Markdown
// emphasis around them.
//
// On each line the engine looks for a label followed by a separator — a
// colon, an equals sign, a dash between spaces, a tab, or a column gap of two
// spaces or more — and takes the rest of that column as the value. A line of
// JSON ("key": value,) is such a line. A label standing alone on its line
// takes its value from the next line with text (at most two blank lines
// below), from the part under the label. In a table (CSV rows, Markdown
// pipe tables) a cell naming a field takes the next non-empty cell of its
// row. A value that is itself a label (a header row) or says it is absent
// ("N/A", "none", "-", JSON null) is not a value.
//
// Values are read by the property's type: amounts with currency symbols or
// ISO codes, thousands separators in either decimal convention (1,234.56 and
// 1.234,56) and accounting parentheses; percentages as the number written
// (15% is 15); booleans as yes/no, true/false, y/n; enum members in any
// case; dates from the common written forms (see parseDate for the rules on
// ambiguous numeric dates). Text that does not fit the type is passed over
// and the search goes on.
//
// # Confidence
//
// Each candidate value scores label × place × parse:
//
//   - label: the property name 0.95, its title 0.90, a synonym 0.80, a fuzzy
//     match (a parenthetical qualifier such as "Total (USD)", a plural, or one
//     typo in a label of six letters or more) 0.60;
//   - place: on the label's line or in the next cell 1.0, on the next line 0.85;
//   - parse: the value already in its type's canonical form 1.0 (1234.56,
//     2024-03-05, true), coerced 0.9 ($1,234.56, 5 March 2024, Yes).
//
// The best-scored candidate wins (the first in reading order on a tie).
// Every other value found for the property lowers the confidence: by 40%
// times that value's best score over the winner's, so two equally good
// labels disagreeing leave 60% of the score. Confidences are between 0 and
// 0.95 and rounded to three decimals.
//
// # Metadata
//
// Every property has an entry in the field metadata, mirroring the result:
// a found value has one citation (its page, its text as the document writes
// it, and one box covering exactly its characters) and its confidence; a
// null value has an empty citation list and confidence 0, so a client can
// tell "looked and did not find" from a missing key. The engine always
// fills both citations and confidences; whether a job shows them
// (cite_sources, confidence_scores) is for the API to decide.
//
// # Targets
//
// per_doc gives one object from the whole document; per_page one object per
// page of the document, each from that page alone; per_table_row one
// object per data row of the document's tables (see tableRows), and an
// empty array for a document without tables. A value never spans pages.
//
// # Usage
//
// NumPagesExtracted is the number of pages of the document the engine was
// given (target_pages and max_pages applied). NumDocumentTokens is the number
// of words, standing in for tokens since the engine has no tokenizer.
// NumOutputTokens is the result's JSON length over four, the usual
// bytes-per-token rule of thumb.
package builtin
