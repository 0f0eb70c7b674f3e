package review

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The evidence summary is a plain PDF 1.4 of text lines in Helvetica, one
// of the fonts every PDF reader has, so nothing is embedded and the file
// stays small and deterministic.
const (
	pdfPageWidth  = 595 // A4, points
	pdfPageHeight = 842
	pdfMargin     = 40
	pdfFontSize   = 8
	pdfLeading    = 11
	// pdfWrap is how many characters fit on a line at pdfFontSize.
	pdfWrap = 115
)

// pdfEncoding maps the characters outside ASCII and Latin-1 that the font
// can show to their codes: WinAnsiEncoding's own in 0x80-0x9F (the
// apostrophe and quotes a phone types, dashes, the ellipsis, the euro), and
// the Turkish letters WinAnsiEncoding lacks at codes it leaves unused,
// redefined through /Differences to Helvetica's own glyphs for them.
var pdfEncoding = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89, 'Š': 0x8a,
	'‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
	'˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b, 'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
	'Ğ': 0x7f, 'ğ': 0x81, 'İ': 0x8d, 'ı': 0x8f, 'Ş': 0x90, 'ş': 0x9d,
}

const pdfDifferences = "[127 /Gbreve 129 /gbreve 141 /Idotaccent 143 /dotlessi 144 /Scedilla 157 /scedilla]"

// pdfText encodes s for a PDF string in the font's encoding; a tab is a
// space, ≤ and ≥ are <= and >=, and what the font cannot show is '?'.
func pdfText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteByte(' ')
		// A broken rule's reason writes its comparison so; the font's
		// encoding has no code left for either.
		case r == '≤':
			b.WriteString("<=")
		case r == '≥':
			b.WriteString(">=")
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case pdfEncoding[r] != 0:
			fmt.Fprintf(&b, "\\%03o", pdfEncoding[r])
		case r >= 0xa0 && r <= 0xff:
			fmt.Fprintf(&b, "\\%03o", r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// wrapLine splits a line into pieces of at most pdfWrap characters,
// preferring spaces.
func wrapLine(line string) []string {
	var out []string
	for utf8.RuneCountInString(line) > pdfWrap {
		runes := []rune(line)
		cut := pdfWrap
		for i := pdfWrap; i > pdfWrap/2; i-- {
			if runes[i] == ' ' {
				cut = i
				break
			}
		}
		out = append(out, string(runes[:cut]))
		line = "    " + strings.TrimLeft(string(runes[cut:]), " ")
	}
	return append(out, line)
}

// textPDF lays lines out on as many A4 pages as they need.
func textPDF(title string, lines []string) []byte {
	var wrapped []string
	for _, l := range lines {
		wrapped = append(wrapped, wrapLine(l)...)
	}
	perPage := (pdfPageHeight - 2*pdfMargin) / pdfLeading
	var pages [][]string
	for len(wrapped) > perPage {
		pages = append(pages, wrapped[:perPage])
		wrapped = wrapped[perPage:]
	}
	pages = append(pages, wrapped)

	var buf bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, buf.Len())
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	// 1 catalog, 2 page tree, 3 font, 4 info, then a page and its content per page.
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 5+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences " +
		pdfDifferences + " >> >>")
	obj(fmt.Sprintf("<< /Title (%s) /Producer (tutanak) >>", pdfText(title)))
	for i, page := range pages {
		var c bytes.Buffer
		fmt.Fprintf(&c, "BT\n/F1 %d Tf\n%d TL\n%d %d Td\n", pdfFontSize, pdfLeading, pdfMargin, pdfPageHeight-pdfMargin)
		for _, l := range page {
			fmt.Fprintf(&c, "(%s) '\n", pdfText(l))
		}
		c.WriteString("ET\n")
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>",
			pdfPageWidth, pdfPageHeight, 6+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", c.Len(), c.String()))
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return buf.Bytes()
}
