// Package builtin is Quarry's built-in extraction engine: it fills a schema
// from the labels, blocks and tables a document writes ("Total: $1,234.56",
// "Bill To:" over an address, a table of line items), with no model and no
// network, and never invents a value. What it cannot find is null.
//
// # Schema
//
// The engine reads the schema as a tree (schema.go): scalars (string,
// number, integer, boolean, enum and const, their unions with null, the
// formats date, date-time, email and uri), nested objects, arrays of
// scalars and arrays of objects. $ref to any local JSON pointer, allOf, and
// simple anyOf/oneOf (an object or array branch, or scalar branches, with
// or without null) are resolved; a recursive schema is followed ten levels
// deep. A value is used only if it meets its property's type and
// constraints (enum, minimum and maximum, multipleOf, minLength, maxLength,
// pattern, maxItems, uniqueItems).
//
// The result validates against the schema without a value being made up.
// A property nothing was found for is null where the schema allows null;
// otherwise an object stands with its own properties absent (and is left
// out if that leaves it empty), an array is empty, and a scalar is left out
// when optional. A required scalar that may not be null gets a placeholder
// of its type (the first value of its enum, false, 0 or the bound nearest
// it, the empty string) with confidence 0 and a reasoning saying it was not
// found, as the hosted service's model, held to the schema, gives a value.
//
// # Finding a value
//
// A property is looked for under its name in any case style (invoice_number,
// invoiceNumber and InvoiceNumber all read "invoice number"), its title, the
// labels its description quotes (or the description itself when it is as
// short as a label), and a vocabulary of synonyms for business fields
// (total: amount due, balance due, grand total; vendor: seller, supplier,
// from; customer: bill to, sold to; a trailing "number": no, #, num, nr; …).
// Labels match whatever their case and the punctuation, quotes or Markdown
// emphasis around them; one typo in a label of six letters or more, a
// plural, a parenthetical ("Total (EUR)"), a rate ("VAT 20%") or a scan's
// "rn" for "m" ("Date Subrnitted") is a fuzzy match.
//
// A property of a nested object is named by its parent's label and its own
// ("customer email", "bill to e-mail") anywhere, and by its own label alone
// inside its parent's section: the block under a line that is the parent's
// label ("Bill To:", "Vendor", "Ship To"), in the column that line starts.
// Outside any section such a label still counts, with less confidence, when
// it names one property only. The unlabelled lines of a section fill its
// object's e-mail and phone by their look, then its name (the first line)
// and its address (the rest, joined by ", ").
//
// A line is cut into segments at wide gaps (a tab, two spaces, a gap wider
// than a character and a half) and at pipes. In a segment, a label followed
// by a separator (a colon, an equals sign, a dash between spaces) has its
// value after it. A label alone in its segment takes the next segment of
// its row if that fits, else the nearest segment below it that overlaps it
// horizontally, at most two blank lines down, so that a row of labels over
// a row of values reads in columns; a value stops where the next label's
// column starts, even when the layout ran it into its neighbour, and an
// address wrapped in its column reads as one line. Under the header of a table of several
// rows that value is one of many, and scores low. In a table row, a cell
// naming a field takes the next non-empty cell ("Subtotal | | 1,286.00").
// A label that ends its line takes the nearest segment to its right on the
// same row, when the reading order cut the row between them. A value that
// is itself a label (one misread letter included), or says it is absent
// ("N/A", "-", a rule), is not a value.
//
// The name of whoever a document is from or about (a top-level name,
// full_name, merchant_name, vendor) that no label gives is read from the
// document's first line, as receipts and résumés print it, when that line
// reads as a name: a few words, no digits, no label, no document title.
//
// # Receipts and letterheads
//
// A field whose words ask for the issuer's name (company, merchant, shop,
// vendor, seller, "the business that issued the receipt") or address, and
// name no other party (customer, buyer, billing, shipping), is read from
// the letterhead of the first page (issuer.go): the first line with a
// legal form (SDN BHD, GmbH, Inc., S/B, Enterprise), joined with the lines
// above it when the form stands alone ("…MALAYSIA" over "SDN BHD"), or the
// name-like line above the address; the address from the first line with
// a street word and a number or a postcode to the line before a phone, a
// tax or registration number or a date, one short place-name line past the
// postcode at most. Dates are also read inside lines (dates.go: "ORD #50
// 18/01/2018 10:27"), for a date field no label filled: after a word of
// its name, after "date", or as the document's only or first date; a
// field that asks for a particular date takes only one its words
// introduce, unless no line uses those words. Numeric dates that no date
// of the document settles are read day first in a document that names a
// currency or a tax other than the US dollar's world (RM, €, GST, VAT).
//
// Amounts ending a line are read under the labels the words before them
// hold, with no separator (amounts.go: "TOTAL ROUNDED RM 33.90"), and
// every candidate of a number field is then judged by the qualifiers of
// its label against those of the field's words: sub, net or excluding
// tax, including tax, a tax alone or a rate, a count, a discount, a
// payment, a deposit. A qualifier the field does not ask for makes the
// amount another one (×0.25), one it asks for confirms it (×1.15); an
// amount in a row of amounts, an amount of zero, and a whole number where
// other amounts are written as money count less; a final amount equal to
// what was paid (cash less change) counts more; and for a field asking
// for a final amount (a total, gross, due or payable) the last of the
// nearly best amounts on the best one's page wins, since a document's
// totals run towards the final one. A value scored under 0.25 is no
// value: the field is left null.
//
// Fields named in other words than documents print find the labels of
// cue concepts (concepts.go) when a word of their name calls for one and
// none rules it out: amount_paid and grand_sum take a total's labels
// ("Total", "Amount due", "Gesamtbetrag", "Total TTC"), a position's or
// line's sum a line amount's, bill_no an invoice number's, sponsor an
// advertiser's, all below every label of the field's own.
//
// Values are read by type (value.go): amounts with currency symbols or ISO
// codes, thousands separators in either decimal convention and accounting
// parentheses, and a unit of measure after them ("41.5 kg", "30 days"; a
// property named with its unit, notice_period_days, is labelled without
// it); percentages as the number written; booleans as yes/no,
// true/false, y/n; enum members in any case; dates from the common written
// forms to ISO 8601, numeric ones day first or month first as the
// document's unambiguous dates show (the column's own dates first, in a
// table); e-mail addresses; URIs (a bare web address gains https://). A
// string field whose name says phone, e-mail, URL or identifier takes only
// text that looks like one. Text that does not fit is passed over and the
// search goes on.
//
// # Invoices
//
// A field whose words (name, title and description) say it is an
// invoice's number, date, seller or buyer name, VAT id, currency, net,
// tax or grand total or amount due has that concept (concept.go), and is
// looked for under the labels invoices print for it in English, German,
// French, Dutch and Spanish (vocabulary.go: Rechnungsnummer, Bruttosumme,
// montant HT, factuurnummer, importe…), whatever the field is called. Its
// values must look the part: a VAT id has a country prefix and its
// country's format (a national tax number is not one), a currency is an
// ISO code or a sign naming one currency (€ reads EUR), a name is no
// address line and no label. Readers (invoice.go) add what no "label:
// value" pair says: the number and date in the title sentence
// ("Handelsrechnung (380) Nr. 2024118 vom 14.03.2024"); a party's name
// under its heading (Verkäufer, Käufer:, Rechnungsempfänger, Bill To),
// after a name label or as the block's first line that reads as a name,
// the block found by geometry whatever the reading order; a letter's
// sender line and the address under it; VAT ids by shape, given to the
// party whose block or line ("Ihre USt-IdNr.") they stand in; every
// amount's currency as a weak vote. An amount due that no label gives is
// the grand total when no prepayment is printed, and a whole number
// beside a total's label gives way to the amount right of it on its row
// ("Grand Total: 12 $1,480.00"). A document in one of those languages
// writes numeric dates day first unless a date says otherwise.
//
// # Forms
//
// Orders, contracts, invoices and policies print their key values in
// boxes whose layouts vary from one issuer to the next (forms.go). A date
// field whose meaning says it starts something (from, start, first,
// begin) takes the first date of a range ("Flight Dates: 10/01/12 -
// 10/15/12", a range under "Contract Dates"), one that says it ends (to,
// end, last, until) the second, scored by how the range's label names the
// field: a word of its name 0.9, of its description 0.8, a period word
// only 0.7, a period of something else ("Invoice Period") 0.6; a range in
// a table row is one row's. An identifier field is looked for under each
// kind of number its name and description name ("the contract or order
// number …, the invoice number on an invoice"), with any word for number,
// "Order / Rev" and bare ("Invoice 7248774"), the number run on after its
// label, beside it or under it; another party's number ("Alt Order #") is
// passed over, the kind the document's title names wins, and on a document
// of a kind the field names another kind's number is none. A number field
// whose meaning is a total takes the largest amount written as money on a
// total row ("Totals 49 $16,350.00 ($2,452.50) $13,897.50"), counts and
// deductions left out, the largest of several rows first. Text made only
// of the words forms label their boxes with ("Original Date / Revision")
// is a label, never a value. A plain text field is also labelled by the
// first party role its description names ("Name of the advertiser …"),
// unless that role is its own name or the description negates it.
//
// # Lists and tables
//
// An array of scalars is read from a labelled line split at commas,
// semicolons, pipes and bullets ("Skills: Go, SQL"), or from the block of
// lines under its label, one item per line with its bullet removed; a
// bulleted list ends at a line without a bullet that is not indented under
// the items (the next heading).
//
// An array of objects is read from a table (table.go). A table is found by
// its header line: a row of segments of which at least two (one for a
// single-field schema) name the items' fields. Its columns reach halfway to
// their neighbours, so right-aligned amounts and long descriptions fall in
// their columns whatever the layout analysis made of the page. Where a
// parser's table names as many fields (CSV, Markdown), it is used instead,
// with its exact cells. Each following line is a data row until a blank gap
// of more than two lines, a lone line after a blank one, prose across the
// columns, or a closing summary row (a total, subtotal, tax, closing
// balance, carried forward), after which the rest of the table is its
// footer; such rows fill the document's total fields instead. An opening
// balance row is skipped. A row with one text cell under a row of items is
// that item's text wrapped onto a second line; an item printed over
// several rows (items.go) takes the values of a row that fills only the
// columns it left empty ("4012345678901  778,00"), its description's
// second line beside an article number, and passes over notes under it
// ("Listenpreis : 389,00", prose), which end the table only when no item
// row follows within a few rows. A table marked Continued at
// the top of the next page adds its rows, as do the first rows of the next
// page when, unmarked, they fit the table's columns and types (a column
// empty on a whole page makes the layout see another table); a header
// repeated there starts a
// table with the same columns, which joins the first. The array takes the
// table that names the most fields (a caption naming the array breaks
// ties) and every table with the same columns.
//
// # Sentences
//
// Contracts and letters state some values in sentences, not labels
// (clause.go, term.go, parties.go), read from the document's running text
// (prose.go: lines joined, a word hyphenated at a line's end made whole,
// each byte mapped back to its word for citations). What a field asks is
// read from its meaning, all its words: a date field about an effective,
// start or agreement date takes the date the agreement says it is made,
// dated or effective on ("This Agreement is made as of the 3rd day of
// March, 2011", "… (the "Effective Date")"), not that of another agreement
// it names ("the Merger Agreement dated …"); a field about governing or
// applicable law takes the place named in "governed by the laws of the
// State of Delaware", by name only, and never a place of incorporation;
// a list of parties or signatories takes the names after "by and between"
// in the agreement's opening sentence, without their descriptions and
// roles, or else the signature blocks' companies and self-signers; a
// field about a term or duration takes how long the agreement itself
// lasts ("shall terminate two (2) years after …") as "2 years", not a
// period that runs after something ends. A value a label gave such a
// field must read as a place or a duration. Scores follow how often each
// form was right on real contracts: 0.85–0.9 for the agreement's own
// sentence, 0.5–0.6 for a letter's date, a signature's date or a
// signature block.
//
// # Confidence
//
// Each candidate value scores label × place × parse × fit:
//
//   - label: the property name 0.95, its title 0.90, a synonym 0.80, a
//     label its description gives 0.75, a line of a section block 0.75, a
//     fuzzy match 0.60, the first line read as a name 0.50; a nested property's own label outside its section
//     ×0.6;
//   - place: on the label's line or in the next cell 1.0, below the label
//     0.85, under the header of a table of several rows 0.5;
//   - parse: the value already in its type's canonical form 1.0 (1234.56,
//     2024-03-05, true), coerced 0.9 ($1,234.56, 5 March 2024, Yes);
//   - fit: an identifier without a digit 0.8, otherwise 1.
//
// The best-scored candidate wins (the first in reading order on a tie).
// Every other value found for the property lowers the confidence: by 40%
// times that value's best score over the winner's, so two equally good
// labels disagreeing leave 60% of the score. A table cell scores its
// column header's label × parse × fit.
//
// That raw score orders values well but is no probability, so the
// confidence reported is the raw score through a monotone map fitted on
// the train part of the real documents (calibration.go): among values
// given confidence c, about c are right. The map keeps the raw order,
// stays below 0.975, and gives a raw score above all those it was fitted
// on no more than the highest of them earned. Confidences are rounded to three decimals.
//
// A value read from OCR words (a scan, a photo) is then multiplied by the
// lowest confidence OCR gave the words its citations cover: it is right
// only if the engine and every one of its words are (ocrconfidence.go).
//
// # Metadata
//
// The field metadata mirrors the result: an object maps to an object of its
// properties' metadata, an array to a list with one entry per element, and
// a value to its citations (page, its text as the document writes it, one
// box covering exactly its characters; an address read from several lines
// cites each line) and its confidence. A null value has an empty citation
// list and confidence 0, so a client can tell "looked and did not find"
// from a missing key. The engine always fills both citations and
// confidences; whether a job shows them (cite_sources, confidence_scores)
// is for the API to decide.
//
// # Targets
//
// per_doc gives one object from the whole document; per_page one object per
// page of the document, each from that page alone (tables included);
// per_table_row one object per data row of the document's tables whose
// header names the schema's fields, summary rows left out and continued
// tables joined, and an empty array for a document without such tables.
// A scalar value never spans pages.
//
// # Usage
//
// NumPagesExtracted is the number of pages of the document the engine was
// given (target_pages and max_pages applied). NumDocumentTokens is the number
// of words, standing in for tokens since the engine has no tokenizer.
// NumOutputTokens is the result's JSON length over four, the usual
// bytes-per-token rule of thumb.
package builtin
