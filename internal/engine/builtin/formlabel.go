package builtin

import "strings"

// A form's boxes are headed by labels the schema does not name ("Original
// Date / Revision", "Product Estimate Number", "Alt Order #"), and the
// value of a label the schema does name is often under it, beside such a
// label. Text made only of the words forms head their boxes with is a
// label, never a value.

// formLabelWords are the words of form labels, in the languages
// business documents come in.
var formLabelWords = map[string]bool{
	"date": true, "dates": true, "original": true, "revision": true, "rev": true, "number": true, "no": true,
	"num": true, "nr": true, "#": true, "code": true, "type": true, "ref": true, "reference": true, "id": true,
	"name": true, "address": true, "phone": true, "fax": true, "email": true, "e": true, "mail": true,
	"period": true, "month": true, "year": true, "order": true, "contract": true, "invoice": true, "estimate": true,
	"product": true, "account": true, "executive": true, "agency": true, "advertiser": true, "client": true,
	"customer": true, "station": true, "market": true, "office": true, "sales": true, "salesperson": true,
	"region": true, "billing": true, "calendar": true, "cycle": true, "terms": true, "payment": true,
	"special": true, "handling": true, "alt": true, "print": true, "entered": true, "by": true, "modified": true,
	"last": true, "first": true, "start": true, "end": true, "deal": true, "line": true, "rate": true,
	"total": true, "amount": true, "gross": true, "net": true, "tax": true, "page": true, "of": true,
	"description": true, "qty": true, "quantity": true, "unit": true, "price": true, "demographic": true,
	"property": true, "brand": true, "buyer": true, "contact": true, "title": true, "signature": true,
	"due": true, "ship": true, "bill": true, "to": true, "via": true, "status": true, "version": true,
	"comments": true, "notes": true, "remarks": true, "remit": true, "attention": true, "attn": true,
	"issue": true, "expiry": true, "policy": true, "claim": true, "vendor": true, "supplier": true,
	"datum": true, "nummer": true, "rechnung": true, "kunde": true, "numéro": true, "numero": true,
	"facture": true, "fecha": true, "factura": true, "bestelling": true, "factuur": true,
}

// isFormLabel reports whether normalized text is two to six words of
// form labels and nothing else.
func isFormLabel(l string) bool {
	words := strings.Fields(l)
	if len(words) < 2 || len(words) > 6 {
		return false
	}
	for _, w := range words {
		if !formLabelWords[w] {
			return false
		}
	}
	return true
}
