package eval

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"
)

// Split names a part of a manifest: all of it, the part tuned on, or the
// part held out to report on. See the package doc for how the parts are
// chosen.
type Split string

const (
	SplitAll   Split = "all"
	SplitTrain Split = "train"
	SplitTest  Split = "test"
)

// heldOut is the share of each source's documents the test part aims at.
const heldOut = 0.25

// ParseSplit reads a split's name; empty is all.
func ParseSplit(s string) (Split, error) {
	switch sp := Split(s); sp {
	case "":
		return SplitAll, nil
	case SplitAll, SplitTrain, SplitTest:
		return sp, nil
	}
	return "", fmt.Errorf("unknown split %q: want all, train or test", s)
}

// Select returns the entries of the split, in manifest order.
func (s Split) Select(entries []Entry) []Entry {
	if s == SplitAll || s == "" {
		return entries
	}
	test := testSet(entries)
	return slices.DeleteFunc(slices.Clone(entries), func(e Entry) bool { return test[e.ID] != (s == SplitTest) })
}

// testSet chooses the held-out entries by id. Within each source (an
// entry's type), documents of one family stay together and every other
// document is a group of its own. Groups are dealt largest first, ties in
// order of the FNV-1a 32-bit hash of their key (the family, or the id), so
// the split depends on nothing but the manifest's content; each goes to
// the part whose count is furthest below its target relative to that
// target, the test part when it is strictly further, its target being a
// quarter of the source's documents.
func testSet(entries []Entry) map[string]bool {
	type group struct {
		key  string
		hash uint32
		ids  []string
	}
	bySource := map[string]map[string]*group{}
	for _, e := range entries {
		key := cmp.Or(e.Family, e.ID)
		groups := bySource[e.Type]
		if groups == nil {
			groups = map[string]*group{}
			bySource[e.Type] = groups
		}
		g := groups[key]
		if g == nil {
			h := fnv.New32a()
			h.Write([]byte(key))
			g = &group{key: key, hash: h.Sum32()}
			groups[key] = g
		}
		g.ids = append(g.ids, e.ID)
	}
	test := map[string]bool{}
	for _, groups := range bySource {
		var order []*group
		n := 0
		for _, g := range groups {
			order = append(order, g)
			n += len(g.ids)
		}
		slices.SortFunc(order, func(a, b *group) int {
			return cmp.Or(cmp.Compare(len(b.ids), len(a.ids)), cmp.Compare(a.hash, b.hash), cmp.Compare(a.key, b.key))
		})
		wantTest := heldOut * float64(n)
		wantTrain := float64(n) - wantTest
		haveTest, haveTrain := 0, 0
		for _, g := range order {
			if (wantTest-float64(haveTest))/wantTest > (wantTrain-float64(haveTrain))/wantTrain {
				haveTest += len(g.ids)
				for _, id := range g.ids {
					test[id] = true
				}
				continue
			}
			haveTrain += len(g.ids)
		}
	}
	return test
}
