// Package browser drives Quarry's web dashboard in a real browser: Debian's
// chromium, through playwright-core (pinned in package-lock.json), against
// a real Quarry server. The Go test owns the server, the invoices it
// uploads (one flat, one with a table of line items) and where the first
// one's total is printed; dashboard.mjs owns the clicks and the
// assertions, made the way a user sees the page.
package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"go.uber.org/goleak"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/app/apptest"
	"github.com/quarrylabs/quarry/test/internal/nodetest"
)

// TestMain checks that the server the test starts leaves no goroutine
// behind once stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// apiKey is the key the server accepts and the browser signs in with.
const apiKey = "qry_browser-test-key-0123456789"

// chromiumPath is Debian's chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// The invoice is a Letter page in points; the total's line has its
// baseline at totalBaseline, starting at invoiceLeft.
const (
	pageWidth     = 612.0
	pageHeight    = 792.0
	invoiceLeft   = 72.0
	totalBaseline = 300.0
	fontSize      = 14.0
)

func TestDashboard(t *testing.T) {
	node, npm := tools(t)
	nodetest.Install(t, npm, ".")

	dir := t.TempDir()
	invoice := filepath.Join(dir, "invoice.pdf")
	if err := os.WriteFile(invoice, invoicePDF(t), 0o644); err != nil {
		t.Fatal(err)
	}
	// The second invoice's result holds an array of objects, which the
	// job page shows as a table nested in the result's.
	itemized := filepath.Join(dir, "itemized-invoice.pdf")
	if err := os.WriteFile(itemized, itemizedPDF(t), 0o644); err != nil {
		t.Fatal(err)
	}
	base := startServer(t)

	// Where the total's value may be highlighted: its line, from the left
	// margin to the middle of the page, in fractions of the page. The
	// script checks that the highlight drawn over the page image overlaps
	// it and is centred on the line.
	region := map[string]float64{
		"x": invoiceLeft / pageWidth, "w": (pageWidth/2 - invoiceLeft) / pageWidth,
		"y": (totalBaseline - fontSize) / pageHeight, "h": (fontSize + 6) / pageHeight,
	}
	regionJSON, _ := json.Marshal(region)
	artifacts := t.ArtifactDir()

	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "dashboard.mjs")
	cmd.Env = append(os.Environ(),
		"QUARRY_BASE_URL="+base,
		"QUARRY_API_KEY="+apiKey,
		"QUARRY_INVOICE="+invoice,
		"QUARRY_ITEMIZED_INVOICE="+itemized,
		"QUARRY_TOTAL_REGION="+string(regionJSON),
		"QUARRY_ARTIFACTS="+artifacts,
		"CHROMIUM="+chromiumPath,
	)
	out, err := cmd.CombinedOutput()
	t.Logf("node dashboard.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("node dashboard.mjs: %v", err)
	}
	for _, name := range []string{"jobs.png", "job.png"} {
		if fi, err := os.Stat(filepath.Join(artifacts, name)); err != nil || fi.Size() == 0 {
			t.Errorf("screenshot %s was not written: %v", name, err)
		}
	}
}

// invoicePDF draws a one-page invoice with "Label: value" lines, the shape
// the built-in engine reads.
func invoicePDF(tb testing.TB) []byte {
	tb.Helper()
	f := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: pageWidth, Ht: pageHeight}})
	f.SetAutoPageBreak(false, 0)
	f.AddPage()
	f.SetFont("Helvetica", "B", 22)
	f.Text(invoiceLeft, 90, "INVOICE")
	f.SetFont("Helvetica", "", fontSize)
	lines := []struct {
		y    float64
		text string
	}{
		{150, "Invoice Number: INV-2024-0042"},
		{190, "Invoice Date: March 5, 2024"},
		{230, "Customer: Northwind Traders"},
		{totalBaseline, "Total: $1,234.56"},
	}
	for _, l := range lines {
		f.Text(invoiceLeft, l.y, l.text)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		tb.Fatalf("write invoice PDF: %v", err)
	}
	return buf.Bytes()
}

// lineItems are the rows of the itemized invoice's table.
var lineItems = [][4]string{
	{"Industrial widget, stainless steel", "12", "$18.50", "$222.00"},
	{"Mounting bracket set", "4", "$36.25", "$145.00"},
	{"On-site installation and calibration", "1", "$480.00", "$480.00"},
}

// itemizedPDF draws a one-page invoice with labelled lines above a table of
// line items: description, quantity, unit price and amount.
func itemizedPDF(tb testing.TB) []byte {
	tb.Helper()
	f := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: pageWidth, Ht: pageHeight}})
	f.SetAutoPageBreak(false, 0)
	f.AddPage()
	f.SetFont("Helvetica", "B", 22)
	f.Text(invoiceLeft, 90, "INVOICE")
	f.SetFont("Helvetica", "", 12)
	f.Text(invoiceLeft, 140, "Invoice Number: INV-2024-0117")
	f.Text(invoiceLeft, 165, "Invoice Date: April 2, 2024")
	f.Text(invoiceLeft, 190, "Customer: Contoso Manufacturing GmbH")

	// Columns: description left-aligned, the numbers right-aligned.
	left := []float64{invoiceLeft, 0, 0, 0}
	right := []float64{0, 350, 450, 540}
	cell := func(col int, y float64, text string) {
		if right[col] > 0 {
			f.Text(right[col]-f.GetStringWidth(text), y, text)
			return
		}
		f.Text(left[col], y, text)
	}
	y := 240.0
	f.SetFont("Helvetica", "B", 12)
	for i, h := range []string{"Description", "Qty", "Unit Price", "Amount"} {
		cell(i, y, h)
	}
	f.SetFont("Helvetica", "", 12)
	for _, item := range lineItems {
		y += 22
		for i, v := range item {
			cell(i, y, v)
		}
	}
	y += 40
	f.SetFont("Helvetica", "B", 12)
	cell(2, y, "Total:")
	cell(3, y, "$847.00")
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		tb.Fatalf("write itemized invoice PDF: %v", err)
	}
	return buf.Bytes()
}

// tools finds node, npm and chromium. Without them the test cannot run: it
// skips on a developer's machine and fails under CI, where skipping would
// hide that the dashboard was never tried in a browser.
func tools(t *testing.T) (node, npm string) {
	t.Helper()
	const need = "the dashboard browser test needs Node.js 20+, npm and " + chromiumPath + " (apt-get install chromium)"
	if _, err := os.Stat(chromiumPath); err != nil {
		nodetest.Unavailable(t, need+": "+err.Error())
	}
	return nodetest.Tools(t, need)
}

// startServer runs a Quarry server on a loopback port with its own data
// directory until the test ends, and returns its base URL.
func startServer(t *testing.T) string {
	t.Helper()
	cfg := app.Config{
		Addr:    "127.0.0.1:0",
		DataDir: t.TempDir(),
		APIKey:  apiKey,
		Logger:  slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	cfg.Queue.Workers = 2
	cfg.Queue.PollInterval = 50 * time.Millisecond
	cfg.Queue.DrainTimeout = time.Second
	a := apptest.Start(t, cfg)
	return "http://" + a.Addr()
}
