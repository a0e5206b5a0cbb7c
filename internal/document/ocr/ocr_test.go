package ocr

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
)

func TestParseTSV(t *testing.T) {
	t.Parallel()
	out := "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n" +
		"1\t1\t0\t0\t0\t0\t0\t0\t640\t480\t-1\t\n" +
		"4\t1\t1\t1\t1\t0\t48\t50\t300\t30\t-1\t\n" +
		"5\t1\t1\t1\t1\t1\t48\t50\t160\t30\t96.5\tINVOICE\n" +
		"5\t1\t1\t1\t1\t2\t220\t51\t80\t29\t0\t4521\n" +
		"5\t1\t1\t1\t1\t3\t310\t51\t10\t29\t91\t \n"
	got, err := ParseTSV([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []document.Word{
		{Text: "INVOICE", Box: document.Box{X: 48, Y: 50, W: 160, H: 30}, Confidence: 0.965},
		{Text: "4521", Box: document.Box{X: 220, Y: 51, W: 80, H: 29}, Confidence: MinConfidence},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseTSV (-want +got):\n%s", diff)
	}
	if _, err := ParseTSV([]byte("header\n5\t1\t1\t1\t1\t1\tx\t50\t160\t30\t96\tA\n")); err == nil {
		t.Error("ParseTSV with a box that is no number: no error")
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"", "eng", "eng+deu", "chi_sim+eng"} {
		if err := (Options{Languages: ok}).Validate(); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"eng+", "+", "eng deu", "-l", "eng;rm"} {
		if err := (Options{Languages: bad}).Validate(); err == nil {
			t.Errorf("Validate(%q) = nil, want an error", bad)
		}
	}
}

func TestMissingLanguage(t *testing.T) {
	t.Parallel()
	msg := "Error opening data file /usr/share/tesseract-ocr/5/tessdata/deu.traineddata\nFailed loading language 'deu'\nTesseract couldn't load any languages!"
	if got := missingLanguage(msg, "eng+deu"); got != "deu" {
		t.Errorf("missingLanguage = %q, want deu", got)
	}
	if got := missingLanguage("Failed loading language", "fra+eng"); got != "fra" {
		t.Errorf("missingLanguage without a name = %q, want the first asked, fra", got)
	}
}
