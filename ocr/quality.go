package ocr

import (
	"image"
	"math"
)

// Problem codes: stable identifiers other tools and the UI branch on.
const (
	ProblemNoPage      = "page_not_found"
	ProblemBlurred     = "blurred"
	ProblemDark        = "too_dark"
	ProblemBright      = "overexposed"
	ProblemLowRes      = "low_resolution"
	ProblemLowContr    = "low_contrast"
	ProblemCutOff      = "page_cut_off"
	ProblemFormNotSeen = "form_not_recognised"
)

var problemText = map[string][2]string{
	ProblemNoPage:      {"Fotoğrafta tutanak bulunamadı; sayfanın tamamı görünecek şekilde yeniden çekin.", "No result sheet found in the photo; retake it with the whole page in view."},
	ProblemBlurred:     {"Fotoğraf bulanık; telefonu sabit tutup yeniden çekin.", "The photo is blurred; hold the phone still and retake it."},
	ProblemDark:        {"Fotoğraf çok karanlık; daha aydınlık bir yerde yeniden çekin.", "The photo is too dark; retake it in better light."},
	ProblemBright:      {"Fotoğraf aşırı parlak; yansıma olmadan yeniden çekin.", "The photo is overexposed; retake it without glare."},
	ProblemLowRes:      {"Çözünürlük düşük; sayfaya yaklaşarak yeniden çekin.", "Resolution too low; move closer to the page and retake it."},
	ProblemLowContr:    {"Yazılar seçilemiyor; ışığı düzeltip yeniden çekin.", "The writing cannot be told from the paper; fix the light and retake it."},
	ProblemCutOff:      {"Sayfanın bir kısmı kadrajın dışında; tüm sayfayı çekin.", "Part of the page is outside the photo; include the whole page."},
	ProblemFormNotSeen: {"Tutanak formu tanınamadı; doğru formu seçtiğinizden emin olun.", "The form was not recognised; check that the right form was chosen."},
}

// problem returns the Problem with its Turkish and English text.
func problem(code string) Problem {
	t := problemText[code]
	return Problem{Code: code, TR: t[0], EN: t[1]}
}

// Quality thresholds, calibrated on the shared samples and generated photos
// (see README): hard but readable photos pass, unreadable ones do not.
const (
	qualityScale  = 0.3
	minSharpness  = 0.010 // Laplacian variance / contrast², on the 150-DPI table
	minBrightness = 70
	maxBrightness = 253
	minContrast   = 45
	minPageWidth  = 600 // photo pixels across the page's top edge
)

// assessQuality judges the photo on the registered table region: sharpness,
// exposure, contrast, resolution and whether the page is wholly in view.
func assessQuality(g *image.Gray, f *Form, h homography) Quality {
	t := f.TableOuterBox
	// Sharpness is measured at a scale below every acceptable photo's own, so
	// that a small photo's softness from upsampling does not count as blur.
	region := cutRegion(g, h, [4]float64{float64(t.X), float64(t.Y), float64(t.X + t.W), float64(t.Y + t.H)}, qualityScale)
	w, hh := region.Rect.Dx(), region.Rect.Dy()
	var hist [256]int
	for y := 0; y < hh; y++ {
		for _, v := range region.Pix[y*region.Stride : y*region.Stride+w] {
			hist[v]++
		}
	}
	paper := percentile(hist, w*hh, 0.75)
	ink := percentile(hist, w*hh, 0.02)
	contrast := paper - ink
	// The Laplacian is a whole number, and so are its sums: in integers they
	// are exact and do not wait on each other's floating-point additions.
	var sum, sum2 int
	n := 0
	for y := 1; y < hh-1 && w > 2; y++ {
		up := region.Pix[(y-1)*region.Stride : (y-1)*region.Stride+w]
		row := region.Pix[y*region.Stride : y*region.Stride+w]
		down := region.Pix[(y+1)*region.Stride : (y+1)*region.Stride+w]
		for x := 1; x < w-1; x++ {
			l := 4*int(row[x]) - int(row[x-1]) - int(row[x+1]) - int(up[x]) - int(down[x])
			sum += l
			sum2 += l * l
		}
		n += w - 2
	}
	var sharp float64
	if n > 0 && contrast > 0 {
		mean := float64(sum) / float64(n)
		sharp = (float64(sum2)/float64(n) - mean*mean) / (contrast * contrast)
	}
	q := Quality{Sharpness: math.Round(sharp*10000) / 10000, Brightness: paper, Problems: []Problem{}}
	switch {
	case paper < minBrightness:
		q.Problems = append(q.Problems, problem(ProblemDark))
	case paper >= maxBrightness && ink > 150:
		q.Problems = append(q.Problems, problem(ProblemBright))
	}
	if contrast < minContrast {
		q.Problems = append(q.Problems, problem(ProblemLowContr))
	} else if sharp < minSharpness {
		q.Problems = append(q.Problems, problem(ProblemBlurred))
	}
	gw, gh := float64(g.Rect.Dx()), float64(g.Rect.Dy())
	tl, tr := h.apply(pt{0, 0}), h.apply(pt{float64(f.WidthPx), 0})
	if math.Hypot(tr.X-tl.X, tr.Y-tl.Y) < minPageWidth {
		q.Problems = append(q.Problems, problem(ProblemLowRes))
	}
	// Every cell that is read must be in the photo; the page's margins may be cut.
	var must []Box
	must = append(must, t)
	for _, p := range f.Printed {
		must = append(must, p.ValueBox)
	}
	cut := false
	for _, b := range must {
		for _, c := range []pt{{float64(b.X), float64(b.Y)}, {float64(b.X + b.W), float64(b.Y)}, {float64(b.X + b.W), float64(b.Y + b.H)}, {float64(b.X), float64(b.Y + b.H)}} {
			if p := h.apply(c); p.X < 0 || p.Y < 0 || p.X > gw || p.Y > gh {
				cut = true
			}
		}
	}
	if cut {
		q.Problems = append(q.Problems, problem(ProblemCutOff))
	}
	q.OK = len(q.Problems) == 0
	return q
}

func percentile(hist [256]int, total int, p float64) float64 {
	target := int(p * float64(total))
	acc := 0
	for v, c := range hist {
		acc += c
		if acc > target {
			return float64(v)
		}
	}
	return 255
}
