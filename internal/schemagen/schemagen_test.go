package schemagen

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/extract"
)

// prop shortens expected properties in tables.
func prop(typ, format, description string) Property {
	return Property{Type: typ, Format: format, Description: description}
}

func TestFromPrompt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prompt string
		want   []Field
	}{
		{"Request", "Extract the invoice number, the total amount and due date", []Field{
			{"invoice_number", prop("string", "", "invoice number")},
			{"total_amount", prop("number", "", "total amount")},
			{"due_date", prop("string", "date", "due date")},
		}},
		{"ScopeDropped", "Please get the vendor name and the number of pages from the invoice.", []Field{
			{"vendor_name", prop("string", "", "vendor name")},
			{"number_of_pages", prop("integer", "", "number of pages")},
		}},
		{"Colon", "This is a receipt. Fields: merchant, purchase date; tax; item count; customer email", []Field{
			{"merchant", prop("string", "", "merchant")},
			{"purchase_date", prop("string", "date", "purchase date")},
			{"tax", prop("number", "", "tax")},
			{"item_count", prop("integer", "", "item count")},
			{"customer_email", prop("string", "email", "customer email")},
		}},
		{"Bullets", "I need:\n- Policy number\n- Start date\n- Premium\n- Is renewal", []Field{
			{"policy_number", prop("string", "", "policy number")},
			{"start_date", prop("string", "date", "start date")},
			{"premium", prop("string", "", "premium")},
			{"is_renewal", prop("boolean", "", "is renewal")},
		}},
		{"BareList", "name, date of birth, email address", []Field{
			{"name", prop("string", "", "name")},
			{"date_of_birth", prop("string", "date", "date of birth")},
			{"email_address", prop("string", "email", "email address")},
		}},
		{"NameEndsInText", "Find the price list name and the quantity", []Field{
			{"price_list_name", prop("string", "", "price list name")},
			{"quantity", prop("integer", "", "quantity")},
		}},
		{"Possessive", "Can you get me the customer's name and address?", []Field{
			{"customer_name", prop("string", "", "customer name")},
			{"address", prop("string", "", "address")},
		}},
		{"Duplicates", "Extract the total, the Total and the total field", []Field{
			{"total", prop("number", "", "total")},
		}},
		{"ContextOnly", "The documents are scanned invoices from our suppliers.", nil},
		{"Empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, FromPrompt(tt.prompt)); diff != "" {
				t.Errorf("FromPrompt(%q) (-want +got):\n%s", tt.prompt, diff)
			}
		})
	}
}

func TestFromDocument(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format string
		src    string
		want   []Field
	}{
		{"Invoice", text.FormatText, strings.Join([]string{
			"ACME Supplies Ltd.",
			"Invoice Number: INV-2024-0042",
			"Invoice Date: March 5, 2024",
			"Due Date: 2024-04-04",
			"Customer: Northwind Traders",
			"Contact Email: billing@northwind.example",
			"Paid: no",
			"Items: 14",
			"Account No: 00123",
			"Website: https://northwind.example",
			"Total: $1,234.56",
		}, "\n"), []Field{
			{"invoice_number", prop("string", "", "Invoice Number")},
			{"invoice_date", prop("string", "date", "Invoice Date")},
			{"due_date", prop("string", "date", "Due Date")},
			{"customer", prop("string", "", "Customer")},
			{"contact_email", prop("string", "email", "Contact Email")},
			{"paid", prop("boolean", "", "Paid")},
			{"items", prop("integer", "", "Items")},
			{"account_no", prop("string", "", "Account No")},
			{"website", prop("string", "", "Website")},
			{"total", prop("number", "", "Total")},
		}},
		{"AmountsAndIdentifiers", text.FormatText, strings.Join([]string{
			"Subtotal: 1.234,50 €",
			"Tax: 200",
			"Order #: 4411",
			"Issued: 05/03/2024",
			"Signed at: 2024-03-05T10:30:00Z",
			"Note: call before 10:30",
			"Quantity: 1,200",
			"Rate: 7.5%",
			"Ratio: 3.14159",
			"Weight: 1.250",
		}, "\n"), []Field{
			{"subtotal", prop("number", "", "Subtotal")},
			{"tax", prop("number", "", "Tax")},
			{"order_number", prop("string", "", "Order #")},
			{"issued", prop("string", "date", "Issued")},
			{"signed_at", prop("string", "date-time", "Signed at")},
			{"note", prop("string", "", "Note")},
			{"quantity", prop("integer", "", "Quantity")},
			{"rate", prop("number", "", "Rate")},
			{"ratio", prop("number", "", "Ratio")},
			{"weight", prop("number", "", "Weight")},
		}},
		{"NotLabels", text.FormatText, strings.Join([]string{
			"10:30 meeting with the supplier",
			"https://example.com/invoice",
			"Thank you for your business, we look forward to serving you again soon: ACME",
			"| Time | 10:30 |",
			"Empty:",
		}, "\n"), nil},
		{"Markdown", text.FormatMarkdown, strings.Join([]string{
			"# Receipt",
			"**Merchant:** Corner Café",
			"- Date: 2024-02-01",
			"",
			"| Field | Value |",
			"|---|---|",
			"| Total | 12.40 |",
			"| Table No | 7 |",
		}, "\n"), []Field{
			{"merchant", prop("string", "", "Merchant")},
			{"date", prop("string", "date", "Date")},
			{"total", prop("number", "", "Total")},
			{"table_no", prop("string", "", "Table No")},
		}},
		{"KeyValueCSV", text.FormatCSV, "Field,Value\nVendor,Initech\nTotal,\"1,999.00\"\nTotal,2000\nGrand total,\n", []Field{
			{"vendor", prop("string", "", "Vendor")},
			{"total", prop("number", "", "Total")},
		}},
		{"LineItemsCSV", text.FormatCSV, "Description,Qty,Amount\nWidgets,10,100.00\n", nil},
		{"JSON", text.FormatJSON, `{"invoice_number":"INV-1","total":99.5,"paid":true,"lines":[{"sku":"A"}],"vendor":null}`, []Field{
			{"invoice_number", prop("string", "", "invoice_number")},
			{"total", prop("number", "", "total")},
			{"paid", prop("boolean", "", "paid")},
			{"sku", prop("string", "", "sku")},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := text.Parse(strings.NewReader(tt.src), text.Options{Format: tt.format})
			if err != nil {
				t.Fatalf("text.Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, FromDocument(doc)); diff != "" {
				t.Errorf("FromDocument(%q) (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	fields := []Field{
		{"invoice_number", prop("string", "", "Invoice Number")},
		{"total", prop("number", "", "Total")},
	}
	tests := []struct {
		name        string
		base        string
		fields      []Field
		description string
		want        string
		wantErr     string
	}{
		{
			name: "FieldsOnly", fields: fields, description: "Inferred.",
			want: `{"type":"object","description":"Inferred.","properties":{"invoice_number":{"type":"string","description":"Invoice Number"},"total":{"type":"number","description":"Total"}}}`,
		},
		{
			name: "BaseNormalized", base: `{"properties": {"z": {"type": "string"}, "a": {"type": "integer"}}}`,
			want: `{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"integer"}}}`,
		},
		{
			name: "BaseExtended", base: `{"type":"object","description":"Mine","properties":{"total":{"type":"string"}},"required":["total"]}`,
			fields: fields, description: "Inferred.",
			want: `{"type":"object","description":"Mine","properties":{"total":{"type":"string"},"invoice_number":{"type":"string","description":"Invoice Number"}},"required":["total"]}`,
		},
		{
			name: "BaseWithoutProperties", base: `{"type":"object"}`, fields: fields[:1], description: "Inferred.",
			want: `{"type":"object","description":"Inferred.","properties":{"invoice_number":{"type":"string","description":"Invoice Number"}}}`,
		},
		{
			name: "NothingAddedNoDescription", base: `{"type":"object","properties":{"total":{"type":"number"}}}`,
			fields: fields[1:], description: "Inferred.",
			want: `{"type":"object","properties":{"total":{"type":"number"}}}`,
		},
		{name: "BaseInvalid", base: `{"type":"object","properties":{"total":{"type":"money"}}}`, wantErr: "/properties/total"},
		{name: "BaseNotObject", base: `{"type":"array"}`, wantErr: "object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Build(json.RawMessage(tt.base), tt.fields, tt.description)
			if tt.wantErr != "" {
				if extract.ErrorCode(err) != extract.CodeInvalid || !strings.Contains(extract.ErrorMessage(err), tt.wantErr) {
					t.Fatalf("Build(%s) error = %v, want an invalid error mentioning %q", tt.base, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Build(%s): %v", tt.base, err)
			}
			if string(got) != tt.want {
				t.Errorf("Build(%s) =\n%s\nwant\n%s", tt.base, got, tt.want)
			}
		})
	}
}

func TestSnakeCase(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Invoice Number":        "invoice_number",
		"Invoice #":             "invoice_number",
		"E-mail Address":        "e_mail_address",
		"Customer's name":       "customers_name",
		"  VAT (20%)  ":         "vat_20_percent",
		"2nd Address Line":      "field_2nd_address_line",
		"Fecha de emisión":      "fecha_de_emisión",
		"***":                   "",
		strings.Repeat("a", 70): strings.Repeat("a", 64),
	}
	for in, want := range tests {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzFromPrompt checks that whatever a prompt says, the fields drafted from
// it have distinct non-empty names and build a schema that validates.
func FuzzFromPrompt(f *testing.F) {
	for _, seed := range []string{
		"Extract the invoice number, the total amount and due date",
		"Fields: a; b; c",
		"I need:\n- Policy number\n- Start date",
		"Get 2nd line, 3rd line and the \"quoted\" name (optional)",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, prompt string) {
		fields := FromPrompt(prompt)
		seen := map[string]bool{}
		for _, fd := range fields {
			if fd.Name == "" || seen[fd.Name] {
				t.Fatalf("FromPrompt(%q) gave an empty or repeated name %q", prompt, fd.Name)
			}
			seen[fd.Name] = true
		}
		if _, err := Build(nil, fields, "Inferred."); err != nil {
			t.Fatalf("Build(FromPrompt(%q)): %v", prompt, err)
		}
	})
}
