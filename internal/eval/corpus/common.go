package corpus

import (
	"strings"
	"time"
)

// spec is one generated document: its pages, its size in points, and the
// gold result a perfect extraction gives.
type spec struct {
	pages  []page
	width  float64
	height float64
	gold   map[string]any
}

// party is a named organisation or person with a two-line address.
type party struct {
	name    string
	address []string
}

func (g *gen) party() party { return party{name: g.company(), address: g.address()} }

// gold is the gold object of a party: the address as one line, its printed
// lines joined by ", " as they read.
func (p party) gold() map[string]any {
	return map[string]any{"name": p.name, "address": strings.Join(p.address, ", ")}
}

// block is the party under a heading, each line tagged with its gold path.
func (p party) block(heading, path string) section {
	items := []val{{p.name, path + ".name"}}
	for _, l := range p.address {
		items = append(items, val{l, path + ".address"})
	}
	return section{heading: heading, items: items}
}

// fixOrder makes sure a document whose numeric dates put the day first
// shows it: at least one date must have a day above 12, or no reader (human
// or program) could tell 03/05 from 05/03. It moves the first date's day.
func fixOrder(loc locale, dates ...*time.Time) {
	if !loc.dayFirst {
		return
	}
	for _, d := range dates {
		if d.Day() > 12 {
			return
		}
	}
	d := dates[0]
	*d = time.Date(d.Year(), d.Month(), 13+d.Day()%15, 0, 0, 0, 0, time.UTC)
}

// splitRows cuts table rows into parts for consecutive pages: the first
// part holds first rows, the others up to per rows each.
func splitRows(rows [][]val, first, per int) [][][]val {
	var out [][][]val
	n := first
	for len(rows) > 0 {
		n = min(n, len(rows))
		out = append(out, rows[:n])
		rows = rows[n:]
		n = per
	}
	return out
}

// tableParts lays a long table over pages: the first part goes on the last
// page so far, each other part starts a new page, continued, with the
// header repeated when repeat is set. It returns the pages.
func tableParts(pages []page, t table, parts [][][]val, repeat bool) []page {
	for i, rows := range parts {
		part := t
		part.rows = rows
		if i > 0 {
			part.continued, part.repeat = true, repeat
			pages = append(pages, page{})
		}
		pages[len(pages)-1].blocks = append(pages[len(pages)-1].blocks, part)
	}
	return pages
}

// numberPages puts "Page i of n" at the foot of every page of a document
// of more than one page.
func numberPages(pages []page, form string) {
	if len(pages) < 2 {
		return
	}
	for i := range pages {
		pages[i].footer = strings.NewReplacer("{i}", itoa(i+1), "{n}", itoa(len(pages))).Replace(form)
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// nullable returns v, or nil for the zero value: what the gold says of a
// value the document does not show.
func nullable[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}
