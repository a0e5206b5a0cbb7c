package layout_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document/layout"
)

func TestAnalyzeTables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		lines  []string
		tables [][][]string
	}{
		{
			// The label and value block is aligned in two columns too; the
			// blank line ends it, and the item table keeps its columns.
			name: "BlockAboveTable",
			lines: []string{
				"Invoice No:   INV-7",
				"Date:         2024-03-05",
				"",
				"Description          Qty   Unit Price    Amount",
				"Widget                 2         4.00      8.00",
				"Gadget                10         1.50     15.00",
			},
			tables: [][][]string{
				{{"Invoice No:", "INV-7"}, {"Date:", "2024-03-05"}},
				{{"Description", "Qty", "Unit Price", "Amount"}, {"Widget", "2", "4.00", "8.00"}, {"Gadget", "10", "1.50", "15.00"}},
			},
		},
		{
			name: "EmptyCells",
			lines: []string{
				"Date          Description                      Debit      Credit       Balance",
				"01/05/2024    Opening balance                                         2,418.55",
				"03/05/2024    Salary - Brightline Ltd                   3,150.00      5,568.55",
				"07/05/2024    Rent payment                  1,650.00                  3,918.55",
				"12/05/2024    Grocery Mart #221               142.87                  3,775.68",
			},
			tables: [][][]string{{
				{"Date", "Description", "Debit", "Credit", "Balance"},
				{"01/05/2024", "Opening balance", "", "", "2,418.55"},
				{"03/05/2024", "Salary - Brightline Ltd", "", "3,150.00", "5,568.55"},
				{"07/05/2024", "Rent payment", "1,650.00", "", "3,918.55"},
				{"12/05/2024", "Grocery Mart #221", "142.87", "", "3,775.68"},
			}},
		},
		{
			name: "TwoSpaceHeaderGap",
			lines: []string{
				"Pos.  Article                   Qty   Amount",
				"1     Precision bearing 6204     20    95.00",
				"2     Spindle housing             2   624.80",
				"10    Calibration service         1   180.00",
			},
			tables: [][][]string{{
				{"Pos.", "Article", "Qty", "Amount"},
				{"1", "Precision bearing 6204", "20", "95.00"},
				{"2", "Spindle housing", "2", "624.80"},
				{"10", "Calibration service", "1", "180.00"},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := grid(tt.lines...)
			layout.Analyze(&p)
			checkPage(t, &p)
			if diff := cmp.Diff(tt.tables, tableTexts(&p)); diff != "" {
				t.Errorf("tables (-want +got):\n%s", diff)
			}
		})
	}
}
