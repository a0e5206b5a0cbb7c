package llm

import (
	"fmt"
	"strings"

	"github.com/quarrylabs/quarry/internal/document"
)

// renderPage writes a page as the model reads it: a page marker, then its
// lines in reading order, with each table written as a Markdown table at
// the place of its first line, so that columns stay columns.
func renderPage(p *document.Page) string {
	var b strings.Builder
	fmt.Fprintf(&b, "=== Page %d ===\n", p.Number)
	inTable := map[int]int{} // word index → table index
	for ti, t := range p.Tables {
		for _, row := range t.Rows {
			for _, c := range row {
				for _, w := range c.Words {
					inTable[w] = ti
				}
			}
		}
	}
	written := map[int]bool{}
	for _, l := range p.Lines {
		ti, isTable := -1, len(l.Words) > 0
		for _, w := range l.Words {
			t, ok := inTable[w]
			if !ok || (ti >= 0 && t != ti) {
				isTable = false
				break
			}
			ti = t
		}
		if !isTable {
			b.WriteString(l.Text)
			b.WriteByte('\n')
			continue
		}
		if !written[ti] {
			written[ti] = true
			writeTable(&b, &p.Tables[ti])
		}
	}
	// Tables whose words no line holds (a parser that gives cells only).
	for ti := range p.Tables {
		if !written[ti] && len(p.Lines) == 0 {
			writeTable(&b, &p.Tables[ti])
		}
	}
	if len(p.Lines) == 0 && len(p.Tables) == 0 {
		for i, w := range p.Words {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w.Text)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func writeTable(b *strings.Builder, t *document.Table) {
	if t.Continued {
		b.WriteString("(table continued from the previous page)\n")
	}
	for i, row := range t.Rows {
		b.WriteString("|")
		for _, c := range row {
			b.WriteString(" ")
			b.WriteString(strings.ReplaceAll(strings.TrimSpace(c.Text), "|", `\|`))
			b.WriteString(" |")
		}
		b.WriteByte('\n')
		if i == 0 {
			b.WriteString("|")
			for range row {
				b.WriteString(" --- |")
			}
			b.WriteByte('\n')
		}
	}
}

// tokens estimates a text's tokens at four bytes each, the usual rule for
// English with BPE tokenizers; it errs on the generous side for code-like
// text and digits, which is the safe side for a context budget.
func tokens(s string) int { return (len(s) + 3) / 4 }

// chunk is a run of consecutive pages sent to the model in one request.
type chunk struct {
	pages []document.Page
	text  string
}

// split cuts pages into chunks of at most budget tokens. Consecutive chunks
// share one page when each holds more than one, so that a table row or a
// sentence cut by a page break is whole in one of them; the merge removes
// what the shared page gives twice. A page over the budget on its own is
// cut short: the model sees its start, and grounding still cites it.
func split(pages []document.Page, budget int) []chunk {
	texts := make([]string, len(pages))
	for i := range pages {
		texts[i] = renderPage(&pages[i])
		if tokens(texts[i]) > budget {
			texts[i] = texts[i][:budget*4] + "\n(page cut short: it does not fit the model's context)\n"
		}
	}
	var out []chunk
	for start := 0; start < len(pages); {
		end, used := start, 0
		for end < len(pages) && (end == start || used+tokens(texts[end]) <= budget) {
			used += tokens(texts[end])
			end++
		}
		out = append(out, chunk{pages: pages[start:end], text: strings.Join(texts[start:end], "\n")})
		if end == len(pages) {
			break
		}
		if end-start > 1 {
			start = end - 1
		} else {
			start = end
		}
	}
	return out
}
