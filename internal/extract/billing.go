package extract

// CreditsPerPage is what extracting one page costs, by tier, in the hosted
// service's credits, as its clients document them (ExtractV2Parameters.tier
// in @llamaindex/llama-cloud 2.16.0). Quarry charges nobody; it reports
// these so that a program accounting for its usage against the hosted
// service reads the same numbers from Quarry.
var CreditsPerPage = map[string]int{
	TierCostEffective: 5,
	TierAgentic:       15,
	TierAgenticPlus:   50,
	TierTurbo:         35,
}

// Billing is what a job is charged, in credits.
type Billing struct {
	// PagesBilled is the pages charged for: the pages extracted
	// (Usage.NumPagesExtracted) when the job completed, none otherwise.
	PagesBilled int
	// ExtractCredits is PagesBilled at the job's tier's CreditsPerPage.
	ExtractCredits int
	// ParseCredits is always 0: Quarry parses as part of the extraction,
	// with no parse job of its own to charge for.
	ParseCredits int
}

// Credits is the job's total: extraction and parsing.
func (b Billing) Credits() int { return b.ExtractCredits + b.ParseCredits }

// Bill says what the job is charged, and false while that is not known:
// until it has finished. A failed or cancelled job is charged nothing, a
// completed one its extracted pages at its tier's rate.
func (j Job) Bill() (Billing, bool) {
	if !j.Status.Terminal() {
		return Billing{}, false
	}
	if j.Status != StatusCompleted || j.Usage == nil {
		return Billing{}, true
	}
	tier := j.Configuration.Tier
	if tier == "" {
		tier = TierCostEffective
	}
	pages := j.Usage.NumPagesExtracted
	return Billing{PagesBilled: pages, ExtractCredits: pages * CreditsPerPage[tier]}, true
}
