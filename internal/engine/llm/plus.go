package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/quarrylabs/quarry/internal/document"
)

const secondPassInstruction = `A first reading of this document left the fields of this schema empty, or gave values that could not be found in the document's text.
Read the document again for these fields only. Copy each value exactly as the document writes it; use null if the document really does not give it.`

// secondPass re-asks, for agentic_plus, for the top-level fields that came
// back null, empty or ungrounded, and takes a new value where it is
// grounded and the old one was not.
func (r *run) secondPass(ctx context.Context, n *node, pages []document.Page, val, meta, hint, hintMeta any, cands candidates) (any, any, error) {
	o, _ := val.(*object)
	om, _ := meta.(*object)
	if o == nil || om == nil {
		return val, meta, nil
	}
	sub := &node{kind: kindObject, desc: n.desc}
	for _, f := range n.props {
		if weak(f.n, o.m[f.name], om.m[f.name]) {
			sub.props = append(sub.props, f)
		}
	}
	if len(sub.props) == 0 {
		return val, meta, nil
	}
	subHint, subHintMeta := pick(hint, sub), pick(hintMeta, sub)
	parts, err := r.chunks(ctx, sub, pages, subHint, subHintMeta, cands, secondPassInstruction)
	if err != nil {
		return nil, nil, err
	}
	nv, nm := mergeParts(sub, parts)
	nvo, _ := nv.(*object)
	nmo, _ := nm.(*object)
	if nvo == nil || nmo == nil {
		return val, meta, nil
	}
	for _, f := range sub.props {
		x, xm := improve(f.n, o.m[f.name], om.m[f.name], nvo.m[f.name], nmo.m[f.name])
		o.set(f.name, x)
		om.set(f.name, xm)
	}
	return o, om, nil
}

// pick keeps the properties of sub from a hint object.
func pick(v any, sub *node) any {
	o, ok := v.(*object)
	if !ok {
		return nil
	}
	out := newObject()
	for _, f := range sub.props {
		if x, ok := o.get(f.name); ok {
			out.set(f.name, x)
		}
	}
	return out
}

// weak reports whether anything under v is null, empty or ungrounded.
func weak(n *node, v, meta any) bool {
	switch n.kind {
	case kindObject:
		o, _ := v.(*object)
		om, _ := meta.(*object)
		if o == nil || om == nil {
			return true
		}
		return slices.ContainsFunc(n.props, func(f field) bool { return weak(f.n, o.m[f.name], om.m[f.name]) })
	case kindArray:
		a, _ := v.([]any)
		am, _ := meta.([]any)
		if len(a) == 0 {
			return true
		}
		for i := range a {
			if weak(n.items, a[i], am[i]) {
				return true
			}
		}
		return false
	}
	m, _ := meta.(*leafMeta)
	return v == nil || m == nil || !m.grounded
}

// improve takes from the second reading what is better: a grounded value
// where the first had none or an ungrounded one, a list where the first
// had an empty one.
func improve(n *node, old, oldMeta, nw, nwMeta any) (any, any) {
	switch n.kind {
	case kindObject:
		o, _ := old.(*object)
		om, _ := oldMeta.(*object)
		no, _ := nw.(*object)
		nom, _ := nwMeta.(*object)
		if no == nil || nom == nil {
			return old, oldMeta
		}
		if o == nil || om == nil {
			return nw, nwMeta
		}
		for _, f := range n.props {
			x, xm := improve(f.n, o.m[f.name], om.m[f.name], no.m[f.name], nom.m[f.name])
			o.set(f.name, x)
			om.set(f.name, xm)
		}
		return o, om
	case kindArray:
		a, _ := old.([]any)
		b, _ := nw.([]any)
		if len(a) == 0 && len(b) > 0 && !weak(n, nw, nwMeta) {
			return nw, nwMeta
		}
		return old, oldMeta
	}
	om, _ := oldMeta.(*leafMeta)
	nm, _ := nwMeta.(*leafMeta)
	if nw != nil && nm != nil && nm.grounded && (old == nil || om == nil || !om.grounded) {
		return nw, nwMeta
	}
	return old, oldMeta
}

// Property names the arithmetic check reads, compared with case and
// separators removed.
var (
	lineAmountNames = []string{"amount", "lineamount", "linetotal", "total", "totalprice", "extendedprice", "extended", "netamount"}
	subtotalNames   = []string{"subtotal", "netamount", "nettotal", "totalbeforetax", "totalnet"}
	totalNames      = []string{"total", "totalamount", "amountdue", "grandtotal", "balancedue", "totaldue", "invoicetotal", "amount"}
	taxNames        = []string{"tax", "taxamount", "vat", "vatamount", "salestax", "totaltax"}
	shippingNames   = []string{"shipping", "shippingamount", "freight", "delivery"}
	discountNames   = []string{"discount", "discountamount"}
)

func key(s string) string { return strings.ReplaceAll(norm(s), "_", "") }

// checkArithmetic, for agentic_plus, adds up the line items of an object
// that has them and a subtotal or total: when they do not add up, the
// total's confidence and the line amounts' are lowered and their
// metadata says why. Models misread digits and skip rows; a sum that does
// not close is the cheapest sign of either.
func checkArithmetic(n *node, val, meta any) {
	o, _ := val.(*object)
	om, _ := meta.(*object)
	if n.kind != kindObject || o == nil || om == nil {
		return
	}
	numProp := func(props []field, names []string) string {
		for _, name := range names {
			for _, f := range props {
				if f.n.kind == kindScalar && key(f.name) == name && (slices.Contains(f.n.types, "number") || slices.Contains(f.n.types, "integer")) {
					return f.name
				}
			}
		}
		return ""
	}
	var lines, amount string
	for _, f := range n.props {
		if f.n.kind == kindArray && f.n.items.kind == kindObject {
			if a := numProp(f.n.items.props, lineAmountNames); a != "" {
				lines, amount = f.name, a
				break
			}
		}
	}
	if lines == "" {
		return
	}
	rows, _ := o.m[lines].([]any)
	rowsMeta, _ := om.m[lines].([]any)
	sum, counted := 0.0, 0
	for _, row := range rows {
		if ro, ok := row.(*object); ok {
			if f, ok := number(ro.m[amount]); ok {
				sum += f
				counted++
			}
		}
	}
	if counted == 0 {
		return
	}
	get := func(names []string) (string, float64, bool) {
		name := numProp(n.props, names)
		if name == "" {
			return "", 0, false
		}
		f, ok := number(o.m[name])
		return name, f, ok
	}
	equal := func(a, b float64) bool { return math.Abs(a-b) <= 0.015 }
	target, want, ok := get(subtotalNames)
	matches := ok && equal(sum, want)
	if !ok {
		if target, want, ok = get(totalNames); !ok {
			return
		}
		_, tax, _ := get(taxNames)
		_, ship, _ := get(shippingNames)
		_, disc, _ := get(discountNames)
		matches = equal(sum, want) || equal(sum+tax+ship-math.Abs(disc), want)
	}
	tm, _ := om.m[target].(*leafMeta)
	if tm == nil {
		return
	}
	if matches {
		tm.Reasoning = fmt.Sprintf("checked: the %d line amounts add up to it", counted)
		return
	}
	tm.Confidence = round3(tm.Confidence * 0.5)
	tm.Reasoning = fmt.Sprintf("the line amounts add up to %s, not %s", formatAmount(sum), formatAmount(want))
	for i, row := range rows {
		rm, _ := rowsMeta[i].(*object)
		if _, ok := row.(*object); !ok || rm == nil {
			continue
		}
		if lm, ok := rm.m[amount].(*leafMeta); ok && lm.Confidence > 0 {
			lm.Confidence = round3(lm.Confidence * 0.8)
			lm.Reasoning = fmt.Sprintf("the line amounts do not add up to the %s", target)
		}
	}
}

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func formatAmount(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }
