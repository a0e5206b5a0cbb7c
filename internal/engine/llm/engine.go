package llm

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/extract"
)

// NamePrefix starts Outcome.Engine for results of this engine; the model's
// name follows it ("llm:qwen2.5:7b").
const NamePrefix = "llm:"

// Engine runs the agentic tiers on a model and the others on the built-in
// engine. It is safe for any number of jobs at once; they share the
// model's concurrency limit.
type Engine struct {
	cfg    Config
	client *client
}

var _ extract.Engine = (*Engine)(nil)

// New returns an engine for the configured model server. It sends nothing
// until a job runs: a server that is down fails jobs, not the start.
func New(cfg Config) (*Engine, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, client: newClient(cfg)}, nil
}

// Extract runs cfg's tier: cost_effective and turbo on the built-in
// engine, agentic and agentic_plus on the model.
func (e *Engine) Extract(ctx context.Context, doc *document.Document, cfg extract.Configuration) (extract.Outcome, error) {
	var model string
	switch cfg.Tier {
	case extract.TierAgentic:
		model = e.cfg.AgenticModel
	case extract.TierAgenticPlus:
		model = e.cfg.AgenticPlusModel
	default:
		return e.cfg.Builtin.Extract(ctx, doc, cfg)
	}
	if doc == nil {
		return extract.Outcome{}, errors.New("llm engine: no document")
	}
	root, err := readSchema(cfg.DataSchema)
	if err != nil {
		return extract.Outcome{}, err
	}
	// The built-in engine's reading is the model's hint and grounding's
	// second opinion. It also checks the schema and the target the same way
	// for both engines.
	hints, err := e.cfg.Builtin.Extract(ctx, doc, cfg)
	if err != nil {
		return extract.Outcome{}, fmt.Errorf("llm engine: built-in candidates: %w", err)
	}
	r := &run{e: e, model: model, cfg: cfg, plus: cfg.Tier == extract.TierAgenticPlus}
	meta := &extract.FieldMetadata{}
	var result json.RawMessage
	hm := hints.FieldMetadata
	if hm == nil {
		hm = &extract.FieldMetadata{}
	}
	switch cmp.Or(cfg.ExtractionTarget, extract.TargetPerDoc) {
	case extract.TargetPerDoc:
		cands, err := e.findCandidates(ctx, doc, cfg)
		if err != nil {
			return extract.Outcome{}, err
		}
		val, m, err := r.extract(ctx, root, doc.Pages, decodeHint(hints.Result), decodeHint(hm.Document), cands)
		if err != nil {
			return extract.Outcome{}, err
		}
		result, meta.Document = mustJSON(val), mustJSON(m)
	case extract.TargetPerPage:
		hv, _ := decodeHint(hints.Result).([]any)
		vals := make([]json.RawMessage, len(doc.Pages))
		meta.Pages = make([]json.RawMessage, len(doc.Pages))
		err := parallel(len(doc.Pages), func(i int) error {
			var h, m any
			if i < len(hv) {
				h = hv[i]
			}
			if i < len(hm.Pages) {
				m = decodeHint(hm.Pages[i])
			}
			cands, err := e.findCandidates(ctx, &document.Document{Pages: doc.Pages[i : i+1], TotalPages: doc.TotalPages}, cfg)
			if err != nil {
				return err
			}
			val, mm, err := r.extract(ctx, root, doc.Pages[i:i+1], h, m, cands)
			vals[i], meta.Pages[i] = mustJSON(val), mustJSON(mm)
			return err
		})
		if err != nil {
			return extract.Outcome{}, err
		}
		result = mustJSON(rawList(vals))
	case extract.TargetPerTableRow:
		// The schema describes one row: the model is asked for all of them
		// at once, and chunks' rows are merged like any array.
		wrap := &node{kind: kindObject, props: []field{{name: "rows", required: true, n: &node{kind: kindArray, items: root,
			desc: "every row of the document's tables that the item schema describes, in document order"}}}}
		hr := newObject()
		hr.set("rows", decodeHint(hints.Result))
		hrm := newObject()
		rowMeta := []any{}
		for _, m := range hm.Rows {
			rowMeta = append(rowMeta, decodeHint(m))
		}
		hrm.set("rows", rowMeta)
		// The built-in engine's candidates are a document's, not a row's:
		// the rows' hints are its table rows alone.
		val, m, err := r.extract(ctx, wrap, doc.Pages, hr, hrm, nil)
		if err != nil {
			return extract.Outcome{}, err
		}
		rows, _ := val.(*object).get("rows")
		rowsMeta, _ := m.(*object).get("rows")
		result = mustJSON(rows)
		meta.Rows = []json.RawMessage{}
		for _, x := range rowsMeta.([]any) {
			meta.Rows = append(meta.Rows, mustJSON(x))
		}
	default:
		return extract.Outcome{}, extract.Errorf(extract.CodeInvalid,
			"extraction_target %q is not one of per_doc, per_page, per_table_row", cfg.ExtractionTarget)
	}
	r.mu.Lock()
	usage := r.usage
	r.mu.Unlock()
	usage.NumPagesExtracted = len(doc.Pages)
	return extract.Outcome{Result: result, FieldMetadata: meta, Usage: usage, Engine: NamePrefix + model}, nil
}

func rawList(items []json.RawMessage) []any {
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it
	}
	return out
}

func decodeHint(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	v, err := decodeOrdered(raw)
	if err != nil {
		return nil
	}
	return v
}

// parallel runs fn for 0..n-1 at once and returns the first error. The
// model client's limit is what bounds the requests in flight.
func parallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// run is one job's extraction on the model.
type run struct {
	e     *Engine
	model string
	cfg   extract.Configuration
	plus  bool

	mu    sync.Mutex
	usage extract.Usage
}

func (r *run) addUsage(u extract.Usage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.usage.NumDocumentTokens += u.NumDocumentTokens
	r.usage.NumOutputTokens += u.NumOutputTokens
}

// part is one chunk's answer: values and metadata of the same shape.
type part struct{ val, meta any }

// extract fills n from pages: per chunk, merged, and for agentic_plus a
// second pass and the arithmetic check. It returns the result in the
// user's schema's shape and its metadata. hint and hintMeta are the
// built-in engine's result, cands the values it weighed per field.
func (r *run) extract(ctx context.Context, n *node, pages []document.Page, hint, hintMeta any, cands candidates) (any, any, error) {
	parts, err := r.chunks(ctx, n, pages, hint, hintMeta, cands, "")
	if err != nil {
		return nil, nil, err
	}
	val, meta := mergeParts(n, parts)
	if r.plus {
		if val, meta, err = r.secondPass(ctx, n, pages, val, meta, hint, hintMeta, cands); err != nil {
			return nil, nil, err
		}
		checkArithmetic(n, val, meta)
	}
	val, meta, _ = finish(n, val, meta, true)
	return val, meta, nil
}

const instructions = `You extract data from documents into JSON.
Use only what the document says. Copy text values exactly as the document writes them; write numbers as plain JSON numbers (no currency symbols or thousands separators) and dates as YYYY-MM-DD.
Use null for anything the document does not give: never guess.
Reply with one JSON object that matches the schema, and nothing else.`

// chunks asks the model for n over pages, split to fit the context, and
// grounds each chunk's answer in that chunk's pages.
func (r *run) chunks(ctx context.Context, n *node, pages []document.Page, hint, hintMeta any, cands candidates, extra string) ([]part, error) {
	schema := n.strict(false)
	system := instructions
	if p := strings.TrimSpace(r.cfg.SystemPrompt); p != "" {
		system += "\n\n" + p
	}
	if extra != "" {
		system += "\n\n" + extra
	}
	schemaText := string(mustJSON(schema))
	hintText := ""
	if hint != nil {
		hintText = string(mustJSON(hint))
	}
	// The candidates of all pages bound those of any chunk.
	candText := cands.render(n, nil)
	fixed := func() int {
		return tokens(system) + tokens(schemaText) + tokens(hintText) + tokens(candText) + 200
	}
	budget := r.e.cfg.ContextWindow - r.e.cfg.MaxOutputTokens - fixed()
	if budget < 500 && (hintText != "" || candText != "") {
		// The hints are a help, not a need: drop them before the document.
		hintText, candText = "", ""
		budget = r.e.cfg.ContextWindow - r.e.cfg.MaxOutputTokens - fixed()
	}
	if budget < 500 {
		return nil, extract.Errorf(extract.CodeInvalid,
			"the schema and system_prompt leave no room for the document in the model's context window of %d tokens; shorten them or configure a larger context window",
			r.e.cfg.ContextWindow)
	}
	chunks := split(pages, budget)
	lookup := cands.lookup()
	parts := make([]part, len(chunks))
	err := parallel(len(chunks), func(i int) error {
		ch := chunks[i]
		var user strings.Builder
		user.WriteString("JSON Schema of the reply:\n")
		user.WriteString(schemaText)
		if hintText != "" {
			user.WriteString("\n\nCandidates a rule-based reader found in the whole document (they may be incomplete or wrong; check each against the text):\n")
			user.WriteString(hintText)
		}
		if candText != "" {
			if ct := cands.render(n, ch.pages); ct != "" {
				user.WriteString("\n\n")
				user.WriteString(ct)
			}
		}
		first, last := ch.pages[0].Number, ch.pages[len(ch.pages)-1].Number
		if len(chunks) > 1 {
			fmt.Fprintf(&user, "\n\nThis is one part of a longer document: pages %d to %d. Fill what these pages give; use null for the rest.", first, last)
		}
		user.WriteString("\n\nDocument:\n")
		user.WriteString(ch.text)
		msgs := []message{{Role: "system", Content: system}, {Role: "user", Content: user.String()}}
		v, rep, err := r.ask(ctx, msgs, schema)
		if err != nil {
			return err
		}
		g := &grounder{streams: newStreams(ch.pages), strict: r.cfg.StrictGrounding, lp: newLogprobIndex(rep), cands: lookup}
		val, meta := g.walk(n, n.coerce(v), hint, hintMeta, []string{})
		parts[i] = part{val: val, meta: meta}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return parts, nil
}

// ask sends msgs and reads the reply as a JSON object, asking once more
// with the parse error when it is not one.
func (r *run) ask(ctx context.Context, msgs []message, schema any) (any, reply, error) {
	rep, err := r.e.client.complete(ctx, r.model, msgs, schema)
	if err != nil {
		return nil, reply{}, r.providerError(ctx, err)
	}
	r.addUsage(rep.usage)
	v, perr := parseReply(rep.content)
	if perr == nil {
		return v, rep, nil
	}
	r.e.cfg.Logger.WarnContext(ctx, "model reply is not valid JSON; asking for a repair", "model", r.model, "err", perr)
	msgs = append(msgs[:len(msgs):len(msgs)],
		message{Role: "assistant", Content: rep.content},
		message{Role: "user", Content: fmt.Sprintf("That reply is not valid JSON (%v). Reply again with only the corrected JSON object that matches the schema.", perr)})
	if rep, err = r.e.client.complete(ctx, r.model, msgs, schema); err != nil {
		return nil, reply{}, r.providerError(ctx, err)
	}
	r.addUsage(rep.usage)
	if v, perr = parseReply(rep.content); perr != nil {
		return nil, reply{}, extract.Errorf(extract.CodeInvalid,
			"the model %s returned malformed JSON twice, the second time after being shown the error (%v); try again, or use a model that supports structured output", r.model, perr)
	}
	return v, rep, nil
}

// providerError turns a failed request into the job's failure: the
// cancellation itself when the job was cancelled, otherwise a sentence for
// the user naming what the server said (the full cause goes to the log).
func (r *run) providerError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("llm engine: %w", err)
	}
	r.e.cfg.Logger.ErrorContext(ctx, "model request failed", "model", r.model, "base_url", r.e.cfg.BaseURL, "err", err)
	return extract.Errorf(extract.CodeInvalid, "the model server at %s failed to answer for model %s: %v", r.e.cfg.BaseURL, r.model, err)
}

// parseReply reads a model's reply as a JSON object, forgiving a Markdown
// code fence or words around it, which JSON mode does not always prevent.
func parseReply(content string) (any, error) {
	s := strings.TrimSpace(content)
	if i, j := strings.Index(s, "{"), strings.LastIndex(s, "}"); i >= 0 && j > i {
		s = s[i : j+1]
	}
	v, err := decodeOrdered([]byte(s))
	if err != nil {
		return nil, err
	}
	if _, ok := v.(*object); !ok {
		return nil, errors.New("the reply is not a JSON object")
	}
	return v, nil
}
