package extract

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePageRanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []PageRange
		wantErr string
	}{
		{"1", []PageRange{{1, 1}}, ""},
		{"1,3,5-7", []PageRange{{1, 1}, {3, 3}, {5, 7}}, ""},
		{" 2 - 4 , 9", []PageRange{{2, 4}, {9, 9}}, ""},
		{"0", nil, "numbered from 1"},
		{"-1", nil, "not a page number"},
		{"3-1", nil, "backwards"},
		{"1,,2", nil, "empty entry"},
		{"a-b", nil, "not a page number"},
		{"", nil, "empty entry"},
	}
	for _, tt := range tests {
		got, err := ParsePageRanges(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || ErrorCode(err) != CodeInvalid {
				t.Errorf("ParsePageRanges(%q) error = %v, want CodeInvalid mentioning %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParsePageRanges(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParsePageRanges(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestDecodeConfiguration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"Minimal", `{"data_schema": {"type": "object"}}`, ""},
		{"Everything", `{"data_schema": {}, "tier": "agentic", "extraction_target": "per_page", "cite_sources": true,
			"confidence_scores": true, "system_prompt": "p", "target_pages": "1-2", "max_pages": 3, "parse_tier": "fast",
			"parse_config_id": "cfg-1", "sheet_names": ["a"], "spreadsheet_mode": false, "disable_cache": true, "version": "latest"}`, ""},
		{"ExtractVersionAlias", `{"data_schema": {}, "extract_version": "2026-01-08"}`, ""},
		{"UnknownKey", `{"data_schema": {}, "temperature": 0.2}`, "unknown field(s) temperature"},
		{"WrongType", `{"data_schema": {}, "cite_sources": "yes"}`, "configuration.cite_sources must be of type boolean"},
		{"NotObject", `[1]`, "must be a JSON object"},
		{"VersionsDiffer", `{"data_schema": {}, "version": "latest", "extract_version": "2026-01-08"}`, "differ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeConfiguration(json.RawMessage(tt.in), "configuration")
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("DecodeConfiguration: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("DecodeConfiguration error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	c := Configuration{DataSchema: json.RawMessage(`{}`)}
	if err := c.Normalize("configuration"); err != nil {
		t.Fatal(err)
	}
	if c.Tier != TierCostEffective || c.ExtractionTarget != TargetPerDoc || c.Version != "latest" {
		t.Errorf("defaults = %q %q %q", c.Tier, c.ExtractionTarget, c.Version)
	}
	zero := 0
	bad := []struct {
		c    Configuration
		want string
	}{
		{Configuration{}, "data_schema is required"},
		{Configuration{DataSchema: json.RawMessage(`null`)}, "data_schema is required"},
		{Configuration{DataSchema: json.RawMessage(`{}`), Tier: "gold"}, "tier"},
		{Configuration{DataSchema: json.RawMessage(`{}`), ExtractionTarget: "per_word"}, "extraction_target"},
		{Configuration{DataSchema: json.RawMessage(`{}`), MaxPages: &zero}, "max_pages"},
		{Configuration{DataSchema: json.RawMessage(`{}`), TargetPages: "0"}, "target_pages"},
		{Configuration{DataSchema: json.RawMessage(`{}`), Version: "yesterday"}, "version"},
		{Configuration{DataSchema: json.RawMessage(`{}`), ParseTier: "slow"}, "parse_tier"},
	}
	for _, b := range bad {
		err := b.c.Normalize("configuration")
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Normalize(%+v) = %v, want an error about %s", b.c, err, b.want)
		}
	}
}

func TestConfigurationJSONRoundTrip(t *testing.T) {
	t.Parallel()
	three := 3
	c := Configuration{DataSchema: json.RawMessage(`{"type":"object"}`), Tier: TierAgentic, ExtractionTarget: TargetPerPage,
		CiteSources: true, MaxPages: &three, TargetPages: "1-3", Version: "2026-11-01"}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	if m["version"] != "2026-11-01" || m["extract_version"] != "2026-11-01" {
		t.Errorf("marshalled version under %v / %v, want both names", m["version"], m["extract_version"])
	}
	var back Configuration
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
