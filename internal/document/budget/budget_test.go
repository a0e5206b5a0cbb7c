package budget_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/extract"
)

func TestCount(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n    int64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {100_000, "100,000"}, {2_000_000, "2,000,000"},
		{67_108_864, "67,108,864"}, {-1234, "-1,234"},
	} {
		if got := budget.Count(tt.n); got != tt.want {
			t.Errorf("Count(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// TestErrorIsInvalidInput: a limit fails a job at once, as the file's
// fault, with the same message the API shows.
func TestErrorIsInvalidInput(t *testing.T) {
	t.Parallel()
	b := budget.New(budget.Limits{MaxTableCells: 10})
	if err := b.Cells(10); err != nil {
		t.Fatalf("Cells(10) within a limit of 10 = %v", err)
	}
	err := b.Cells(1)
	var be *budget.Error
	if !errors.As(err, &be) || be.Flag != budget.FlagTableCells || be.Limit != 10 {
		t.Fatalf("Cells(1) past the limit = %v, want a *budget.Error for --%s", err, budget.FlagTableCells)
	}
	want := "the document has more than 10 table cells (limit --max-table-cells); split it into smaller files"
	if extract.ErrorCode(err) != extract.CodeInvalid || extract.ErrorMessage(err) != want {
		t.Errorf("error = %s %q, want %s %q", extract.ErrorCode(err), extract.ErrorMessage(err), extract.CodeInvalid, want)
	}
}

// TestBudgetFailsWithoutSpending: a refused request takes nothing, so the
// counts stay true for the next one.
func TestBudgetFailsWithoutSpending(t *testing.T) {
	t.Parallel()
	b := budget.New(budget.Limits{MaxWords: 5, MaxTextBytes: 100})
	if err := b.Words(6, 6); err == nil {
		t.Fatal("Words(6) over a limit of 5 = nil")
	}
	if err := b.Words(5, 50); err != nil {
		t.Fatalf("Words(5) after a refused Words(6) = %v, want them taken", err)
	}
	if err := b.Words(0, 51); err == nil {
		t.Error("51 more bytes of text over 50 left = nil")
	}
	if got := b.CellsLeft(); got != 1_000_000 {
		t.Errorf("CellsLeft() of a fresh default = %d, want 1,000,000", got)
	}
}

func TestLimitsChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fail func(*budget.Budget) error
		want string
	}{
		{"ErrWordsPerPage", func(b *budget.Budget) error { return b.PageWords(3) }, "more than 2 words on one page (limit --max-words-per-page)"},
		{"ErrLine", func(b *budget.Budget) error { return b.Line(8) }, "more than 7 characters in one line (limit --max-line-length)"},
		{"ErrText", func(b *budget.Budget) error { return b.Text(10) }, "more than 9 bytes of text (limit --max-text-bytes)"},
		{"ErrStream", func(b *budget.Budget) error { return b.StreamError() }, "more than 5 bytes in one inflated PDF stream"},
		{"ErrPages", func(*budget.Budget) error { return budget.PagesError(4) }, "more than 4 pages (limit --max-document-pages)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := budget.New(budget.Limits{MaxWordsPerPage: 2, MaxLineLength: 7, MaxTextBytes: 9, MaxPDFStreamBytes: 5})
			err := tt.fail(b)
			if err == nil || extract.ErrorCode(err) != extract.CodeInvalid || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want an invalid-input error containing %q", err, tt.want)
			}
		})
	}
	if err := (budget.Limits{MaxWords: -1}).Validate(); err == nil || !strings.Contains(err.Error(), "--max-words") {
		t.Errorf("Validate of a negative MaxWords = %v, want an error naming --max-words", err)
	}
	var nilBudget *budget.Budget
	if err := nilBudget.Cells(1 << 40); err != nil {
		t.Errorf("a nil budget's Cells = %v, want no limit", err)
	}
}
