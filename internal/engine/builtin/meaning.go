package builtin

import "strings"

// meaning is what a field is about, read from all the words a schema gives
// it: its name in any case style, its title and its description. Rules
// that look for a kind of value (a governing law, the parties of a
// contract, a receipt's total) ask a field's meaning, never its name, so a
// user who calls the field merchant_name instead of company, and says so in
// the description, is served the same.
type meaning struct {
	// name holds the words of the property's name and title, the
	// strongest evidence; desc those of its description.
	name, desc map[string]bool
}

// meaningOf reads a property's words. Description words are stemmed
// lightly (a plural s dropped) so "parties" and "party" agree.
func meaningOf(p *prop) meaning {
	m := meaning{name: map[string]bool{}, desc: map[string]bool{}}
	for _, w := range strings.Fields(norm(p.name) + " " + norm(p.title)) {
		m.name[w] = true
		m.name[stem(w)] = true
	}
	for _, w := range strings.Fields(norm(p.description)) {
		m.desc[w] = true
		m.desc[stem(w)] = true
	}
	return m
}

// stem drops an English plural: parties → party, dates → date, laws → law.
func stem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		return w[:len(w)-1]
	}
	return w
}

// named reports whether the field's name or title holds any of the words.
func (m meaning) named(words ...string) bool {
	for _, w := range words {
		if m.name[w] {
			return true
		}
	}
	return false
}

// says reports whether any of the field's words, its description's
// included, is one of the words.
func (m meaning) says(words ...string) bool {
	for _, w := range words {
		if m.name[w] || m.desc[w] {
			return true
		}
	}
	return false
}

// saysPhrase reports whether the description (or name) holds the words of
// phrase in a row, e.g. "governing law" or "first lines".
func (m meaning) saysPhrase(p *prop, phrase string) bool {
	ph := " " + norm(phrase) + " "
	return strings.Contains(" "+norm(p.description)+" ", ph) ||
		strings.Contains(" "+norm(p.name)+" "+norm(p.title)+" ", ph)
}
