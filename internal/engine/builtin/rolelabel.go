package builtin

import (
	"regexp"
	"strings"
)

// A field for a party's name is often named for what the user calls it
// ("sponsor", "payer_name") while its description says the role the
// document prints as the label: "Name of the advertiser paying for the
// spots". The first party role a description names, where it does not
// say the field is not that party ("not the agency"), labels the field
// as a label its description quotes does.

// partyRoles are the roles forms label a party's name with.
var partyRoles = map[string]bool{
	"advertiser": true, "sponsor": true, "client": true, "customer": true, "buyer": true, "purchaser": true,
	"seller": true, "vendor": true, "supplier": true, "merchant": true, "candidate": true, "insured": true,
	"policyholder": true, "applicant": true, "employer": true, "employee": true, "tenant": true,
	"landlord": true, "lessee": true, "lessor": true, "borrower": true, "lender": true, "shipper": true,
	"consignee": true, "payee": true, "payer": true, "beneficiary": true, "patient": true, "contractor": true,
	"kunde": true, "lieferant": true, "käufer": true, "verkäufer": true, "fournisseur": true,
	"acheteur": true, "cliente": true, "proveedor": true, "comprador": true, "klant": true, "leverancier": true,
}

// clause cuts a description at punctuation, so that a negation holds to
// the end of its clause only.
var clause = regexp.MustCompile(`[,;:.()\[\]]`)

// negations open a clause the field is not about.
var negations = map[string]bool{"not": true, "nor": true, "except": true, "excluding": true, "never": true, "nicht": true, "pas": true, "no": true, "niet": true}

// roleLabels are the labels of a plain text field that its description's
// first party role gives, with that role's synonyms, unless that role is
// the field's name.
func roleLabels(f *field) []label {
	if f.list || f.section >= 0 || f.hint != hintNone || len(f.alts) == 0 ||
		f.alts[0].kind != kindString || f.alts[0].format != "" || f.alts[0].enum != nil {
		return nil
	}
	for _, c := range clause.Split(f.prop.description, -1) {
		negated := false
		for _, w := range strings.Fields(norm(c)) {
			if negations[w] {
				negated = true
			}
			r := stem(w)
			if !partyRoles[r] {
				continue
			}
			if negated {
				continue
			}
			if f.mean.named(r) {
				// The description defines the field as the role its name
				// says; the roles after it are examples or contrasts.
				return nil
			}
			out := []label{{text: r, score: scoreDescription}}
			for _, s := range synonyms(r) {
				if s != r {
					out = append(out, label{text: s, score: scoreDescription})
				}
			}
			return out
		}
	}
	return nil
}
