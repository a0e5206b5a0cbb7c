package schemagen

import (
	"regexp"
	"slices"
	"strings"
)

var (
	// leadVerbs start the request in a sentence: what follows them is the
	// list of fields ("Extract the invoice number and total").
	leadVerbs = []string{
		"extract", "get", "find", "pull", "capture", "collect", "return", "retrieve", "read", "list",
		"identify", "include", "need", "want", "grab", "give", "fetch", "obtain",
	}
	determiners = `the|this|that|these|those|each|every|a|an|my|our|its|their|any|all`
	// scope is the trailing "from the invoice" that says where the fields
	// are, not which; "date of birth" and "number of pages" are left alone.
	scope = regexp.MustCompile(`\s(?:from\s+(?:` + determiners + `\s+)?|(?:in|on|of|within|out of)\s+(?:` + determiners + `)\s+)(?:\w+\s+)?(?:document|documents|file|files|invoice|invoices|receipt|receipts|pdf|pdfs|page|pages|form|forms|contract|contracts|statement|statements|text|scan|scans|image|images)\b.*$`)
	// listSeparators split the list of fields.
	listSeparators = regexp.MustCompile(`\s*(?:,|;|\s+and\s+|\s+&\s+|\s+as well as\s+|\s+plus\s+)\s*`)
	parenthetical  = regexp.MustCompile(`\([^)]*\)`)
	sentenceEnd    = regexp.MustCompile(`[.!?]+(?:\s+|$)|\n+`)
	bullet         = regexp.MustCompile(`(?:^|\n)\s*(?:[-*•]|[0-9]+[.)])\s+`)
	// fillers are words that belong to the sentence, not to a field's name.
	fillers = []string{"the", "a", "an", "its", "their", "his", "her", "any", "all", "each", "every", "also", "then", "and", "please", "me", "us"}
	// openers may come before the verb of a request ("Please extract",
	// "I need", "Can you find"); any other word there means the verb is
	// not one ("price list name").
	openers = []string{"please", "kindly", "i", "we", "you", "can", "could", "would", "will", "should", "must", "to", "just", "also", "then", "now"}
	// generic items name no field ("the following fields").
	generic = []string{"", "following", "data", "information", "info", "details", "everything", "fields", "values", "it", "them"}
)

// FromPrompt drafts fields from the field names a prompt lists: "Extract
// the invoice number, the total amount and due date" gives invoice_number
// (string), total_amount (number) and due_date (a date). The list is what
// follows a colon, or the verb that starts a request (extract, get,
// find…); a trailing "from the invoice" is dropped. Types are guessed from
// the words of each name (see fromName); the description of each is the
// phrase as the prompt wrote it.
func FromPrompt(prompt string) []Field {
	text := bullet.ReplaceAllString(prompt, ", ")
	sentences := sentenceEnd.Split(text, -1)
	var lists []string
	for _, s := range sentences {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if _, after, ok := strings.Cut(s, ":"); ok {
			lists = append(lists, after)
			continue
		}
		if after, ok := afterLeadVerb(s); ok {
			lists = append(lists, after)
			continue
		}
		// A bare list ("invoice number, total, due date") is taken as it
		// is when the prompt is only that; in a longer prompt a sentence
		// without a request is context, not fields.
		if len(sentences) == 1 || strings.Count(s, ",") >= 2 {
			lists = append(lists, s)
		}
	}
	var fields []Field
	seen := map[string]bool{}
	for _, list := range lists {
		list = scope.ReplaceAllString(" "+strings.ToLower(list), "")
		list = parenthetical.ReplaceAllString(list, " ")
		for _, item := range listSeparators.Split(list, -1) {
			phrase := cleanPhrase(item)
			if slices.Contains(generic, phrase) || len(strings.Fields(phrase)) > 6 {
				continue
			}
			name := snakeCase(phrase)
			if name == "" || seen[name] {
				continue
			}
			seen[name] = true
			p := fromName(name)
			p.Description = phrase
			fields = append(fields, Field{Name: name, Schema: p})
		}
	}
	return fields
}

// afterLeadVerb returns what follows the verb that starts a request.
func afterLeadVerb(s string) (string, bool) {
	ws := strings.Fields(s)
	for i, w := range ws {
		w = strings.ToLower(strings.Trim(w, ",;"))
		if slices.Contains(leadVerbs, w) {
			return strings.Join(ws[i+1:], " "), true
		}
		if !slices.Contains(openers, w) {
			return "", false
		}
	}
	return "", false
}

// cleanPhrase keeps the words of a field's name: no fillers, no
// possessives, no punctuation around it.
func cleanPhrase(item string) string {
	item = strings.ReplaceAll(item, "'s ", " ")
	item = strings.ReplaceAll(item, "’s ", " ")
	var kept []string
	for _, w := range strings.Fields(item) {
		w = strings.Trim(w, `"'“”‘’.,;:!?`)
		if w == "" || slices.Contains(fillers, w) {
			continue
		}
		kept = append(kept, w)
	}
	// "the invoice number field" names invoice_number.
	if n := len(kept); n > 1 && (kept[n-1] == "field" || kept[n-1] == "fields") {
		kept = kept[:n-1]
	}
	return strings.Join(kept, " ")
}
