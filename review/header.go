package review

import (
	"cmp"

	"github.com/tutanak/tutanak/ocr"
)

// headerBox is the box identity the printed header gives, keeping only the
// parts a reading can name a box by. The reader snaps province and district
// readings to the nearest real name, so a province that is none of the 81 or
// a district that is not the province's is a misreading (a blurred "ADANA"
// read as "ADAN LİA"), and a box number is digits. A part left out leaves
// the sheet out of the totals until its box is known, where a misread part
// would have counted its figures under a box that does not exist.
func headerBox(printed map[string]string) Box {
	b := Box{Il: printed["il"], Ilce: printed["ilce"], SandikNo: printed["sandik_no"]}.normalized()
	if !ocr.IsProvince(b.Il) {
		b.Il = ""
	}
	if !ocr.IsDistrict(b.Il, b.Ilce) {
		b.Ilce = ""
	}
	if !isBoxNumber(b.SandikNo) {
		b.SandikNo = ""
	}
	return b
}

// isBoxNumber tells whether s is a ballot box number: one to six digits.
func isBoxNumber(s string) bool {
	if s == "" || len(s) > 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// HeaderContradicts returns the parts of box ("il", "ilce", "sandik_no")
// that the photo's printed header, as read, names otherwise. It is the sign
// of a sheet filed under the wrong box: an observer photographing the sheets
// of several boxes at one school keeps the box chosen for the last one, and
// the sheet's figures are then compared with another box's official result.
// Only the parts headerBox keeps are compared.
func HeaderContradicts(box Box, printed map[string]string) []string {
	return contradicts(headerBox(printed), box)
}

// contradicts is HeaderContradicts of a header already reduced by headerBox
// to read: the totals keep that, not the header, for every sheet.
func contradicts(read, box Box) []string {
	if box == read {
		// What headerBox keeps is already as normalized makes it, so the box
		// is too: the common case needs no normalizing.
		return nil
	}
	box = box.normalized()
	var parts []string
	if read.Il != "" && box.Il != "" && read.Il != box.Il {
		parts = append(parts, "il")
	}
	if read.Ilce != "" && box.Ilce != "" && read.Ilce != box.Ilce {
		parts = append(parts, "ilce")
	}
	if read.SandikNo != "" && box.SandikNo != "" && read.SandikNo != box.SandikNo {
		parts = append(parts, "sandik_no")
	}
	return parts
}

// SuggestedBox is the box a reviewer is offered when filing the sheet
// again: each part the photo's header gives (as headerBox keeps it), and
// otherwise the part the sheet is filed under.
func (v SheetView) SuggestedBox() Box {
	if v.Result == nil {
		return v.Box
	}
	read := headerBox(v.Result.Printed)
	return Box{Il: cmp.Or(read.Il, v.Box.Il), Ilce: cmp.Or(read.Ilce, v.Box.Ilce), SandikNo: cmp.Or(read.SandikNo, v.Box.SandikNo)}
}

// SuggestedDistricts are the districts of the suggested box's province, for
// the reviewer to pick from: a box must name one of them.
func (v SheetView) SuggestedDistricts() []string { return ocr.Districts(v.SuggestedBox().Il) }

// UnknownPlace tells whether the sheet is filed under a province that is
// none of the 81, or a district its province does not have: a name
// misspelt when the box was typed, whose figures count under a place the
// official results never name.
func (v SheetView) UnknownPlace() bool { return v.Box.UnknownPlace() }

// UnknownPlace tells whether b names a province that is none of the 81, or
// a district its province does not have. A part not given is not unknown:
// the box is incomplete, which is said otherwise.
func (b Box) UnknownPlace() bool {
	return b.Il != "" && (!ocr.IsProvince(b.Il) || b.Ilce != "" && !ocr.IsDistrict(b.Il, b.Ilce))
}
