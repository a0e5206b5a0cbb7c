// Package xlsxtest writes small XLSX workbooks for tests with excelize, so
// that fixtures are made by the tests that use them.
package xlsxtest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Sheet is one sheet of a workbook to write.
type Sheet struct {
	Name   string
	Rows   [][]any        // values as excelize.SetSheetRow takes them, from A1
	Cells  map[string]any // more values, by cell name ("C7")
	Hidden bool
}

// Workbook writes the sheets in order.
func Workbook(tb testing.TB, sheets ...Sheet) []byte {
	tb.Helper()
	data, err := Write(sheets...)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// Write is Workbook for callers without a testing.TB.
func Write(sheets ...Sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.Name); err != nil {
				return nil, fmt.Errorf("name sheet %q: %w", s.Name, err)
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			return nil, fmt.Errorf("add sheet %q: %w", s.Name, err)
		}
		for r, row := range s.Rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(s.Name, cell, &row); err != nil {
				return nil, fmt.Errorf("write sheet %q row %d: %w", s.Name, r+1, err)
			}
		}
		for cell, v := range s.Cells {
			if err := f.SetCellValue(s.Name, cell, v); err != nil {
				return nil, fmt.Errorf("write sheet %q cell %s: %w", s.Name, cell, err)
			}
		}
	}
	// Hide after all exist: the active sheet may not be hidden.
	for _, s := range sheets {
		if s.Hidden {
			if err := f.SetSheetVisible(s.Name, false); err != nil {
				return nil, fmt.Errorf("hide sheet %q: %w", s.Name, err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("write workbook: %w", err)
	}
	return buf.Bytes(), nil
}
