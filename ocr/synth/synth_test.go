package synth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/tutanak/tutanak/ocr"
)

func loadForm(t testing.TB) *ocr.Form {
	t.Helper()
	f, err := ocr.LoadForm("cb-2023")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var (
	mnistOnce sync.Once
	mnist     *MNISTDigits
	mnistErr  error
)

// testDigits loads the MNIST test split once for all tests.
func testDigits(t testing.TB) *MNISTDigits {
	t.Helper()
	mnistOnce.Do(func() {
		dir, err := MNISTDir()
		if err != nil {
			mnistErr = err
			return
		}
		mnist, mnistErr = NewMNISTDigits(dir, SplitTest)
	})
	if mnistErr != nil {
		t.Fatal(mnistErr)
	}
	return mnist
}

// smallConfig keeps test sheets small so that tests stay quick.
func smallConfig() Config {
	cfg := DefaultConfig()
	cfg.Count = 4
	cfg.Sizes = [][2]int{{600, 800}}
	cfg.ScanSizes = [][2]int{{620, 877}}
	return cfg
}

func TestCountsSatisfyRules(t *testing.T) {
	form := loadForm(t)
	for seed := range uint64(500) {
		rng := rand.New(rand.NewPCG(seed, 7))
		counts, err := makeCounts(form, rng)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for _, r := range form.Rules {
			holds, ok := r.Holds(counts)
			if !ok || !holds {
				t.Fatalf("seed %d: rule %q broken by %v", seed, r.Text, counts)
			}
		}
		for _, id := range form.FieldIDs() {
			if v, ok := counts[id]; !ok || v < 0 {
				t.Fatalf("seed %d: field %s = %d, %v", seed, id, v, ok)
			}
		}
		if k := counts["kayitli_secmen"]; k < 150 || k > 450 {
			t.Fatalf("seed %d: kayitli_secmen %d outside 150–450", seed, k)
		}
		turnout := float64(counts["oy_kullanan_kayitli"]) / float64(counts["kayitli_secmen"])
		if turnout < 0.69 || turnout > 0.96 {
			t.Fatalf("seed %d: turnout %.2f", seed, turnout)
		}
	}
}

func TestTypedErrors(t *testing.T) {
	form := loadForm(t)
	tests := []struct {
		name      string
		withError bool
	}{
		{"with error", true},
		{"without error", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kinds := map[int]bool{}
			for seed := range uint64(500) {
				rng := rand.New(rand.NewPCG(seed, 11))
				truth, err := makeCounts(form, rng)
				if err != nil {
					t.Fatal(err)
				}
				typed, errs := makeTyped(form, truth, tc.withError, rng)
				if !tc.withError {
					if errs != nil || !reflect.DeepEqual(typed, truth) {
						t.Fatalf("seed %d: unexpected error %v", seed, errs)
					}
					continue
				}
				if len(errs) == 0 {
					t.Fatalf("seed %d: no error made", seed)
				}
				listed := map[string]bool{}
				for _, id := range errs {
					listed[id] = true
					if typed[id] == truth[id] {
						t.Fatalf("seed %d: %s listed but equal (%d)", seed, id, typed[id])
					}
					if typed[id] < 0 {
						t.Fatalf("seed %d: %s typed negative", seed, id)
					}
				}
				for id, v := range truth {
					if !listed[id] && typed[id] != v {
						t.Fatalf("seed %d: %s changed (%d → %d) but not listed", seed, id, v, typed[id])
					}
				}
				kinds[len(errs)] = true
			}
			if tc.withError && (!kinds[1] || !kinds[2]) {
				t.Errorf("error kinds seen (by fields changed): %v; want one- and two-field errors", kinds)
			}
		})
	}
}

func TestPageCornersInsidePhoto(t *testing.T) {
	const aspect = 2480.0 / 3508
	for _, size := range DefaultSizes {
		for _, hard := range []bool{false, true} {
			for seed := range uint64(300) {
				s := planPhoto(rand.New(rand.NewPCG(seed, 3)), size, aspect, hard)
				for _, c := range s.corners {
					if c[0] < 0 || c[1] < 0 || c[0] > float64(size[0]) || c[1] > float64(size[1]) {
						t.Fatalf("size %v hard %v seed %d: corner %v outside", size, hard, seed, c)
					}
				}
				tl, tr, br, bl := s.corners[0], s.corners[1], s.corners[2], s.corners[3]
				if tl[0] >= tr[0] || bl[0] >= br[0] || tl[1] >= bl[1] || tr[1] >= br[1] {
					t.Fatalf("size %v seed %d: corners out of order %v", size, seed, s.corners)
				}
				if s.darkest < 0.55 || s.darkest > 0.95 || s.quality < 60 || s.quality > 92 {
					t.Fatalf("seed %d: light %.2f quality %d", seed, s.darkest, s.quality)
				}
				if lo, hi := 0.3, 1.1; hard {
					if s.blur < 1.2 || s.blur > 2 {
						t.Fatalf("hard seed %d: blur %.2f", seed, s.blur)
					}
				} else if s.blur < lo || s.blur > hi {
					t.Fatalf("seed %d: blur %.2f", seed, s.blur)
				}
			}
		}
	}
}

func TestHomography(t *testing.T) {
	quad := [4][2]float64{{100, 120}, {900, 80}, {950, 1200}, {60, 1150}}
	m := homography(quad)
	inv := invert3(m)
	apply := func(m [9]float64, x, y float64) (float64, float64) {
		z := m[6]*x + m[7]*y + m[8]
		return (m[0]*x + m[1]*y + m[2]) / z, (m[3]*x + m[4]*y + m[5]) / z
	}
	for i, u := range [4][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}} {
		x, y := apply(m, u[0], u[1])
		if math.Abs(x-quad[i][0]) > 1e-6 || math.Abs(y-quad[i][1]) > 1e-6 {
			t.Errorf("corner %d maps to (%.3f, %.3f), want %v", i, x, y, quad[i])
		}
		bu, bv := apply(inv, x, y)
		if math.Abs(bu-u[0]) > 1e-9 || math.Abs(bv-u[1]) > 1e-9 {
			t.Errorf("corner %d maps back to (%.6f, %.6f), want %v", i, bu, bv, u)
		}
	}
}

func TestRenderBlankLines(t *testing.T) {
	form := loadForm(t)
	img, err := RenderBlank(form)
	if err != nil {
		t.Fatal(err)
	}
	if img.Rect.Dx() != form.WidthPx || img.Rect.Dy() != form.HeightPx {
		t.Fatalf("size %v, want %dx%d", img.Rect, form.WidthPx, form.HeightPx)
	}
	dark := func(x, y int) bool {
		p := img.Pix[img.PixOffset(x, y):]
		return p[0] < 60 && p[1] < 60 && p[2] < 60
	}
	type line struct {
		name           string
		x0, y0, x1, y1 int // a segment that must be black
	}
	var lines []line
	for _, f := range form.Fields {
		for _, b := range []struct {
			kind string
			box  ocr.Box
		}{{"digits", f.DigitsBox}, {"words", f.WordsBox}} {
			r := b.box
			lines = append(lines,
				line{f.ID + " " + b.kind + " top", r.X + 5, r.Y + 1, r.X + r.W - 5, r.Y + 1},
				line{f.ID + " " + b.kind + " bottom", r.X + 5, r.Y + r.H - 2, r.X + r.W - 5, r.Y + r.H - 2},
				line{f.ID + " " + b.kind + " left", r.X + 1, r.Y + 5, r.X + 1, r.Y + r.H - 5},
				line{f.ID + " " + b.kind + " right", r.X + r.W - 2, r.Y + 5, r.X + r.W - 2, r.Y + r.H - 5},
			)
		}
	}
	for _, p := range form.Printed {
		r := p.ValueBox
		lines = append(lines, line{p.ID + " value left", r.X + 1, r.Y + 5, r.X + 1, r.Y + r.H - 5})
	}
	o := form.TableOuterBox
	lines = append(lines,
		line{"outer left inner edge", o.X + outerWidth - 1, o.Y + 10, o.X + outerWidth - 1, o.Y + o.H - 10},
		line{"outer bottom inner edge", o.X + 10, o.Y + o.H - outerWidth, o.X + o.W - 10, o.Y + o.H - outerWidth},
	)
	for i, s := range form.SignatureBoxes {
		lines = append(lines, line{"signature top " + string(rune('0'+i)), s.X + 5, s.Y + 1, s.X + s.W - 5, s.Y + 1})
	}
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			for k := 0; k <= 20; k++ {
				x := l.x0 + (l.x1-l.x0)*k/20
				y := l.y0 + (l.y1-l.y0)*k/20
				if !dark(x, y) {
					t.Fatalf("(%d, %d) is not on a line", x, y)
				}
			}
		})
	}
	// Lines stay within their width: just inside a cell the paper is white.
	for _, f := range form.Fields {
		r := f.DigitsBox
		for _, pt := range []image.Point{{r.X + lineWidth + 1, r.Y + r.H/2}, {r.X + r.W/2, r.Y + lineWidth + 1}, {r.X + r.W/2, r.Y + r.H/2}} {
			if dark(pt.X, pt.Y) {
				t.Errorf("%s: (%d, %d) inside the digits cell is dark", f.ID, pt.X, pt.Y)
			}
		}
	}
}

func TestTitleLines(t *testing.T) {
	tests := []struct {
		name, title string
		heading     []string
		date        string
	}{
		{"cb-2023", "Cumhurbaşkanı Seçimi Sandık Sonuç Tutanağı (14 Mayıs 2023)",
			[]string{"T.C. YÜKSEK SEÇİM KURULU", "CUMHURBAŞKANI SEÇİMİ", "SANDIK SONUÇ TUTANAĞI"}, "Seçim Tarihi: 14 Mayıs 2023"},
		{"no date", "Milletvekili Genel Seçimi Sandık Sonuç Tutanağı",
			[]string{"T.C. YÜKSEK SEÇİM KURULU", "MİLLETVEKİLİ GENEL SEÇİMİ", "SANDIK SONUÇ TUTANAĞI"}, ""},
		{"other title", "Sayım Çizelgesi (1 Ocak 2024)",
			[]string{"T.C. YÜKSEK SEÇİM KURULU", "SAYIM ÇİZELGESİ"}, "Seçim Tarihi: 1 Ocak 2024"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			heading, date := titleLines(tc.title)
			if !reflect.DeepEqual(heading, tc.heading) || date != tc.date {
				t.Errorf("titleLines = %q, %q; want %q, %q", heading, date, tc.heading, tc.date)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		ok     bool
	}{
		{"defaults", func(*Config) {}, true},
		{"no errors", func(c *Config) { c.ErrorShare = 0 }, true},
		{"only scans, no photo sizes", func(c *Config) { c.ScanShare, c.Sizes = 1, nil }, true},
		{"share above one", func(c *Config) { c.HardShare = 1.5 }, false},
		{"negative share", func(c *Config) { c.ErrorShare = -0.1 }, false},
		{"no photo sizes", func(c *Config) { c.Sizes = nil }, false},
		{"tiny size", func(c *Config) { c.Sizes = [][2]int{{10, 10}} }, false},
		{"negative count", func(c *Config) { c.Count = -1 }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.change(&cfg)
			err := cfg.validate()
			if tc.ok && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestTruthRoundTrip(t *testing.T) {
	recs, err := ReadTruth(filepath.Join("testdata", "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Photo != nil || recs[1].Photo == nil || !recs[1].Hard {
		t.Fatalf("unexpected records: %+v", recs)
	}
	if recs[0].Typed.Errors != nil || len(recs[1].Typed.Errors) != 2 {
		t.Fatalf("typed errors: %v, %v", recs[0].Typed.Errors, recs[1].Typed.Errors)
	}
	path := filepath.Join(t.TempDir(), "truth.json")
	if err := WriteTruth(path, recs); err != nil {
		t.Fatal(err)
	}
	// The written file must say the same as the fixture, key for key.
	var want, got any
	for _, pair := range []struct {
		file string
		dst  *any
	}{{filepath.Join("testdata", "truth.json"), &want}, {path, &got}} {
		data, err := os.ReadFile(pair.file)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, pair.dst); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("round trip changed the JSON:\nwant %v\ngot  %v", want, got)
	}
}

func TestSheetDeterministic(t *testing.T) {
	form := loadForm(t)
	digits := testDigits(t)
	newGen := func(seed int64) *Generator {
		cfg := smallConfig()
		cfg.Seed = seed
		g, err := NewGenerator(form, digits, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	a, b, other := newGen(5), newGen(5), newGen(6)
	for i := range 3 {
		da, ra, err := a.Sheet(i)
		if err != nil {
			t.Fatal(err)
		}
		db, rb, err := b.Sheet(i)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(da, db) || !reflect.DeepEqual(ra, rb) {
			t.Errorf("sheet %d differs between two generators with the same seed", i)
		}
		do, _, err := other.Sheet(i)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(da, do) {
			t.Errorf("sheet %d is the same for seeds 5 and 6", i)
		}
	}
}

func TestSheetRecords(t *testing.T) {
	form := loadForm(t)
	cfg := smallConfig()
	cfg.ScanShare = 0.5
	g, err := NewGenerator(form, testDigits(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	scans, photos := 0, 0
	for i := range 8 {
		img, rec, err := g.Render(i)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkRules(form, rec.Truth.Counts); err != nil {
			t.Errorf("sheet %d: %v", i, err)
		}
		if len(rec.Truth.Printed) != len(form.Printed) {
			t.Errorf("sheet %d: printed %v", i, rec.Truth.Printed)
		}
		if rec.Photo == nil {
			scans++
			if img.Rect.Dx() != 620 || rec.Hard {
				t.Errorf("sheet %d: scan %v hard %v", i, img.Rect, rec.Hard)
			}
			continue
		}
		photos++
		if img.Rect.Dx() != rec.Photo.Width || img.Rect.Dy() != rec.Photo.Height {
			t.Errorf("sheet %d: image %v, record %dx%d", i, img.Rect, rec.Photo.Width, rec.Photo.Height)
		}
		// The page is lighter than the table: sample its middle and a corner.
		c := rec.Photo.PageCorners
		mx, my := int((c[0][0]+c[2][0])/2), int((c[0][1]+c[2][1])/2)
		page := img.Pix[img.PixOffset(mx, my+3):]
		table := img.Pix[img.PixOffset(1, 1):]
		if int(page[0])+int(page[1])+int(page[2]) <= int(table[0])+int(table[1])+int(table[2]) {
			t.Errorf("sheet %d: page middle %v not lighter than table %v", i, page[:3], table[:3])
		}
	}
	if scans == 0 || photos == 0 {
		t.Errorf("scans %d, photos %d: want both", scans, photos)
	}
}

func TestWriteDir(t *testing.T) {
	form := loadForm(t)
	cfg := smallConfig()
	cfg.Count = 3
	g, err := NewGenerator(form, testDigits(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	recs, err := g.WriteDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	read, err := ReadTruth(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(recs, read) || len(read) != 3 {
		t.Fatalf("truth.json does not hold the returned records")
	}
	for i, rec := range read {
		if want := []string{"sheet-0000.jpg", "sheet-0001.jpg", "sheet-0002.jpg"}[i]; rec.File != want {
			t.Errorf("record %d file %q, want %q", i, rec.File, want)
		}
		data, err := os.ReadFile(filepath.Join(dir, rec.File))
		if err != nil {
			t.Fatal(err)
		}
		if _, format, err := image.DecodeConfig(bytes.NewReader(data)); err != nil || format != "jpeg" {
			t.Errorf("%s: format %q, %v", rec.File, format, err)
		}
	}

	cfg.Lossless = true
	cfg.Count = 1
	lossless, err := NewGenerator(form, testDigits(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	recs, err = lossless.WriteDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "sheet-0000.png"))
	if err != nil {
		t.Fatal(err)
	}
	if _, format, err := image.DecodeConfig(bytes.NewReader(data)); err != nil || format != "png" || recs[0].File != "sheet-0000.png" {
		t.Errorf("lossless sheet: format %q, file %q, %v", format, recs[0].File, err)
	}
	if recs[0].Photo != nil && recs[0].Photo.JPEGQuality != 0 {
		t.Errorf("lossless sheet records jpeg quality %d", recs[0].Photo.JPEGQuality)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.WriteDir(ctx, t.TempDir()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled WriteDir: %v, want context.Canceled", err)
	}
}

func BenchmarkSheet(b *testing.B) {
	form := loadForm(b)
	cfg := DefaultConfig()
	cfg.ScanShare, cfg.HardShare = 0, 0
	cfg.Sizes = [][2]int{{2250, 3000}}
	g, err := NewGenerator(form, testDigits(b), cfg)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if _, _, err := g.Sheet(i); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func TestShares(t *testing.T) {
	form := loadForm(t)
	tests := []struct {
		name                   string
		scan, hard, errorShare float64
	}{
		{"defaults", DefaultScanShare, DefaultHardShare, DefaultErrorShare},
		{"none", 0, 0, 0},
		{"all", 1, 1, 1},
		{"mixed", 0.3, 0.5, 0.25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.ScanShare, cfg.HardShare, cfg.ErrorShare = tc.scan, tc.hard, tc.errorShare
			g, err := NewGenerator(form, testDigits(t), cfg)
			if err != nil {
				t.Fatal(err)
			}
			// Any 40 consecutive sheets are within two of the share.
			const n = 40
			for _, from := range []int{0, 17, 1000} {
				scans, hards, errs := 0, 0, 0
				for i := from; i < from+n; i++ {
					if g.pick(i, scanStep, tc.scan) {
						scans++
					}
					if g.pick(i, hardStep, tc.hard) {
						hards++
					}
					if g.pick(i, errorStep, tc.errorShare) {
						errs++
					}
				}
				for _, c := range []struct {
					what  string
					got   int
					share float64
				}{{"scans", scans, tc.scan}, {"hard", hards, tc.hard}, {"errors", errs, tc.errorShare}} {
					if want := c.share * n; math.Abs(float64(c.got)-want) > 2 {
						t.Errorf("sheets %d–%d: %d %s, want about %.0f", from, from+n-1, c.got, c.what, want)
					}
				}
			}
		})
	}
}

func TestFillInksEveryCell(t *testing.T) {
	form := loadForm(t)
	g, err := NewGenerator(form, testDigits(t), smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 1))
		counts, err := makeCounts(form, rng)
		if err != nil {
			t.Fatal(err)
		}
		page := image.NewRGBA(g.blank.Rect)
		copy(page.Pix, g.blank.Pix)
		g.fill(page, makePrinted(form, rng), counts, rng)
		// Ink is any pixel that differs from the blank form.
		inked := func(b ocr.Box) int {
			n := 0
			for y := b.Y + lineWidth; y < b.Y+b.H-lineWidth; y++ {
				for x := b.X + lineWidth; x < b.X+b.W-lineWidth; x++ {
					o := page.PixOffset(x, y)
					if page.Pix[o] != g.blank.Pix[o] || page.Pix[o+2] != g.blank.Pix[o+2] {
						n++
					}
				}
			}
			return n
		}
		for _, f := range form.Fields {
			// A written digit covers at least a few hundred pixels at 300 DPI.
			if n := inked(f.DigitsBox); n < 300 {
				t.Errorf("seed %d: %s digits cell has %d inked pixels", seed, f.ID, n)
			}
			if n := inked(f.WordsBox); n < 100 {
				t.Errorf("seed %d: %s words cell has %d inked pixels", seed, f.ID, n)
			}
		}
		for _, p := range form.Printed {
			if n := inked(p.ValueBox); n < 100 {
				t.Errorf("seed %d: printed %s has %d inked pixels", seed, p.ID, n)
			}
		}
		for i, b := range form.SignatureBoxes {
			if n := inked(b); n < 500 {
				t.Errorf("seed %d: signature %d has %d inked pixels", seed, i, n)
			}
		}
	}
}

func TestMNISTDigits(t *testing.T) {
	dir, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		dir   string
		split Split
		ok    bool
	}{
		{"test split", dir, SplitTest, true},
		{"train split", dir, SplitTrain, true},
		{"unknown split", dir, Split("valid"), false},
		{"missing folder", filepath.Join(t.TempDir(), "none"), SplitTest, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMNISTDigits(tc.dir, tc.split)
			if !tc.ok {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for d := range 10 {
				g := m.Digit(d, rng)
				if g.Rect.Dx() != 28 || g.Rect.Dy() != 28 {
					t.Fatalf("digit %d: size %v", d, g.Rect)
				}
				// White ink on black: the corner is background, some pixels are ink.
				maxv := uint8(0)
				for _, v := range g.Pix {
					maxv = max(maxv, v)
				}
				if g.Pix[0] != 0 || maxv < 200 {
					t.Errorf("digit %d: corner %d, brightest %d", d, g.Pix[0], maxv)
				}
			}
		})
	}
}

// The generated headers name real boxes, as the authority's sheets do: the
// reader snaps province and district readings to the real names.
func TestPlacesAreReal(t *testing.T) {
	for _, p := range places {
		if !ocr.IsProvince(p.il) {
			t.Errorf("%s is not a province", p.il)
		}
		for _, d := range p.ilceler {
			if !ocr.IsDistrict(p.il, d) {
				t.Errorf("%s is not a district of %s", d, p.il)
			}
		}
	}
}
