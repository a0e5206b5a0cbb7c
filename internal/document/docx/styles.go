package docx

import (
	"encoding/xml"
	"errors"
	"strconv"

	"github.com/quarrylabs/quarry/internal/document/ooxml"
	"github.com/quarrylabs/quarry/internal/extract"
)

// styles holds what the parser uses of word/styles.xml: font sizes.
type styles struct {
	defaultSize float64            // points; 0 when the file sets none
	sizes       map[string]float64 // style id → size in points
	basedOn     map[string]string
}

// size returns the font size of a style, following basedOn, or 0.
func (s *styles) size(id string) float64 {
	for range 16 { // a basedOn loop in a damaged file ends here
		if id == "" {
			return 0
		}
		if v, ok := s.sizes[id]; ok {
			return v
		}
		id = s.basedOn[id]
	}
	return 0
}

func readStyles(pkg *ooxml.Package) (*styles, error) {
	st := &styles{sizes: map[string]float64{}, basedOn: map[string]string{}}
	data, err := pkg.Read("word/styles.xml")
	if errors.Is(err, ooxml.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	type sz struct {
		Val string `xml:"val,attr"`
	}
	var doc struct {
		Defaults struct {
			Size *sz `xml:"rPrDefault>rPr>sz"`
		} `xml:"docDefaults"`
		Styles []struct {
			ID      string `xml:"styleId,attr"`
			BasedOn *sz    `xml:"basedOn"`
			Size    *sz    `xml:"rPr>sz"`
		} `xml:"style"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, extract.Errorf(extract.CodeInvalid, "the DOCX file is damaged: word/styles.xml is not valid XML (%v)", err)
	}
	halfPoints := func(v *sz) float64 {
		if v == nil {
			return 0
		}
		f, err := strconv.ParseFloat(v.Val, 64)
		if err != nil || f <= 0 || f >= 10000 {
			return 0
		}
		return f / 2
	}
	st.defaultSize = halfPoints(doc.Defaults.Size)
	for _, s := range doc.Styles {
		if v := halfPoints(s.Size); v > 0 {
			st.sizes[s.ID] = v
		}
		if s.BasedOn != nil {
			st.basedOn[s.ID] = s.BasedOn.Val
		}
	}
	return st, nil
}
