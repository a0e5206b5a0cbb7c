package eval

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Counts are true positives, false positives and false negatives, with the
// precision, recall and F1 they give.
type Counts struct {
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

func (c *Counts) add(o Counts) { c.TP, c.FP, c.FN = c.TP+o.TP, c.FP+o.FP, c.FN+o.FN }

// finish computes the ratios. With nothing to find and nothing found, all
// three are 1: there was no way to be wrong.
func (c *Counts) finish() {
	c.Precision, c.Recall = ratio(c.TP, c.TP+c.FP), ratio(c.TP, c.TP+c.FN)
	if c.Precision+c.Recall > 0 {
		c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
	} else {
		c.F1 = 0
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Citations count the non-null values predicted where the gold has a value:
// how many have a citation, and how many cite the page the value is on.
type Citations struct {
	Values    int     `json:"values"`
	Cited     int     `json:"cited"`
	RightPage int     `json:"right_page"`
	Accuracy  float64 `json:"accuracy"`
}

func (c *Citations) add(o Citations) {
	c.Values, c.Cited, c.RightPage = c.Values+o.Values, c.Cited+o.Cited, c.RightPage+o.RightPage
}

// judged is one predicted value with its confidence and whether it is right.
type judged struct {
	conf    float64
	correct bool
}

// comparison is the score of one document.
type comparison struct {
	fields, rows Counts
	cites        Citations
	judged       []judged
	// errors lists what was wrong, for the prediction file.
	errors []string
}

// leafMeta is the metadata of one value.
type leafMeta struct {
	Citation []struct {
		Page int `json:"page"`
	} `json:"citation"`
	Confidence float64 `json:"confidence"`
}

// compare scores a prediction against the gold. Fields are the scalars of
// the result outside arrays of objects, and each item of an array of
// scalars; rows are the elements of arrays of objects, a row being right
// when every one of its values is. pages gives the page of each gold value
// by path (nil when unknown: citations are then checked for presence only).
func compare(gold, pred, meta any, pages map[string]int) *comparison {
	c := &comparison{}
	c.walk("", gold, pred, meta, pages, false)
	return c
}

func (c *comparison) walk(path string, gold, pred, meta any, pages map[string]int, inRow bool) {
	gm, gIsObj := gold.(map[string]any)
	pm, pIsObj := pred.(map[string]any)
	if gIsObj || pIsObj {
		mm, _ := meta.(map[string]any)
		keys := map[string]bool{}
		for k := range gm {
			keys[k] = true
		}
		for k := range pm {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			c.walk(join(path, k), gm[k], pm[k], mm[k], pages, inRow)
		}
		return
	}
	ga, gIsArr := gold.([]any)
	pa, pIsArr := pred.([]any)
	if gIsArr || pIsArr {
		ma, _ := meta.([]any)
		if hasObject(ga) || hasObject(pa) {
			c.table(path, ga, pa, ma, pages)
		} else {
			c.list(path, ga, pa, ma, pages, inRow)
		}
		return
	}
	c.scalar(path, path, gold, pred, meta, pages, inRow)
}

// scalar scores one value; gpath is the gold path of its page.
func (c *comparison) scalar(path, gpath string, gold, pred, meta any, pages map[string]int, inRow bool) bool {
	right := gold != nil && pred != nil && Equal(gold, pred)
	if !inRow {
		switch {
		case right:
			c.fields.TP++
		case gold == nil && pred == nil:
		default:
			if pred != nil {
				c.fields.FP++
			}
			if gold != nil {
				c.fields.FN++
			}
			c.errors = append(c.errors, fmt.Sprintf("%s: got %s, want %s", path, show(pred), show(gold)))
		}
	}
	if pred == nil {
		return gold == nil
	}
	var lm leafMeta
	if raw, err := json.Marshal(meta); err == nil {
		_ = json.Unmarshal(raw, &lm)
	}
	c.judged = append(c.judged, judged{conf: lm.Confidence, correct: right})
	if gold != nil {
		c.cites.Values++
		if len(lm.Citation) > 0 {
			c.cites.Cited++
			want, known := pages[gpath]
			if !known && pages == nil {
				c.cites.RightPage++
			}
			for _, ct := range lm.Citation[:1] {
				if known && ct.Page == want {
					c.cites.RightPage++
				}
			}
		}
	}
	return right
}

// list scores an array of scalars as a multiset: each predicted item
// matches at most one gold item.
func (c *comparison) list(path string, gold, pred, meta []any, pages map[string]int, inRow bool) {
	used := make([]bool, len(gold))
	for i, p := range pred {
		var m any
		if i < len(meta) {
			m = meta[i]
		}
		match := -1
		for j, g := range gold {
			if !used[j] && Equal(g, p) {
				match = j
				break
			}
		}
		if match < 0 {
			// An item no gold item matches: wrong, cited against the
			// first gold item's page.
			if !inRow {
				c.fields.FP++
				c.errors = append(c.errors, fmt.Sprintf("%s: got item %s, not in the gold", path, show(p)))
			}
			c.judged = append(c.judged, judged{conf: confidence(m), correct: false})
			continue
		}
		used[match] = true
		c.scalar(fmt.Sprintf("%s[%d]", path, match), fmt.Sprintf("%s[%d]", path, match), gold[match], p, m, pages, inRow)
	}
	for j, u := range used {
		if !u && !inRow {
			c.fields.FN++
			c.errors = append(c.errors, fmt.Sprintf("%s[%d]: missing %s", path, j, show(gold[j])))
		}
	}
}

// table scores an array of objects: a predicted row is right when it
// equals a gold row not yet matched. Rows that match none are paired with
// the left-over gold rows they agree with most, so that their values still
// count in the calibration and the citations.
func (c *comparison) table(path string, gold, pred, meta []any, pages map[string]int) {
	used := make([]bool, len(gold))
	pairOf := make([]int, len(pred))
	for i, p := range pred {
		pairOf[i] = -1
		for j, g := range gold {
			if !used[j] && rowEqual(g, p) {
				used[j], pairOf[i] = true, j
				break
			}
		}
	}
	exact := count(pairOf, func(j int) bool { return j >= 0 })
	c.rows.TP += exact
	c.rows.FP += len(pred) - exact
	c.rows.FN += len(gold) - exact
	for i, p := range pred {
		if pairOf[i] >= 0 {
			continue
		}
		best, bestN := -1, 0
		for j, g := range gold {
			if n := agree(g, p); !used[j] && n > bestN {
				best, bestN = j, n
			}
		}
		if best >= 0 {
			used[best], pairOf[i] = true, best
		}
		c.errors = append(c.errors, fmt.Sprintf("%s[%d]: row %s matches no gold row", path, i, show(p)))
	}
	for j, u := range used {
		if !u {
			c.errors = append(c.errors, fmt.Sprintf("%s: missing gold row %d %s", path, j, show(gold[j])))
		}
	}
	for i, p := range pred {
		var m any
		if i < len(meta) {
			m = meta[i]
		}
		pm, _ := p.(map[string]any)
		mm, _ := m.(map[string]any)
		var gm map[string]any
		gpath := ""
		if j := pairOf[i]; j >= 0 {
			gm, _ = gold[j].(map[string]any)
			gpath = fmt.Sprintf("%s[%d]", path, j)
		}
		for _, k := range sortedKeys(keysOf(pm)) {
			if gm == nil {
				if pm[k] != nil {
					c.judged = append(c.judged, judged{conf: confidence(mm[k]), correct: false})
				}
				continue
			}
			c.scalar(fmt.Sprintf("%s[%d].%s", path, i, k), gpath+"."+k, gm[k], pm[k], mm[k], pages, true)
		}
	}
}

func count(xs []int, f func(int) bool) int {
	n := 0
	for _, x := range xs {
		if f(x) {
			n++
		}
	}
	return n
}

// rowEqual reports whether every key of either row has equal values (null
// equals null).
func rowEqual(g, p any) bool {
	gm, _ := g.(map[string]any)
	pm, _ := p.(map[string]any)
	keys := keysOf(gm)
	for k := range pm {
		keys[k] = true
	}
	for k := range keys {
		gv, pv := gm[k], pm[k]
		if gv == nil && pv == nil {
			continue
		}
		if gv == nil || pv == nil || !Equal(gv, pv) {
			return false
		}
	}
	return true
}

// agree counts the non-null values two rows share.
func agree(g, p any) int {
	gm, _ := g.(map[string]any)
	pm, _ := p.(map[string]any)
	n := 0
	for k, gv := range gm {
		if gv != nil && pm[k] != nil && Equal(gv, pm[k]) {
			n++
		}
	}
	return n
}

func confidence(meta any) float64 {
	m, _ := meta.(map[string]any)
	f, _ := m["confidence"].(float64)
	return f
}

func hasObject(a []any) bool {
	for _, v := range a {
		if _, ok := v.(map[string]any); ok {
			return true
		}
	}
	return false
}

func keysOf(m map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func show(v any) string {
	if v == nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

var isoDay = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// dateLayouts are the forms a predicted date is read in when the gold is a
// date: ISO first, then timestamps and written-out dates.
var dateLayouts = []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05",
	"January 2, 2006", "Jan 2, 2006", "2 January 2006", "2 Jan 2006"}

// Equal reports whether a predicted value says what the gold value says:
// numbers numerically (a string holding a number counts), dates as dates
// (the gold in ISO 8601), booleans as booleans, and other strings after
// folding case and collapsing white space.
func Equal(gold, pred any) bool {
	switch g := gold.(type) {
	case float64:
		p, ok := number(pred)
		return ok && math.Abs(g-p) <= 1e-6*max(1, math.Abs(g))
	case bool:
		switch p := pred.(type) {
		case bool:
			return p == g
		case string:
			b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(p)))
			return err == nil && b == g
		}
		return false
	case string:
		ps, ok := pred.(string)
		if !ok {
			if f, isNum := pred.(float64); isNum {
				ps = strconv.FormatFloat(f, 'f', -1, 64)
			} else {
				return false
			}
		}
		if isoDay.MatchString(g) {
			gd, err := time.Parse("2006-01-02", g)
			if err == nil {
				for _, l := range dateLayouts {
					if pd, err := time.Parse(l, strings.TrimSpace(ps)); err == nil {
						return pd.Year() == gd.Year() && pd.YearDay() == gd.YearDay()
					}
				}
				return false
			}
		}
		return normalize(g) == normalize(ps)
	}
	return show(gold) == show(pred)
}

func number(v any) (float64, bool) {
	switch p := v.(type) {
	case float64:
		return p, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		return f, err == nil
	}
	return 0, false
}

func normalize(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }
