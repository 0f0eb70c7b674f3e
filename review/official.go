package review

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/storage"
)

// MaxOfficialRows caps the boxes of one official import; Türkiye has about
// 200,000 ballot boxes.
const MaxOfficialRows = 400_000

// OfficialImport is an official results file as handed in.
type OfficialImport struct {
	Form string
	// Source names the file, for the history.
	Source string
	// Partial marks every box of the file as still being entered by the
	// authority: shown, never compared as final.
	Partial bool
	// CSV has the header il,ilce,sandik_no followed by the form's field ids.
	CSV io.Reader
}

// OfficialImportResult says what an import stored.
type OfficialImportResult struct {
	ID      int64  `json:"id"`
	Form    string `json:"form"`
	SHA256  string `json:"sha256"`
	Boxes   int    `json:"boxes"`
	Partial bool   `json:"partial"`
	// UnknownPlaces counts the boxes whose province is none of the 81 or
	// whose district is not the province's. They are stored as given, but
	// only sheets filed under the same spelling are compared with them, so
	// the legal team should know; UnknownPlaceSample shows the first few.
	UnknownPlaces      int   `json:"unknown_places"`
	UnknownPlaceSample []Box `json:"unknown_place_sample,omitempty"`
}

// unknownPlaceSample is how many of an import's boxes of unknown places its
// answer lists.
const unknownPlaceSample = 10

// ImportOfficial stores an official results CSV as a new import. Earlier
// imports stay: each official figure of a box is that of the latest import
// that has it. Only the legal team and admins import.
func (s *Service) ImportOfficial(ctx context.Context, u User, in OfficialImport) (OfficialImportResult, error) {
	if !u.can(Legal, Admin) {
		return OfficialImportResult{}, ErrForbidden
	}
	if !isName(in.Source) {
		return OfficialImportResult{}, inputErr("bad_source", "Kaynak adı yazı olmayan karakterler içeriyor.",
			"The source name holds characters that are not text.")
	}
	form, err := s.form(cmp.Or(in.Form, DefaultForm))
	if err != nil {
		return OfficialImportResult{}, err
	}
	parsed, err := parseOfficialCSV(form, in.CSV, MaxOfficialRows)
	if err != nil {
		return OfficialImportResult{}, err
	}
	rows, fields := parsed.rows, parsed.fields
	if u.Province != "" {
		// The latest import wins: a legal team of one province must not
		// replace, or invent, another's official figures.
		for i, r := range rows {
			if r.box.Il != u.Province {
				return OfficialImportResult{}, inputErr("outside_province",
					fmt.Sprintf("%d. satırdaki sandık %s ilinde; yalnızca %s için içe aktarabilirsiniz.", i+2, r.box.Il, u.Province),
					fmt.Sprintf("The box on line %d is in %s; you may import for %s only.", i+2, r.box.Il, u.Province))
			}
		}
	}
	out := OfficialImportResult{Form: form.ID, SHA256: parsed.sha256, Boxes: len(rows), Partial: in.Partial}
	for _, r := range rows {
		if r.box.UnknownPlace() {
			out.UnknownPlaces++
			if len(out.UnknownPlaceSample) < unknownPlaceSample {
				out.UnknownPlaceSample = append(out.UnknownPlaceSample, r.box)
			}
		}
	}
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		now := s.clock()
		out.ID, err = tx.InsertOfficialImport(ctx, storage.OfficialImport{Form: form.ID, Source: in.Source, SHA256: out.SHA256,
			Partial: in.Partial, Boxes: len(rows), Actor: u.actor(), At: now})
		if err != nil {
			return err
		}
		for _, r := range rows {
			raw, err := json.Marshal(r.counts)
			if err != nil {
				return fmt.Errorf("encode official figures: %w", err)
			}
			// A row with a blank figure is still being entered, whatever the flag.
			partial := in.Partial || len(r.counts) < len(fields)
			if err := tx.InsertOfficialRow(ctx, storage.OfficialRow{ImportID: out.ID, Form: form.ID, Il: r.box.Il,
				Ilce: r.box.Ilce, SandikNo: r.box.SandikNo, Counts: raw, Partial: partial}); err != nil {
				return err
			}
		}
		detail, err := json.Marshal(map[string]any{"import_id": out.ID, "form": form.ID, "source": in.Source,
			"boxes": len(rows), "partial": in.Partial, "unknown_places": out.UnknownPlaces})
		if err != nil {
			return fmt.Errorf("encode official import: %w", err)
		}
		return s.appendCustody(ctx, tx, now, u.actor(), ActionOfficialImport, "", out.SHA256, json.RawMessage(detail))
	})
	if err != nil {
		return OfficialImportResult{}, err
	}
	s.log.InfoContext(ctx, "official import", "import_id", out.ID, "form", form.ID, "boxes", out.Boxes, "partial", in.Partial,
		"unknown_places", out.UnknownPlaces)
	return out, nil
}

// officialRow is one box of an official results file: a figure left blank
// (still being entered) is absent from counts, never zero.
type officialRow struct {
	box    Box
	counts map[string]int
}

// officialCSV is an official results file parsed and checked against its form.
type officialCSV struct {
	// fields are the form's field ids in the file's column order.
	fields []string
	rows   []officialRow
	// sha256 is the hex SHA-256 of every byte read, for the history.
	sha256 string
}

// parseOfficialCSV reads an official results CSV for form, refusing more than
// maxRows boxes. It stores nothing, so that it can be fuzzed alone; every
// refusal is an *InputError.
func parseOfficialCSV(form *ocr.Form, in io.Reader, maxRows int) (officialCSV, error) {
	h := sha256.New()
	r := csv.NewReader(io.TeeReader(in, h))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return officialCSV{}, inputErr("bad_csv", "CSV başlığı okunamadı.", "The CSV header could not be read.")
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff") // spreadsheets add a BOM
	if len(header) < 4 || header[0] != "il" || header[1] != "ilce" || header[2] != "sandik_no" {
		return officialCSV{}, inputErr("bad_header", "Başlık il,ilce,sandik_no ve form alanlarıyla başlamalı.",
			"The header must be il,ilce,sandik_no followed by the form's fields.")
	}
	fields := header[3:]
	columns := make(map[string]bool, len(fields))
	for _, f := range fields {
		if _, ok := form.Field(f); !ok {
			return officialCSV{}, inputErr("unknown_field", fmt.Sprintf("Formda %q alanı yok.", f), fmt.Sprintf("The form has no field %q.", f))
		}
		// A second column for a field would silently overwrite the first
		// and mark every box partial.
		if columns[f] {
			return officialCSV{}, inputErr("duplicate_field", fmt.Sprintf("%q sütunu iki kez var.", f), fmt.Sprintf("The column %q appears twice.", f))
		}
		columns[f] = true
	}
	var rows []officialRow
	seen := map[Box]bool{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		bad := func(tr, en string) error {
			return inputErr("bad_row", fmt.Sprintf("Satır %d: %s", line, tr), fmt.Sprintf("Line %d: %s", line, en))
		}
		if err != nil {
			return officialCSV{}, bad("okunamadı.", "unreadable.")
		}
		if len(rec) != len(header) {
			return officialCSV{}, bad("sütun sayısı başlıkla aynı değil.", "the number of columns differs from the header.")
		}
		if (Box{Il: rec[0], Ilce: rec[1], SandikNo: rec[2]}).checkText() != nil {
			return officialCSV{}, bad("il, ilçe ya da sandık no yazı olmayan karakterler içeriyor.",
				"il, ilce or sandik_no holds characters that are not text.")
		}
		b := Box{Il: rec[0], Ilce: rec[1], SandikNo: rec[2]}.normalized()
		if !b.complete() {
			return officialCSV{}, bad("il, ilçe ve sandık no gerekli.", "il, ilce and sandik_no are required.")
		}
		if seen[b] {
			return officialCSV{}, bad("sandık iki kez var.", "the box appears twice.")
		}
		seen[b] = true
		counts := map[string]int{}
		for i, f := range fields {
			v := strings.TrimSpace(rec[3+i])
			if v == "" {
				// Not entered yet: absent, never zero.
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > MaxCount {
				return officialCSV{}, bad(fmt.Sprintf("%s geçerli bir sayı değil.", f), fmt.Sprintf("%s is not a valid figure.", f))
			}
			counts[f] = n
		}
		rows = append(rows, officialRow{box: b, counts: counts})
		if len(rows) > maxRows {
			return officialCSV{}, bad("dosyada çok fazla sandık var.", "the file has too many boxes.")
		}
	}
	return officialCSV{fields: fields, rows: rows, sha256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Discrepancy is one field of one box where the official figure differs
// from the accepted one.
type Discrepancy struct {
	Il       string   `json:"il"`
	Ilce     string   `json:"ilce"`
	SandikNo string   `json:"sandik_no"`
	Field    string   `json:"field"`
	Official int      `json:"official"`
	Accepted int      `json:"accepted"`
	SheetIDs []string `json:"sheet_ids"`
	// HeaderDiffers holds, by sheet id, the parts of the box that a sheet's
	// photo names otherwise in its printed header: such a difference may
	// come from a sheet filed under the wrong box, not from the count.
	HeaderDiffers map[string][]string `json:"header_differs,omitempty"`
	// Deadline is when objections about the box close.
	Deadline *time.Time `json:"deadline,omitempty"`
}

// Discrepancies are the differences between official and accepted
// figures, and the boxes that cannot be compared yet.
type Discrepancies struct {
	Form          string        `json:"form"`
	Discrepancies []Discrepancy `json:"discrepancies"`
	// NotPublished are accepted boxes the authority has not published:
	// not published, never zero.
	NotPublished []Box `json:"not_published"`
	// Partial are boxes whose official figures are still being entered.
	Partial []Box `json:"partial"`
}

// Discrepancies compares the current official figures with the accepted
// ones, box by box, within the user's province.
func (s *Service) Discrepancies(ctx context.Context, u User, form string) (Discrepancies, error) {
	if u.Role == Observer {
		return Discrepancies{}, ErrForbidden
	}
	f, err := s.form(cmp.Or(form, DefaultForm))
	if err != nil {
		return Discrepancies{}, err
	}
	out := Discrepancies{Form: f.ID, Discrepancies: []Discrepancy{}, NotPublished: []Box{}, Partial: []Box{}}
	// The boxes as judged once per change for every page (boxesAt); an
	// official import moves the change mark too.
	mark, err := s.ChangeMark(ctx)
	if err != nil {
		return Discrepancies{}, err
	}
	boxes, err := s.boxesAt(ctx, mark, f, u.Province)
	if err != nil {
		return Discrepancies{}, err
	}
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		official, err := tx.CurrentOfficial(ctx, f.ID, u.Province)
		if err != nil {
			return err
		}
		byBox := map[Box]storage.OfficialBox{}
		for _, r := range official {
			byBox[Box{Il: r.Il, Ilce: r.Ilce, SandikNo: r.SandikNo}] = r
		}
		for b := range boxes.all() {
			if b.State != BoxAccepted {
				continue
			}
			r, ok := byBox[b.Box]
			switch {
			case !ok:
				out.NotPublished = append(out.NotPublished, b.Box)
				continue
			case r.Partial:
				out.Partial = append(out.Partial, b.Box)
				continue
			}
			for _, field := range f.FieldIDs() {
				acc, okA := b.Figures[field]
				off, okO := r.Figures[field]
				if okA && okO && acc != off {
					d := Discrepancy{Il: b.Box.Il, Ilce: b.Box.Ilce, SandikNo: b.Box.SandikNo, Field: field,
						Official: off, Accepted: acc, SheetIDs: make([]string, 0, len(b.Accepted)), Deadline: b.Deadline}
					for _, a := range b.Accepted {
						d.SheetIDs = append(d.SheetIDs, a.SheetID)
						if len(a.HeaderDiffers) > 0 {
							if d.HeaderDiffers == nil {
								d.HeaderDiffers = map[string][]string{}
							}
							d.HeaderDiffers[a.SheetID] = a.HeaderDiffers
						}
					}
					out.Discrepancies = append(out.Discrepancies, d)
				}
			}
		}
		// The legal team works through them by the time left to object.
		sortByDeadline(out.Discrepancies, func(d Discrepancy) time.Time {
			if d.Deadline == nil {
				return time.Time{}
			}
			return *d.Deadline
		})
		return nil
	})
	return out, err
}
