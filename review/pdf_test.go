package review_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
)

// pdfToText extracts a PDF's text with poppler's pdftotext; with bbox, as
// poppler's word boxes (scripts/deps.sh test installs poppler-utils).
func pdfToText(t *testing.T, pdf []byte, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "summary.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", append(append([]string{"-enc", "UTF-8"}, args...), path, "-")...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	return string(out)
}

var pdfWord = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>`)

// TestEvidenceSummaryPDF checks the summary a lawyer attaches to an
// objection as a reader shows it: the lawyers' notes as they wrote them
// (the apostrophe of Turkish suffixes as a phone types it, quotes, dashes,
// several lines), every word on the page, and the objection deadline in
// Turkey's time.
func TestEvidenceSummaryPDF(t *testing.T) {
	ctx := context.Background()
	e := setup(t, backends()[0], 0)
	// The district board closes objections at 17:00 Turkey time (UTC+3).
	board := time.Date(2026, 5, 16, 17, 0, 0, 0, time.FixedZone("TRT", 3*60*60))
	e.svc.SetDeadlines(review.DeadlinePolicy{Boards: map[review.Box]time.Time{{Il: "İzmir", Ilce: "Gaziemir"}: board}})
	obs := e.user(t, "gözlemci", review.Observer, "")
	lawyer := e.user(t, "Av. Ayşe Gülşen Çağlayan-Öztürk", review.Lawyer, "İzmir")
	sh := e.sheetOf(t, obs, "Gaziemir", "1042", truth(), withFigures(truth(), "aday_1", 140, "aday_2", 40, "aday_3", 61))
	if sh.Status != "flagged" {
		t.Fatalf("sheet %s", sh.Status)
	}
	notes := map[string][]string{
		"aday_1": {"İzmir’deki sandık kurulu başkanı “ıslak imzalı” nüshada 104 yazıyor — itiraz edilecek… (€ 0)"},
		"aday_2": {"Birinci satır: tutanak fotoğrafı okunaklı.", "İkinci satır: ĞÜŞİÖÇ ğüşıöç."},
		"aday_3": {"SANDIK KURULU TUTANAĞINDA KEMAL KILIÇDAROĞLU'NA AİT OY SAYISI 133 OLARAK YAZILMIŞ, ISLAK İMZALI NÜSHADA DA 133 YAZIYOR; " +
			"KURUL BAŞKANI VE ÜYELERİNİN PARAFI YOKTUR, GİRİLEN SAYI HATALIDIR, İLÇE SEÇİM KURULUNA İTİRAZ EDİLECEKTİR."},
	}
	for _, field := range []string{"aday_1", "aday_2", "aday_3"} {
		note := strings.Join(notes[field], "\n")
		if _, err := e.svc.Decide(ctx, lawyer, sh.ID, review.DecisionInput{Field: field, Kind: review.Object, Note: note}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := e.svc.Evidence(ctx, lawyer, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, files := unzip(t, b.Data)
	pdf := files["summary.pdf"]
	text := pdfToText(t, pdf)
	// pdftotext puts a wrapped line's pieces on lines of their own.
	flat := strings.Join(strings.Fields(text), " ")

	t.Run("NotesAsWritten", func(t *testing.T) {
		for field, lines := range notes {
			for _, line := range lines {
				if !strings.Contains(flat, line) {
					t.Errorf("%s's note line %q is not in the summary:\n%s", field, line, text)
				}
			}
		}
		if strings.Contains(text, "?") {
			t.Errorf("the summary shows a character as '?':\n%s", text)
		}
	})

	t.Run("WithinThePage", func(t *testing.T) {
		words := pdfWord.FindAllStringSubmatch(pdfToText(t, pdf, "-bbox"), -1)
		if len(words) == 0 {
			t.Fatal("no words")
		}
		const width, margin = 595, 40
		for _, w := range words {
			xMax, _ := strconv.ParseFloat(w[3], 64)
			if xMax > width-margin+0.5 {
				t.Errorf("%q ends at x=%.1f, past the right margin (%d) of the A4 page", w[5], xMax, width-margin)
			}
		}
	})

	// The board reads the verdict, the review, each field's status and each
	// decision in Turkish first, as the pages give them, never as bare codes.
	t.Run("TurkishFirst", func(t *testing.T) {
		tests := []struct{ name, want string }{
			{"verdict", "OCR kararı / OCR verdict: işaretli / flagged"},
			{"review state", "İnceleme / Review: itiraz / objection Paket"},
			{"field status", "[uyuşmuyor / mismatch]"},
			{"decision", "v1: itiraz / objection ->"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if !strings.Contains(flat, tt.want) {
					t.Errorf("the summary lacks %q:\n%s", tt.want, text)
				}
			})
		}
		for _, code := range []string{": flagged", ": resolved", "[mismatch]", ": object ->"} {
			if strings.Contains(flat, code) {
				t.Errorf("the summary gives the code %q without its Turkish:\n%s", code, text)
			}
		}
	})

	// The board reads in the accepted column the figure each field stands
	// at, never a dash where a figure counts: a dash read as "not accepted"
	// would turn a counted figure into a disputed one.
	t.Run("Accepted", func(t *testing.T) {
		verified := e.sheetOf(t, obs, "Gaziemir", "1043", truth(), truth())
		waiting := e.sheetOf(t, obs, "Gaziemir", "1044", truth(), withFigures(truth(), "aday_1", 140))
		if verified.Status != "verified" || waiting.Status != "flagged" {
			t.Fatalf("sheets %s and %s", verified.Status, waiting.Status)
		}
		if _, err := e.svc.Decide(ctx, lawyer, waiting.ID, review.DecisionInput{Field: "aday_1", Kind: review.AcceptRead}); err != nil {
			t.Fatal(err)
		}
		summary := func(id string) string {
			b, err := e.svc.Evidence(ctx, lawyer, id)
			if err != nil {
				t.Fatal(err)
			}
			_, files := unzip(t, b.Data)
			return strings.Join(strings.Fields(pdfToText(t, files["summary.pdf"])), " ")
		}
		texts := map[string]string{"objected": flat, "verified": summary(verified.ID), "waiting": summary(waiting.ID)}
		tests := []struct{ name, sheet, field, want string }{
			{"an objection", "objected", "aday_1", "İTİRAZ / OBJECTION"},
			{"a field not flagged, beside objections", "objected", "aday_4", "11"},
			{"a verified sheet's figure", "verified", "aday_1", "104"},
			{"a verified sheet's zero", "verified", "kanun_geregi", "0"},
			{"a decided field", "waiting", "aday_1", "104"},
			{"a flagged field still waiting", "waiting", "aday_2", "bekliyor / pending"},
			{"a field no rule or reason flags", "waiting", "kayitli_secmen", "329"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := regexp.MustCompile(`\(` + tt.field + `\): \S+ / \S+ / %\d+ / (.*?) \[`).FindStringSubmatch(texts[tt.sheet])
				if m == nil || m[1] != tt.want {
					t.Errorf("%s: %s accepted %q, want %q:\n%s", tt.sheet, tt.field, m, tt.want, texts[tt.sheet])
				}
			})
		}
		if want := "İnceleme / Review: bekliyor / open"; !strings.Contains(texts["waiting"], want) {
			t.Errorf("the waiting sheet's summary lacks %q:\n%s", want, texts["waiting"])
		}
	})

	t.Run("Deadline", func(t *testing.T) {
		for _, want := range []string{"İtiraz süresi / Objection deadline: 16.05.2026 17:00 (Türkiye saati / Turkey time, UTC+3)", "2026-05-16T14:00:00Z"} {
			if !strings.Contains(flat, want) {
				t.Errorf("the summary lacks %q:\n%s", want, text)
			}
		}
	})
}
