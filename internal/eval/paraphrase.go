package eval

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// Paraphrases reword schemas as another user might have written them: for
// each schema, by its file name, a Rewording per property path. A path
// names a property from the top ("total"), through objects
// ("buyer.name") and the items of arrays ("lines[].amount"); the empty
// path is the schema itself, whose title and description may be reworded.
//
// Running an evaluation under paraphrases checks that the engine finds a
// field by what its words mean, not by the one name a schema gave it.
type Paraphrases map[string]map[string]Rewording

// Rewording is a property's new name and new words. An empty Name keeps
// the name; an empty Title or Description removes the old one, since the
// old wording is what a paraphrase replaces.
type Rewording struct {
	Name        string `json:"name,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

// ReadParaphrases reads a paraphrase file: a JSON object of schema file
// names, each an object of property paths and their Rewording.
func ReadParaphrases(path string) (Paraphrases, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read paraphrases: %w", err)
	}
	var p Paraphrases
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("read paraphrases %s: %w", path, err)
	}
	return p, nil
}

// renames maps an object's new property names to the old, with what to do
// to the values under each.
type renames map[string]rename

type rename struct {
	old   string
	inner renames
}

// restore rewrites a value in the paraphrased schema's shape, a result or
// its metadata, to the original names. Arrays are restored item by item.
func (r renames) restore(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			rn, ok := r[k]
			if !ok {
				out[k] = val
				continue
			}
			out[rn.old] = rn.inner.restore(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = r.restore(val)
		}
		return out
	}
	return v
}

// Apply rewords a schema by the paraphrases for its file name, keeping
// the order of its properties. It returns the reworded schema and the
// function that maps a value in its shape back to the original names. A
// schema without paraphrases is an error: an evaluation under paraphrases
// would otherwise measure it as written. So is a path the schema does not
// have, or a new name two properties of one object would share.
func (p Paraphrases) Apply(name string, schema []byte) ([]byte, func(any) any, error) {
	words, ok := p[name]
	if !ok {
		return nil, nil, fmt.Errorf("no paraphrase of schema %s", name)
	}
	v, err := decodeOrdered(schema)
	if err != nil {
		return nil, nil, fmt.Errorf("paraphrase %s: %w", name, err)
	}
	doc, ok := v.(*object)
	if !ok {
		return nil, nil, fmt.Errorf("paraphrase %s: the schema is not an object", name)
	}
	used := map[string]bool{}
	if w, ok := words[""]; ok {
		reword(doc, w)
		used[""] = true
	}
	r, err := rewordObject(doc, "", words, used)
	if err != nil {
		return nil, nil, fmt.Errorf("paraphrase %s: %w", name, err)
	}
	for _, path := range slices.Sorted(maps.Keys(words)) {
		if !used[path] {
			return nil, nil, fmt.Errorf("paraphrase %s: the schema has no property %q", name, path)
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("paraphrase %s: %w", name, err)
	}
	return out, func(v any) any { return r.restore(v) }, nil
}

// reword replaces a schema's title and description, in place where they
// were and after its other keywords where they were not.
func reword(schema *object, w Rewording) {
	for _, kv := range [][2]string{{"title", w.Title}, {"description", w.Description}} {
		if kv[1] == "" {
			schema.remove(kv[0])
		} else {
			schema.set(kv[0], kv[1])
		}
	}
}

// rewordObject rewords the properties of an object schema (and of the
// objects in them) whose paths start with prefix, and returns how to
// rename them back.
func rewordObject(schema *object, prefix string, words map[string]Rewording, used map[string]bool) (renames, error) {
	props, _ := schema.get("properties").(*object)
	if props == nil {
		return nil, nil
	}
	r := renames{}
	newProps := &object{vals: map[string]any{}}
	newName := map[string]string{}
	for _, k := range props.keys {
		path := join(prefix, k)
		sub, _ := props.get(k).(*object)
		nk := k
		if w, ok := words[path]; ok {
			used[path] = true
			nk = cmp.Or(strings.TrimSpace(w.Name), k)
			if sub != nil {
				reword(sub, w)
			}
		}
		var inner renames
		if sub != nil {
			var err error
			if items, ok := sub.get("items").(*object); ok {
				inner, err = rewordObject(items, path+"[]", words, used)
			} else {
				inner, err = rewordObject(sub, path, words, used)
			}
			if err != nil {
				return nil, err
			}
		}
		if _, dup := newProps.vals[nk]; dup {
			return nil, fmt.Errorf("two properties of %q would be named %q", cmp.Or(prefix, "the schema"), nk)
		}
		newProps.set(nk, props.get(k))
		newName[k] = nk
		r[nk] = rename{old: k, inner: inner}
	}
	schema.set("properties", newProps)
	if req, ok := schema.get("required").([]any); ok {
		for i, x := range req {
			if s, ok := x.(string); ok && newName[s] != "" {
				req[i] = newName[s]
			}
		}
	}
	return r, nil
}
