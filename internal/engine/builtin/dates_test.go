package builtin_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDatesInLines checks the dates read inside lines, where no label
// names the field: a receipt's date among order and register numbers, a
// bill's labelled date, a date field with a qualifier ("due") taking only
// the date after its word, a qualifier the document never uses, and the
// order of day and month read from the document's currency or tax when
// its dates cannot tell.
func TestDatesInLines(t *testing.T) {
	t.Parallel()
	const (
		plain    = `{"properties": {"date": {"type": "string", "format": "date"}}}`
		due      = `{"properties": {"due_date": {"type": "string", "format": "date"}}}`
		both     = `{"properties": {"invoice_date": {"type": "string", "format": "date"}, "due_date": {"type": "string", "format": "date"}}}`
		purchase = `{"properties": {"purchased_on": {"type": "string", "format": "date", "description": "When the goods were bought."}}}`
	)
	tests := []struct {
		name, doc, schema string
		want              map[string]any
	}{
		{"InLine", "KEDAI MAJU\nORD #50 -REG #19- 18/01/2018 10:27:03\nTOTAL RM 9.00", plain,
			map[string]any{"date": "2018-01-18"}},
		{"BillDate", "CAFE ANGSANA\nTABLE 4   PAX 2\nBILL DATE : 20/11/2017  TIME 13:05\nTOTAL 12.00", plain,
			map[string]any{"date": "2017-11-20"}},
		{"FirstOfSeveral", "No. 881 12/05/2020 09:14\nTOTAL RM 5.00\nVALID UNTIL 12/06/2020", plain,
			map[string]any{"date": "2020-05-12"}},
		{"QualifiedAfterItsWord", "INVOICE 77 issued 02/03/2024, payment due 16/03/2024\nTOTAL EUR 40,00", both,
			map[string]any{"invoice_date": "2024-03-02", "due_date": "2024-03-16"}},
		{"QualifiedNoOwnDate", "Printed 02/03/2024 10:00\nAmount due EUR 40,00", due,
			map[string]any{"due_date": nil}},
		{"QualifierUnused", "KEDAI MAJU\nORD #50 18/01/2018 10:27\nTOTAL RM 9.00", purchase,
			map[string]any{"purchased_on": "2018-01-18"}},
		// 03/04 could be either: the currency says which.
		{"RinggitDayFirst", "KEDAI MAJU\nNo. 12 03/04/2019 10:00\nTOTAL RM 5.00", plain,
			map[string]any{"date": "2019-04-03"}},
		{"GSTDayFirst", "KEDAI MAJU\nNo. 12 03/04/2019 10:00\nGST 6% 0.30\nTOTAL 5.30", plain,
			map[string]any{"date": "2019-04-03"}},
		{"EuroDayFirst", "Café Nord\nBon 12 03/04/2019 10:00\nTotal €5,00", plain,
			map[string]any{"date": "2019-04-03"}},
		{"VATDayFirst", "Corner Shop\nTill 3 03/04/2019 10:00\nVAT 1.00\nTotal 6.00", plain,
			map[string]any{"date": "2019-04-03"}},
		{"DollarsMonthFirst", "Corner Shop\nTill 3 03/04/2019 10:00\nTotal USD 5.00", plain,
			map[string]any{"date": "2019-03-04"}},
		// A day past twelve settles the order whatever the currency.
		{"DateSaysDayFirst", "Corner Shop\nTill 3 13/04/2019 10:00\nTotal USD 5.00", plain,
			map[string]any{"date": "2019-04-13"}},
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
