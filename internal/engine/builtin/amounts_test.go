package builtin_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAmountsOnLines checks which of a receipt's many amounts a number
// field takes: amounts ending lines with no separator, the words around
// "total" that make an amount another one (a subtotal, a tax, a count, a
// total before tax), a tax rate in the label, the last of the nearly best
// totals, a tax summary's row; and nulls where only another kind of
// total is printed.
func TestAmountsOnLines(t *testing.T) {
	t.Parallel()
	const (
		total  = `{"properties": {"total": {"type": "number"}}}`
		totals = `{"properties": {"total": {"type": "number"}, "subtotal": {"type": "number"}, "total_gst": {"type": "number"}}}`
		paid   = `{"properties": {"amount_paid": {"type": "number", "description": "What the customer paid in the end, tax included."}}}`
		net    = `{"properties": {"net_amount": {"type": "number", "description": "Sum of the lines before tax."}, "total": {"type": "number"}}}`
	)
	tests := []struct {
		name, doc, schema string
		want              map[string]any
	}{
		{"NoSeparator", "KEDAI MAJU\nMILO 1KG        16.90\nTOTAL ROUNDED RM 33.90", total,
			map[string]any{"total": 33.9}},
		{"Qualifiers",
			"KEDAI MAJU\nTOTAL QTY                       5\nSUB TOTAL                   31.98\nTOTAL GST                    1.92\nTOTAL                       33.90",
			totals, map[string]any{"total": 33.9, "subtotal": 31.98, "total_gst": 1.92}},
		{"ExcludingBeforeInclusive",
			"KEDAI MAJU\nTOTAL SALES (EXCLUDING GST)     31.98\nTOTAL SALES (INCLUSIVE GST)     33.90\nCASH    50.00\nCHANGE  16.10",
			total, map[string]any{"total": 33.9}},
		{"RateIsTheTax",
			"CAFE ANGSANA\nTOTAL                       26.60\nTOTAL INCLUDES 6% GST        1.51",
			total, map[string]any{"total": 26.6}},
		{"LastOfNearlyBest",
			"KEDAI MAJU\nTOTAL           33.88\nROUNDING ADJ     0.02\nTOTAL ROUNDED   33.90",
			total, map[string]any{"total": 33.9}},
		{"TaxSummaryRow",
			"KEDAI MAJU\nTOTAL AMOUNT          112.47\nGST SUMMARY   AMOUNT   TAX\nSR 6%        106.10   6.37\nTOTAL :      106.10   6.37",
			total, map[string]any{"total": 112.47}},
		{"PaidInOtherWords", "KEDAI MAJU\nSUB TOTAL  31.98\nTOTAL GST   1.92\nTOTAL ROUNDED RM 33.90\nCASH 50.00", paid,
			map[string]any{"amount_paid": 33.9}},
		{"NetTotal", "Nordlicht GmbH\nNet total      100.00\nVAT 19%         19.00\nTotal          119.00", net,
			map[string]any{"net_amount": 100.0, "total": 119.0}},
		{"LastOfEqualTotals", "KEDAI MAJU\nTOTAL           19.00\nTOTAL           18.50", total,
			map[string]any{"total": 18.5}},
		{"PaidAgreesAboveTheCap", "KEDAI MAJU\nTOTAL           18.50\nTOTAL           19.00\nCASH            20.00\nCHANGE           1.50", total,
			map[string]any{"total": 18.5}},
		{"OnlyTaxTotal", "KEDAI MAJU\nTOTAL GST         1.92", total,
			map[string]any{"total": nil}},
		{"OnlyQuantity", "KEDAI MAJU\nTOTAL QTY         5", total,
			map[string]any{"total": nil}},
		{"OnlySubtotal", "KEDAI MAJU\nSUB TOTAL         31.98", total,
			map[string]any{"total": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := extractMap(t, laidOut(t, tt.doc), json.RawMessage(tt.schema), tt.want)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Extract(%q) mismatch (-want +got):\n%s", tt.doc, diff)
			}
		})
	}
}
