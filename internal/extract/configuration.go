package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Tiers and targets the API accepts.
const (
	TierCostEffective = "cost_effective"
	TierAgentic       = "agentic"
	TierAgenticPlus   = "agentic_plus"
	TierTurbo         = "turbo"

	TargetPerDoc      = "per_doc"
	TargetPerPage     = "per_page"
	TargetPerTableRow = "per_table_row"
)

var (
	tiers      = []string{TierCostEffective, TierAgentic, TierAgenticPlus, TierTurbo}
	targets    = []string{TargetPerDoc, TargetPerPage, TargetPerTableRow}
	parseTiers = []string{"fast", "cost_effective", "agentic", "agentic_plus"}
)

// EngineVersion is the concrete version "latest" resolves to: the release of
// Quarry's extraction pipeline. A job reports it, fixed at creation.
const EngineVersion = "2026-11-01"

// Configuration is how a job extracts: the schema of what to find and the
// knobs the hosted service offers. Its JSON form is the API's
// ExtractConfiguration.
type Configuration struct {
	DataSchema       json.RawMessage `json:"data_schema"`
	Tier             string          `json:"tier,omitempty"`
	ExtractionTarget string          `json:"extraction_target,omitempty"`
	CiteSources      bool            `json:"cite_sources"`
	ConfidenceScores bool            `json:"confidence_scores"`
	SystemPrompt     string          `json:"system_prompt,omitempty"`
	TargetPages      string          `json:"target_pages,omitempty"`
	MaxPages         *int            `json:"max_pages,omitempty"`
	ParseTier        string          `json:"parse_tier,omitempty"`
	ParseConfigID    string          `json:"parse_config_id,omitempty"`
	SheetNames       []string        `json:"sheet_names,omitempty"`
	SpreadsheetMode  bool            `json:"spreadsheet_mode,omitempty"`
	DisableCache     bool            `json:"disable_cache,omitempty"`
	// StrictGrounding is a Quarry extension: a value a model returned that
	// cannot be found in the document's words becomes null instead of
	// standing with a low confidence. The built-in engine only ever returns
	// values it read, so it ignores the flag.
	StrictGrounding bool `json:"strict_grounding,omitempty"`
	// Version is "latest" or a date. The API shows it under both names the
	// public clients use: extract_version (command line) and version
	// (TypeScript).
	Version string `json:"-"`
}

// configurationKeys are the keys DecodeConfiguration accepts; anything else
// is refused so that a typo never silently changes nothing.
var configurationKeys = []string{
	"data_schema", "tier", "extraction_target", "cite_sources", "confidence_scores",
	"system_prompt", "target_pages", "max_pages", "parse_tier", "parse_config_id",
	"sheet_names", "spreadsheet_mode", "disable_cache", "version", "extract_version",
	"strict_grounding",
}

// MarshalJSON writes the configuration with its version under both names.
func (c Configuration) MarshalJSON() ([]byte, error) {
	type plain Configuration
	b, err := json.Marshal(plain(c))
	if err != nil || c.Version == "" {
		return b, err
	}
	v, _ := json.Marshal(c.Version)
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1])
	buf.WriteString(`,"extract_version":`)
	buf.Write(v)
	buf.WriteString(`,"version":`)
	buf.Write(v)
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads a stored or wire configuration without checking it;
// DecodeConfiguration is the strict reader for user input.
func (c *Configuration) UnmarshalJSON(b []byte) error {
	type plain Configuration
	var aux struct {
		plain
		Version        string `json:"version"`
		ExtractVersion string `json:"extract_version"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*c = Configuration(aux.plain)
	c.Version = aux.ExtractVersion
	if c.Version == "" {
		c.Version = aux.Version
	}
	return nil
}

// DecodeConfiguration reads a configuration a user sent, refusing unknown
// keys and values of the wrong type with a message naming the key. prefix
// names where the object sits in the request ("configuration", "parameters").
// It does not check values; Normalize does.
func DecodeConfiguration(raw json.RawMessage, prefix string, allowExtra ...string) (Configuration, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil || keys == nil {
		return Configuration{}, Errorf(CodeInvalid, "%s must be a JSON object", prefix)
	}
	var unknown []string
	for k := range keys {
		if !slices.Contains(configurationKeys, k) && !slices.Contains(allowExtra, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Configuration{}, Errorf(CodeInvalid, "%s has unknown field(s) %s; accepted fields are %s",
			prefix, strings.Join(unknown, ", "), strings.Join(configurationKeys, ", "))
	}
	var c Configuration
	if err := json.Unmarshal(raw, &c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Configuration{}, Errorf(CodeInvalid, "%s.%s must be of type %s", prefix, strings.TrimPrefix(te.Field, "plain."), jsonTypeName(te.Type.Kind().String()))
		}
		return Configuration{}, Errorf(CodeInvalid, "%s is not valid: %v", prefix, err)
	}
	if v, ok := keys["version"]; ok {
		if ev, ok2 := keys["extract_version"]; ok2 && !bytes.Equal(v, ev) {
			return Configuration{}, Errorf(CodeInvalid, "%s.version and %s.extract_version differ; give one of them", prefix, prefix)
		}
	}
	return c, nil
}

func jsonTypeName(kind string) string {
	switch kind {
	case "bool":
		return "boolean"
	case "int", "int64", "float64":
		return "number"
	case "slice":
		return "array"
	case "map", "struct":
		return "object"
	}
	return kind
}

var versionDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// Normalize checks every value and fills the defaults (tier cost_effective,
// target per_doc, version latest). The data schema itself is checked by the
// schema package; here only its presence and kind.
func (c *Configuration) Normalize(prefix string) error {
	if len(bytes.TrimSpace(c.DataSchema)) == 0 || string(bytes.TrimSpace(c.DataSchema)) == "null" {
		return Errorf(CodeInvalid, "%s.data_schema is required: a JSON Schema object describing the fields to extract", prefix)
	}
	if c.Tier == "" {
		c.Tier = TierCostEffective
	}
	if !slices.Contains(tiers, c.Tier) {
		return Errorf(CodeInvalid, "%s.tier %q is not one of %s", prefix, c.Tier, strings.Join(tiers, ", "))
	}
	if c.ExtractionTarget == "" {
		c.ExtractionTarget = TargetPerDoc
	}
	if !slices.Contains(targets, c.ExtractionTarget) {
		return Errorf(CodeInvalid, "%s.extraction_target %q is not one of %s", prefix, c.ExtractionTarget, strings.Join(targets, ", "))
	}
	if c.ParseTier != "" && !slices.Contains(parseTiers, c.ParseTier) {
		return Errorf(CodeInvalid, "%s.parse_tier %q is not one of %s", prefix, c.ParseTier, strings.Join(parseTiers, ", "))
	}
	if c.MaxPages != nil && *c.MaxPages < 1 {
		return Errorf(CodeInvalid, "%s.max_pages must be at least 1 (omit it for no limit)", prefix)
	}
	if c.TargetPages != "" {
		if _, err := ParsePageRanges(c.TargetPages); err != nil {
			return Errorf(CodeInvalid, "%s.target_pages: %s", prefix, ErrorMessage(err))
		}
	}
	if c.Version == "" {
		c.Version = "latest"
	}
	if c.Version != "latest" && !versionDate.MatchString(c.Version) {
		return Errorf(CodeInvalid, "%s.version %q must be \"latest\" or a date like 2026-01-08", prefix, c.Version)
	}
	return nil
}

// Resolve returns the configuration a job runs with: "latest" or a date
// becomes the concrete engine version.
func (c Configuration) Resolve() Configuration {
	c.Version = EngineVersion
	return c
}

// PageRange is an inclusive range of 1-based page numbers.
type PageRange struct{ From, To int }

// ParsePageRanges parses "1,3,5-7" into ranges. Pages are 1-based; ranges
// must not run backwards.
func ParsePageRanges(s string) ([]PageRange, error) {
	var out []PageRange
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, Errorf(CodeInvalid, "%q has an empty entry; write pages like \"1,3,5-7\"", s)
		}
		from, to, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(from))
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(strings.TrimSpace(to))
		}
		if err1 != nil || err2 != nil {
			return nil, Errorf(CodeInvalid, "%q is not a page number or range; write pages like \"1,3,5-7\"", part)
		}
		if a < 1 || b < 1 {
			return nil, Errorf(CodeInvalid, "page %q is out of range: pages are numbered from 1", part)
		}
		if b < a {
			return nil, Errorf(CodeInvalid, "range %q runs backwards", part)
		}
		out = append(out, PageRange{a, b})
	}
	return out, nil
}

// ContainsPage reports whether page n is in any of the ranges.
func ContainsPage(ranges []PageRange, n int) bool {
	for _, r := range ranges {
		if n >= r.From && n <= r.To {
			return true
		}
	}
	return false
}

// String formats a range as the API writes it.
func (r PageRange) String() string {
	if r.From == r.To {
		return strconv.Itoa(r.From)
	}
	return fmt.Sprintf("%d-%d", r.From, r.To)
}

// SelectPages returns the 1-based numbers of the pages of a document of
// total pages that a job reads: those in ranges (all when ranges is empty),
// then the first maxPages of them when maxPages is positive. Ranges that name
// no page of the document are an error, so that a job never silently
// extracts from nothing.
func SelectPages(total int, ranges []PageRange, maxPages int) ([]int, error) {
	var keep []int
	for n := 1; n <= total; n++ {
		if len(ranges) == 0 || ContainsPage(ranges, n) {
			keep = append(keep, n)
		}
	}
	if len(ranges) > 0 && len(keep) == 0 {
		parts := make([]string, len(ranges))
		for i, r := range ranges {
			parts[i] = r.String()
		}
		return nil, Errorf(CodeInvalid,
			"target_pages %s names no page of this document, which has %s", strings.Join(parts, ","), pages(total))
	}
	if maxPages > 0 && len(keep) > maxPages {
		keep = keep[:maxPages]
	}
	return keep, nil
}

func pages(n int) string {
	if n == 1 {
		return "1 page"
	}
	return strconv.Itoa(n) + " pages"
}
