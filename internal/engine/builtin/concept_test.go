package builtin

import (
	"encoding/json"
	"testing"
)

// TestConceptOf checks that a field's invoice concept comes from all its
// words, whatever the property is called, and that fields about something
// else have none.
func TestConceptOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, prop string // prop is the property's schema
		want       concept
	}{
		{"InvoiceNumber", `{"type": "string"}`, conceptInvoiceNumber},
		{"invoice_number", `{"type": "string"}`, conceptInvoiceNumber},
		{"doc_no", `{"type": "string", "title": "Invoice number"}`, conceptInvoiceNumber},
		{"issued", `{"type": "string", "format": "date"}`, conceptInvoiceDate},
		{"invoice_date", `{"type": "string", "format": "date"}`, conceptInvoiceDate},
		{"due_date", `{"type": "string", "format": "date"}`, conceptNone},
		{"supplier", `{"type": "string"}`, conceptSellerName},
		{"seller_address", `{"type": "string"}`, conceptNone},
		{"customer_name", `{"type": "string"}`, conceptBuyerName},
		{"supplier_vat", `{"type": "string"}`, conceptSellerVAT},
		{"buyer_vat_id", `{"type": "string"}`, conceptBuyerVAT},
		{"currency_code", `{"type": "string"}`, conceptCurrency},
		{"total_net", `{"type": "number"}`, conceptNetTotal},
		{"vat", `{"type": "number"}`, conceptTaxTotal},
		{"vat_rate", `{"type": "number"}`, conceptNone},
		{"total_gross", `{"type": "number"}`, conceptGrandTotal},
		{"total", `{"type": "number"}`, conceptGrandTotal},
		{"amount_payable", `{"type": "number"}`, conceptAmountDue},
		{"line_total", `{"type": "number"}`, conceptNone},
		{"unit_price", `{"type": "number"}`, conceptNone},
		{"qty", `{"type": "number"}`, conceptQuantity},
		{"text", `{"type": "string"}`, conceptItemText},
		{"notes", `{"type": "string"}`, conceptNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			schema := json.RawMessage(`{"type": "object", "properties": {"` + tt.name + `": ` + tt.prop + `}}`)
			pl, err := planFor(schema)
			if err != nil {
				t.Fatalf("planFor: %v", err)
			}
			if got := pl.fields[0].concept; got != tt.want {
				t.Errorf("conceptOf(%s %s) = %d, want %d", tt.name, tt.prop, got, tt.want)
			}
		})
	}
}

// TestConceptRead checks the typed readers of concept values: what they
// accept, how they write it, and what they refuse.
func TestConceptRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		c      concept
		text   string
		want   string
		wantOK bool
	}{
		{"VATGerman", conceptSellerVAT, "DE123456789", "DE123456789", true},
		{"VATSpaced", conceptSellerVAT, "DE 811 907 980", "DE811907980", true},
		{"VATFrench", conceptSellerVAT, "FR 40 303 265 045", "FR40303265045", true},
		{"VATDutch", conceptSellerVAT, "NL001234567B01", "NL001234567B01", true},
		{"VATAustrian", conceptBuyerVAT, "ATU12345678", "ATU12345678", true},
		{"VATInSentence", conceptSellerVAT, "USt-IdNr. DE123456789, Steuernr. 143/815/08154", "DE123456789", true},
		{"NationalTaxNumber", conceptSellerVAT, "143/815/08154", "", false},
		{"TooShort", conceptSellerVAT, "DE12345678", "", false},
		{"CurrencyCode", conceptCurrency, "EUR", "EUR", true},
		{"CurrencySign", conceptCurrency, "1.234,56 €", "EUR", true},
		{"CurrencyInPhrase", conceptCurrency, "Beträge in CHF", "CHF", true},
		{"DollarIsAmbiguous", conceptCurrency, "$1,234.56", "", false},
		{"NoCurrency", conceptCurrency, "Lieferant", "", false},
		{"Name", conceptSellerName, "Nordlicht Büromöbel GmbH", "Nordlicht Büromöbel GmbH", true},
		{"Street", conceptSellerName, "Hafenstraße 7", "", false},
		{"PostalTown", conceptBuyerName, "DE 20457 Hamburg", "", false},
		{"LabelledLine", conceptBuyerName, "Nummer: 731942", "", false},
		{"LegalFormAlone", conceptSellerName, "GmbH", "", false},
		{"Number", conceptInvoiceNumber, "2024-118", "2024-118", true},
		{"NumberAndSentence", conceptInvoiceNumber, "2024118 vom", "", false},
		{"NumberIsDate", conceptInvoiceNumber, "14.03.2024", "", false},
		{"NumberWithoutDigit", conceptInvoiceNumber, "Rechnung", "", false},
		{"QuantityUnit", conceptQuantity, "20 Stk", "20", true},
		{"QuantityArea", conceptQuantity, "3,00 m²", "3,00", true},
		{"QuantityRunOn", conceptQuantity, "20 Stk 19 % VAT (S)", "20", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, ok := tt.c.read(tt.text)
			if ok != tt.wantOK || ok && got != tt.want {
				t.Errorf("read(%q) = %q, %v; want %q, %v", tt.text, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
