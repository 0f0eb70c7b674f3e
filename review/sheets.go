package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/storage"
)

// Sheet statuses before a verdict; after it the status is the verdict.
const (
	StatusQueued     = "queued"
	StatusProcessing = "processing"
)

// Box identifies a ballot box.
type Box struct {
	Il       string `json:"il"`
	Ilce     string `json:"ilce"`
	SandikNo string `json:"sandik_no"`
}

func (b Box) normalized() Box {
	// Names typed without the marks of Turkish letters are taken for the
	// place they name, so that they are counted, compared with the official
	// results and found under the name the authority prints.
	il := ocr.CanonicalProvince(NormalizePlace(b.Il))
	return Box{Il: il, Ilce: ocr.CanonicalDistrict(il, NormalizePlace(b.Ilce)), SandikNo: canonicalBoxNumber(NormalizePlace(b.SandikNo))}
}

// canonicalBoxNumber drops the leading zeros of a box number, so that a box
// typed "012" on one phone and "12" on another is one box, counted once and
// compared with its one official result. Anything but digits stays as typed.
func canonicalBoxNumber(s string) string {
	if !isBoxNumber(s) {
		return s
	}
	if t := strings.TrimLeft(s, "0"); t != "" {
		return t
	}
	return "0"
}

// badBoxNumber refuses a box number that is not one to six digits: no box
// has another, and what a person types there reaches pages and CSV files.
func badBoxNumber(n string) error {
	return inputErr("bad_box", fmt.Sprintf("Sandık numarası 1–6 rakamdan oluşmalı: %q.", n),
		fmt.Sprintf("The box number must be 1 to 6 digits: %q.", n))
}

// filedUnder is the box a sheet is filed under.
func filedUnder(sh storage.Sheet) Box { return Box{Il: sh.Il, Ilce: sh.Ilce, SandikNo: sh.SandikNo} }

// keyed is the box storage names by k, whatever its form.
func keyed(k storage.BoxKey) Box { return Box{Il: k.Il, Ilce: k.Ilce, SandikNo: k.SandikNo} }

// of names b among the boxes of form, as storage does.
func (b Box) of(form string) storage.BoxKey {
	return storage.BoxKey{Form: form, Il: b.Il, Ilce: b.Ilce, SandikNo: b.SandikNo}
}

func (b Box) complete() bool { return b.Il != "" && b.Ilce != "" && b.SandikNo != "" }

// checkText refuses a box whose names are not text: a NUL or bytes that
// are not UTF-8, which PostgreSQL refuses to store or look up, and control
// and format characters (an escape, a zero-width space, a right-to-left
// override), which no place name has and which would make a name that is
// no place look like one on the pages lawyers read. A name that is no
// place is otherwise kept as typed.
func (b Box) checkText() error {
	for _, s := range []string{b.Il, b.Ilce, b.SandikNo} {
		if !isName(s) {
			return inputErr("bad_box", "İl, ilçe ya da sandık no yazı olmayan karakterler içeriyor.",
				"The province, district or box number holds characters that are not text.")
		}
	}
	return nil
}

func (b Box) empty() bool { return b.Il == "" && b.Ilce == "" && b.SandikNo == "" }

// Photo is an uploaded image already spooled to a local file, with the
// SHA-256 computed while it streamed in.
type Photo struct {
	Path        string
	SHA256      string
	Size        int64
	ContentType string
}

// Upload is a photo with what came with it.
type Upload struct {
	Photo Photo
	Form  string
	// Box is optional; otherwise taken from the printed header.
	Box Box
	// Typed is nil when no figures came with the photo.
	Typed map[string]int
}

// UploadResult says which sheet holds the photo.
type UploadResult struct {
	ID      string `json:"id"`
	SHA256  string `json:"sha256"`
	Status  string `json:"status"`
	Created bool   `json:"-"`
}

// OCRArgs is the River job that reads a sheet's photo.
type OCRArgs struct {
	SheetID string `json:"sheet_id"`
	// Again tells a sheet queued again (its photo sent again) from its
	// first job: River holds jobs unique by their arguments until well
	// after they complete, and would take the new job for a duplicate of
	// the old one and insert nothing, leaving the sheet queued for ever.
	Again int64 `json:"again,omitempty"`
}

// Kind implements river.JobArgs.
func (OCRArgs) Kind() string { return "ocr_sheet" }

// InsertOpts makes a second job for the same sheet a no-op while one waits.
func (OCRArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Upload stores an original and its sheet record and queues the reading.
// It answers only once both are durable. The same bytes again return the
// existing sheet (Created false); typed figures sent with them are applied.
func (s *Service) Upload(ctx context.Context, u User, in Upload) (UploadResult, error) {
	if !u.CanUpload() {
		return UploadResult{}, ErrForbidden
	}
	form, err := s.form(in.Form)
	if err != nil {
		return UploadResult{}, err
	}
	if err := in.Box.checkText(); err != nil {
		return UploadResult{}, err
	}
	box := in.Box.normalized()
	if !box.empty() && !box.complete() {
		// The worker takes a box from the printed header only when none was
		// given: a part missing would keep the sheet out of every box.
		return UploadResult{}, inputErr("partial_box", "İl, ilçe ve sandık no birlikte verilmeli (ya da hiçbiri: fotoğraftan okunur).",
			"Province, district and box number go together (or none: they are read from the photo).")
	}
	if box.complete() && !isBoxNumber(box.SandikNo) {
		return UploadResult{}, badBoxNumber(box.SandikNo)
	}
	if !u.inProvince(box.Il) {
		return UploadResult{}, fmt.Errorf("upload for %s by a user of %s: %w", box.Il, u.Province, ErrForbidden)
	}
	if in.Typed != nil {
		if err := CheckTyped(form, in.Typed); err != nil {
			return UploadResult{}, err
		}
	}
	var existing storage.Sheet
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		existing, err = tx.SheetBySHA256(ctx, in.Photo.SHA256)
		return err
	})
	if err == nil {
		return s.reupload(ctx, u, existing, in)
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return UploadResult{}, err
	}

	f, err := os.Open(in.Photo.Path)
	if err != nil {
		return UploadResult{}, fmt.Errorf("open spooled photo: %w", err)
	}
	defer f.Close()
	if _, _, err := s.store.PutOriginal(ctx, in.Photo.SHA256, in.Photo.Size, in.Photo.ContentType, f); err != nil {
		return UploadResult{}, fmt.Errorf("store original: %w", err)
	}

	now := s.clock()
	sh := storage.Sheet{
		ID: "sh_" + randomHex(10), SHA256: in.Photo.SHA256, Size: in.Photo.Size, ContentType: in.Photo.ContentType,
		Form: form.ID, Il: box.Il, Ilce: box.Ilce, SandikNo: box.SandikNo, Status: StatusQueued, UploadedBy: u.ID,
		CreatedAt: now, UpdatedAt: now,
	}
	if in.Typed != nil {
		sh.Typed, _ = json.Marshal(in.Typed)
	}
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertSheet(ctx, sh); err != nil {
			return err
		}
		detail := map[string]any{"form": sh.Form, "size": sh.Size, "box": box}
		if err := s.appendCustody(ctx, tx, now, u.actor(), ActionUpload, sh.ID, sh.SHA256, detail); err != nil {
			return err
		}
		if sh.Typed != nil {
			if err := s.appendCustody(ctx, tx, now, u.actor(), ActionTypedEntry, sh.ID, hashBytes(sh.Typed), json.RawMessage(sh.Typed)); err != nil {
				return err
			}
		}
		return tx.InsertJob(ctx, OCRArgs{SheetID: sh.ID}, nil)
	})
	if errors.Is(err, storage.ErrDuplicate) {
		// The same bytes arrived twice at once; the other upload won.
		err = s.db.View(ctx, func(tx *storage.Tx) error {
			existing, err = tx.SheetBySHA256(ctx, in.Photo.SHA256)
			return err
		})
		if err != nil {
			return UploadResult{}, err
		}
		return s.reupload(ctx, u, existing, in)
	}
	if err != nil {
		return UploadResult{}, fmt.Errorf("record sheet: %w", err)
	}
	s.log.InfoContext(ctx, "sheet uploaded", "sheet_id", sh.ID, "sha256", sh.SHA256, "user_id", u.ID)
	return UploadResult{ID: sh.ID, SHA256: sh.SHA256, Status: sh.Status, Created: true}, nil
}

// reupload answers bytes already stored: a retry after a lost answer gets
// the sheet, with its typed figures applied. Anything else is refused
// rather than silently dropped: the same photo from another account, whose
// sender could neither see the sheet nor have their box and figures
// applied, and the same photo under another box, which only a lawyer may
// change.
func (s *Service) reupload(ctx context.Context, u User, sh storage.Sheet, in Upload) (UploadResult, error) {
	if !u.canSee(sh) {
		s.log.InfoContext(ctx, "photo already received from another account", "sheet_id", sh.ID, "user_id", u.ID)
		return UploadResult{}, &ConflictError{Code: "already_received",
			TR: "Bu fotoğraf başka bir hesaptan zaten gönderildi ve kanıt olarak saklanıyor; yeniden göndermeniz gerekmez. Girdiğiniz sandık ve sayılar ona uygulanmadı.",
			EN: "This photo was already sent from another account and is kept as evidence; there is no need to send it again. The box and figures you entered were not applied to it."}
	}
	stored := filedUnder(sh)
	if box := in.Box.normalized(); !box.empty() && box != stored {
		where := stored.Il + " / " + stored.Ilce + " / " + stored.SandikNo
		if stored.empty() {
			where = "?"
		}
		return UploadResult{}, &ConflictError{Code: "box_differs",
			TR: fmt.Sprintf("Bu fotoğraf daha önce başka bir sandık için gönderildi (%s); sandığını yalnızca bir avukat değiştirebilir.", where),
			EN: fmt.Sprintf("This photo was already sent for another box (%s); only a lawyer can change its box.", where)}
	}
	if sentAgainReason(sh) != "" {
		if err := s.restoreOriginal(ctx, u, sh, in.Photo); err != nil {
			return UploadResult{}, err
		}
		sh.Status = "" // queued again; re-read below
	}
	if typed := in.Typed; typed != nil {
		if _, err := s.SetTyped(ctx, u, sh.ID, typed); err != nil {
			return UploadResult{}, err
		}
		sh.Status = "" // may have changed; re-read below
	}
	if sh.Status == "" {
		if err := s.db.View(ctx, func(tx *storage.Tx) error {
			var err error
			sh, err = tx.SheetByID(ctx, sh.ID)
			return err
		}); err != nil {
			return UploadResult{}, err
		}
	}
	return UploadResult{ID: sh.ID, SHA256: sh.SHA256, Status: sh.Status}, nil
}

// sentAgainReason is the code of the reason sh is unreadable for a fault
// of the service's (its original gone from the store, or its attempts used
// up), which the same bytes sent again can mend; "" for any other sheet.
func sentAgainReason(sh storage.Sheet) string {
	if sh.Status != string(Unreadable) || sh.Result == nil {
		return ""
	}
	var res Result
	if err := json.Unmarshal(sh.Result, &res); err != nil {
		return ""
	}
	for _, r := range res.Reasons {
		if slices.Contains(sentAgainMends, r.Code) {
			return r.Code
		}
	}
	return ""
}

// restoreOriginal stores the bytes of a sheet that a fault of the
// service's left unread (its original lost, or its attempts used up),
// records that in the custody log as an upload, and queues the sheet to be
// read: the observer was told to send the photo again. The original is
// stored again only where it is missing.
func (s *Service) restoreOriginal(ctx context.Context, u User, sh storage.Sheet, photo Photo) error {
	f, err := os.Open(photo.Path)
	if err != nil {
		return fmt.Errorf("open spooled photo: %w", err)
	}
	defer f.Close()
	if _, _, err := s.store.PutOriginal(ctx, sh.SHA256, photo.Size, photo.ContentType, f); err != nil {
		return fmt.Errorf("store original again: %w", err)
	}
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		cur, err := tx.SheetForUpdate(ctx, sh.ID)
		if err != nil {
			return err
		}
		why := sentAgainReason(cur)
		if why == "" {
			return nil // another upload of the same bytes mended it first
		}
		now := s.clock()
		if err := tx.SetSheetStatus(ctx, sh.ID, StatusQueued, now); err != nil {
			return err
		}
		detail := map[string]any{"form": sh.Form, "size": sh.Size, "again": why}
		if err := s.appendCustody(ctx, tx, now, u.actor(), ActionUpload, sh.ID, sh.SHA256, detail); err != nil {
			return err
		}
		return tx.InsertJob(ctx, OCRArgs{SheetID: sh.ID, Again: now.UnixNano()}, nil)
	})
	if err != nil {
		return fmt.Errorf("queue %s again: %w", sh.ID, err)
	}
	s.log.InfoContext(ctx, "photo sent again; sheet queued", "sheet_id", sh.ID, "sha256", sh.SHA256, "user_id", u.ID)
	return nil
}

// loadVisible returns a sheet the user may see; ErrNotFound otherwise, so
// that ids of other provinces' sheets reveal nothing.
func loadVisible(ctx context.Context, tx *storage.Tx, u User, id string) (storage.Sheet, error) {
	return lookupVisible(ctx, u, id, tx.SheetByID)
}

// loadVisibleForUpdate is loadVisible holding the sheet's row until tx
// ends: for a change that reads the sheet, decides and writes it.
func loadVisibleForUpdate(ctx context.Context, tx *storage.Tx, u User, id string) (storage.Sheet, error) {
	return lookupVisible(ctx, u, id, tx.SheetForUpdate)
}

// lookupVisible looks sheet id up, and keeps it only if u may see it. An id
// that is not text names no sheet, and is not looked up: PostgreSQL would
// refuse it with an error.
func lookupVisible(ctx context.Context, u User, id string, lookup func(context.Context, string) (storage.Sheet, error)) (storage.Sheet, error) {
	if !storable(id) {
		return storage.Sheet{}, fmt.Errorf("sheet %q: %w", id, ErrNotFound)
	}
	sh, err := lookup(ctx, id)
	if err != nil {
		return storage.Sheet{}, err
	}
	if !u.canSee(sh) {
		return storage.Sheet{}, fmt.Errorf("sheet %s: %w", id, ErrNotFound)
	}
	return sh, nil
}

// SetTyped stores the figures typed for one sheet and recomputes its verdict.
func (s *Service) SetTyped(ctx context.Context, u User, id string, typed map[string]int) (SheetView, error) {
	if !u.can(Observer, Entry, Admin) {
		return SheetView{}, ErrForbidden
	}
	if len(typed) == 0 {
		// No figure at all would replace the figures typed before, or
		// hide the box's, with nothing: never what a typist means.
		return SheetView{}, inputErr("no_counts", "Sayılar eksik: hiçbir sayı girilmedi.", "The counts are missing: no figure was typed.")
	}
	counts, _ := json.Marshal(typed)
	err := s.db.InTx(ctx, func(tx *storage.Tx) error {
		// Held, so that a reading saved meanwhile is either seen here or
		// sees these figures (OCRWorker takes the row too).
		sh, err := loadVisibleForUpdate(ctx, tx, u, id)
		if err != nil {
			return err
		}
		form, err := s.form(sh.Form)
		if err != nil {
			return err
		}
		if err := CheckTyped(form, typed); err != nil {
			return err
		}
		now := s.clock()
		if err := tx.SetSheetTyped(ctx, id, counts, now); err != nil {
			return err
		}
		sh.Typed = counts
		verdict, err := s.recompute(ctx, tx, form, sh, now)
		if err != nil {
			return err
		}
		return s.appendCustody(ctx, tx, now, u.actor(), ActionTypedEntry, id, hashBytes(counts),
			map[string]any{"counts": json.RawMessage(counts), "verdict": verdict})
	})
	if err != nil {
		return SheetView{}, err
	}
	return s.Sheet(ctx, u, id)
}

// BoxTyped is typed figures for a ballot box, sent apart from any photo.
type BoxTyped struct {
	Form   string         `json:"form"`
	Box    Box            `json:"box"`
	Counts map[string]int `json:"counts"`
}

// SetBoxTyped stores the typed figures of a box, before or after its photo
// arrives, and recomputes the verdicts of the box's sheets that have no
// figures of their own. It returns the ids of those sheets.
func (s *Service) SetBoxTyped(ctx context.Context, u User, in BoxTyped) ([]string, error) {
	if !u.CanTypeBoxes() {
		return nil, ErrForbidden
	}
	if err := in.Box.checkText(); err != nil {
		return nil, err
	}
	box := in.Box.normalized()
	if !box.complete() {
		return nil, inputErr("no_box", "İl, ilçe ve sandık numarası gerekli.", "Province, district and ballot box number are required.")
	}
	if !isBoxNumber(box.SandikNo) {
		return nil, badBoxNumber(box.SandikNo)
	}
	if !u.inProvince(box.Il) {
		return nil, ErrForbidden
	}
	form, err := s.form(in.Form)
	if err != nil {
		return nil, err
	}
	if len(in.Counts) == 0 {
		// No figure at all would wipe the figures typed for the box before.
		return nil, inputErr("no_counts", "Sayılar eksik: hiçbir sayı girilmedi.", "The counts are missing: no figure was typed.")
	}
	if err := CheckTyped(form, in.Counts); err != nil {
		return nil, err
	}
	counts, _ := json.Marshal(in.Counts)
	var ids []string
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		now := s.clock()
		if err := tx.PutBoxTyped(ctx, storage.BoxTyped{Form: form.ID, Il: box.Il, Ilce: box.Ilce, SandikNo: box.SandikNo,
			Counts: counts, EnteredBy: u.ID, UpdatedAt: now}); err != nil {
			return err
		}
		sheets, err := tx.Sheets(ctx, storage.SheetFilter{Il: box.Il, Ilce: box.Ilce, SandikNo: box.SandikNo, Limit: 1000})
		if err != nil {
			return err
		}
		for _, listed := range sheets {
			if listed.Form != form.ID {
				continue
			}
			// Held and read again: a reading saved meanwhile is either seen
			// here or sees these figures (OCRWorker takes the row too).
			sh, err := tx.SheetForUpdate(ctx, listed.ID)
			if err != nil {
				return err
			}
			if sh.Typed != nil {
				continue
			}
			ids = append(ids, sh.ID)
			verdict, err := s.recompute(ctx, tx, form, sh, now)
			if err != nil {
				return err
			}
			// In the sheet's own history too (its page, its evidence
			// bundle): the figures its verdict now rests on, and who typed them.
			if err := s.appendCustody(ctx, tx, now, u.actor(), ActionTypedEntry, sh.ID, hashBytes(counts),
				map[string]any{"form": form.ID, "box": box, "counts": json.RawMessage(counts), "verdict": verdict}); err != nil {
				return err
			}
		}
		return s.appendCustody(ctx, tx, now, u.actor(), ActionTypedEntry, "", hashBytes(counts),
			map[string]any{"form": form.ID, "box": box, "counts": json.RawMessage(counts), "sheets": ids})
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// boxTypedDetail is what the typed_entry of figures typed for a box, under
// no sheet, records beside the figures: the form and the box, and the sheets
// whose verdicts the figures worked out again (SetBoxTyped). The totals,
// the evidence bundles and the custody check read it back.
type boxTypedDetail struct {
	Form   string   `json:"form"`
	Box    Box      `json:"box"`
	Sheets []string `json:"sheets"`
}

// decodeBoxTyped reads a box typing's detail; false when it names no form.
func decodeBoxTyped(detail string) (boxTypedDetail, bool) {
	var d boxTypedDetail
	err := json.Unmarshal([]byte(detail), &d)
	return d, err == nil && d.Form != ""
}

// typedFor returns the figures that apply to a sheet: its own, else its box's.
func typedFor(ctx context.Context, tx *storage.Tx, sh storage.Sheet) (map[string]int, error) {
	raw, err := typedBytesFor(ctx, tx, sh)
	if err != nil {
		return nil, err
	}
	return decodeTyped(raw)
}

// decodeTyped decodes typed figures as stored; nil for none.
func decodeTyped(raw []byte) (map[string]int, error) {
	if raw == nil {
		return nil, nil
	}
	var typed map[string]int
	if err := json.Unmarshal(raw, &typed); err != nil {
		return nil, fmt.Errorf("decode typed figures: %w", err)
	}
	return typed, nil
}

// typedBytesFor returns the typed figures typedFor decodes, as stored: the
// bytes whose SHA-256 is their typed_entry custody entry's subject.
func typedBytesFor(ctx context.Context, tx *storage.Tx, sh storage.Sheet) ([]byte, error) {
	if sh.Typed != nil || sh.Il == "" {
		return sh.Typed, nil
	}
	b, err := tx.BoxTypedFor(ctx, sh.Form, sh.Il, sh.Ilce, sh.SandikNo)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	return b.Counts, nil
}

// recompute checks a read sheet against its typed figures and stores the
// verdict; a sheet not read yet keeps its status. It returns the status.
func (s *Service) recompute(ctx context.Context, tx *storage.Tx, form *ocr.Form, sh storage.Sheet, now time.Time) (string, error) {
	if sh.Reading == nil {
		return sh.Status, nil
	}
	typed, err := typedBytesFor(ctx, tx, sh)
	if err != nil {
		return "", err
	}
	return s.recomputeWith(ctx, tx, form, sh, typed, now)
}

// recomputeWith is recompute against typed, the figures typedBytesFor
// returned for sh: for a caller that records them too.
func (s *Service) recomputeWith(ctx context.Context, tx *storage.Tx, form *ocr.Form, sh storage.Sheet, typed []byte, now time.Time) (string, error) {
	if sh.Reading == nil {
		return sh.Status, nil
	}
	var reading ocr.Reading
	if err := json.Unmarshal(sh.Reading, &reading); err != nil {
		return "", fmt.Errorf("decode reading of %s: %w", sh.ID, err)
	}
	figures, err := decodeTyped(typed)
	if err != nil {
		return "", err
	}
	return s.saveResult(ctx, tx, sh.ID, Verify(form, &reading, figures), now)
}

func (s *Service) saveResult(ctx context.Context, tx *storage.Tx, id string, res Result, now time.Time) (string, error) {
	raw, err := json.Marshal(res)
	if err != nil {
		return "", fmt.Errorf("encode result: %w", err)
	}
	fields := make([]storage.SheetField, 0, len(res.Fields))
	for fid, f := range res.Fields {
		sf := storage.SheetField{Field: fid, Confidence: f.Confidence, Status: string(f.Status)}
		if f.Value != nil {
			v := int64(*f.Value)
			sf.Value = &v
		}
		if f.Typed != nil {
			v := int64(*f.Typed)
			sf.Typed = &v
		}
		fields = append(fields, sf)
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
	status := string(res.Verdict)
	if err := tx.SaveResult(ctx, id, status, raw, fields, now); err != nil {
		return "", err
	}
	// A new verdict may open a review or make earlier decisions stale.
	if _, err := s.updateReviewState(ctx, tx, id); err != nil {
		return "", err
	}
	return status, nil
}

// FieldView is one field of a sheet as shown: typed, read, confidence, status.
type FieldView struct {
	Typed      *int    `json:"typed"`
	Read       *int    `json:"read"`
	Confidence float64 `json:"confidence"`
	// Status is a FieldStatus, or "pending" before the photo is read.
	Status string `json:"status"`
}

// SheetView is a sheet as the API shows it.
type SheetView struct {
	ID          string `json:"id"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	Form        string `json:"form"`
	Box         Box    `json:"box"`
	Status      string `json:"status"`
	// ReviewState is "" (no review needed), "open" or "resolved".
	ReviewState string               `json:"review_state"`
	Fields      map[string]FieldView `json:"fields"`
	Reasons     []Reason             `json:"reasons"`
	Result      *Result              `json:"result,omitempty"`
	LegalHold   bool                 `json:"legal_hold"`
	UploadedBy  int64                `json:"uploaded_by"`
	CreatedAt   time.Time            `json:"created_at"`
	UpdatedAt   time.Time            `json:"updated_at"`
	History     []HistoryEntry       `json:"history,omitempty"`
	// HeaderDiffers are the parts of Box that the photo's printed header, as
	// read, names otherwise (HeaderContradicts).
	HeaderDiffers []string `json:"header_differs,omitempty"`
	// Deadline is when objections about the sheet's box close; set in the
	// review queue.
	Deadline *time.Time `json:"deadline,omitempty"`
}

// Sheet returns a sheet the user may see.
func (s *Service) Sheet(ctx context.Context, u User, id string) (SheetView, error) {
	var v SheetView
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		sh, err := loadVisible(ctx, tx, u, id)
		if err != nil {
			return err
		}
		v, err = s.view(ctx, tx, sh)
		if err != nil {
			return err
		}
		v.History, err = history(ctx, tx, id)
		return err
	})
	return v, err
}

func (s *Service) view(ctx context.Context, tx *storage.Tx, sh storage.Sheet) (SheetView, error) {
	v := SheetView{ID: sh.ID, SHA256: sh.SHA256, Size: sh.Size, ContentType: sh.ContentType, Form: sh.Form,
		Box: filedUnder(sh), Status: sh.Status, ReviewState: sh.ReviewState,
		Fields: map[string]FieldView{}, Reasons: []Reason{}, LegalHold: sh.LegalHold, UploadedBy: sh.UploadedBy,
		CreatedAt: sh.CreatedAt, UpdatedAt: sh.UpdatedAt}
	if sh.Result != nil {
		var res Result
		if err := json.Unmarshal(sh.Result, &res); err != nil {
			return SheetView{}, fmt.Errorf("decode result of %s: %w", sh.ID, err)
		}
		v.Result = &res
		v.HeaderDiffers = HeaderContradicts(v.Box, res.Printed)
		if res.Reasons != nil {
			v.Reasons = res.Reasons
		}
		for id, f := range res.Fields {
			v.Fields[id] = FieldView{Typed: f.Typed, Read: f.Value, Confidence: f.Confidence, Status: string(f.Status)}
		}
		return v, nil
	}
	typed, err := typedFor(ctx, tx, sh)
	if err != nil {
		return SheetView{}, err
	}
	for id, t := range typed {
		t := t
		v.Fields[id] = FieldView{Typed: &t, Status: "pending"}
	}
	return v, nil
}

// SheetQuery filters the sheets a user lists.
type SheetQuery struct {
	Box    Box
	Status string
	Limit  int
	// Mine keeps only the user's own uploads, of all the sheets they may
	// see: what an observer's phone shows as sent, after a reload too.
	Mine bool
}

// Sheets lists the sheets the user may see, newest first.
func (s *Service) Sheets(ctx context.Context, u User, q SheetQuery) ([]SheetView, error) {
	if err := q.Box.checkText(); err != nil {
		return nil, err
	}
	if !storable(q.Status) {
		return []SheetView{}, nil // no sheet has such a status
	}
	box := q.Box.normalized()
	f := storage.SheetFilter{Il: box.Il, Ilce: box.Ilce, SandikNo: box.SandikNo, Status: q.Status, Limit: q.Limit}
	switch {
	case u.Role == Observer || q.Mine:
		f.UploadedBy = u.ID
	case u.Role == Admin:
	case u.Province != "":
		if f.Il != "" && f.Il != u.Province {
			return []SheetView{}, nil
		}
		f.Il = u.Province
	}
	var out []SheetView
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		sheets, err := tx.Sheets(ctx, f)
		if err != nil {
			return err
		}
		out, err = s.visibleViews(ctx, tx, u, sheets)
		return err
	})
	return out, err
}

// visibleViews turns the sheets u may see into views; the query already
// narrows by scope, and canSee is the last word on it.
func (s *Service) visibleViews(ctx context.Context, tx *storage.Tx, u User, sheets []storage.Sheet) ([]SheetView, error) {
	out := []SheetView{}
	for _, sh := range sheets {
		if !u.canSee(sh) {
			continue
		}
		v, err := s.view(ctx, tx, sh)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// defaultQueueLimit is how many sheets the review queue shows when the
// caller names no limit.
const defaultQueueLimit = 100

// waitingSheet is a sheet in the review queue, with the deadline that
// orders it.
type waitingSheet struct {
	sheet    storage.Sheet
	deadline time.Time
}

// waitingSheets sorts every sheet f selects by objection deadline. Sorting
// a national election's waiting sheets takes a tenth of a second (their
// boxes' first sheets found, every deadline worked out): it is done once
// per change mark for every lawyer of the same scope (sharedTotals), and
// each load of the queue only cuts it. The list is shared, never changed.
func (s *Service) waitingSheets(ctx context.Context, tx *storage.Tx, f storage.QueueFilter) ([]waitingSheet, error) {
	sheets, err := tx.ReviewQueue(ctx, f)
	if err != nil {
		return nil, err
	}
	// When each box's first sheet came, for every box at once: the queue
	// of the whole country has thousands of boxes.
	firsts, err := tx.FirstSheetTimes(ctx, f)
	if err != nil {
		return nil, err
	}
	list := make([]waitingSheet, 0, len(sheets))
	for _, sh := range sheets {
		// As sheetDeadline: from the box's first sheet, or from the sheet's
		// own arrival when it names no whole box.
		box := filedUnder(sh)
		counted := sh.CreatedAt
		if first, ok := firsts[box.of(sh.Form)]; ok && box.complete() {
			counted = first
		}
		list = append(list, waitingSheet{sheet: sh, deadline: s.deadlines.Deadline(box, counted)})
	}
	// Stable: equal deadlines keep the database's order, the longest waiting first.
	sortByDeadline(list, func(w waitingSheet) time.Time { return w.deadline })
	return list, nil
}

// reviewQueue lists the flagged sheets waiting for a decision that u may
// see, the soonest objection deadline first, at most limit of them. It
// sorts every waiting sheet before it cuts: cutting first (the database's
// oldest uploads) would drop a recent upload whose district board closes
// objections sooner than the others' windows. A sheet's deadline counts
// from its box's first sheet (sheetDeadline).
func (s *Service) reviewQueue(ctx context.Context, tx *storage.Tx, u User, limit int) ([]SheetView, error) {
	if limit <= 0 {
		limit = defaultQueueLimit
	}
	// Every waiting sheet; the cut comes after the sort.
	f := storage.QueueFilter{Status: string(Flagged), ReviewState: ReviewOpen, Limit: math.MaxInt32}
	if u.Role != Admin {
		f.Il = u.Province
	}
	// Read before the queue: a change committed in between is in the queue
	// kept under this mark, and the next load, at the next mark, sorts again.
	mark, err := tx.ChangeMark(ctx)
	if err != nil {
		return nil, err
	}
	sorted, err := s.shared.do(ctx, mark, "queue\x00"+f.Il, func(ctx context.Context) (any, error) {
		return s.waitingSheets(ctx, tx, f)
	})
	if err != nil {
		return nil, err
	}
	var list []waitingSheet
	for _, w := range sorted.([]waitingSheet) {
		if len(list) == limit {
			break
		}
		if u.canSee(w.sheet) {
			list = append(list, w)
		}
	}
	out := make([]SheetView, 0, len(list))
	for _, w := range list {
		// The queue has only what orders it; the view needs the whole sheet.
		sh, err := tx.SheetByID(ctx, w.sheet.ID)
		if err != nil {
			return nil, err
		}
		v, err := s.view(ctx, tx, sh)
		if err != nil {
			return nil, err
		}
		if !w.deadline.IsZero() {
			d := w.deadline
			v.Deadline = &d
		}
		out = append(out, v)
	}
	return out, nil
}

// Original returns the exact bytes of a sheet's photo.
func (s *Service) Original(ctx context.Context, u User, id string) (io.ReadCloser, storage.ObjectInfo, error) {
	var sh storage.Sheet
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		sh, err = loadVisible(ctx, tx, u, id)
		return err
	})
	if err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	return s.store.OpenOriginal(ctx, sh.SHA256)
}

// SetLegalHold puts a sheet's original under legal hold, or lifts it.
func (s *Service) SetLegalHold(ctx context.Context, u User, id string, on bool) (SheetView, error) {
	if !u.can(Legal, Admin) {
		return SheetView{}, ErrForbidden
	}
	err := s.db.InTx(ctx, func(tx *storage.Tx) error {
		sh, err := loadVisible(ctx, tx, u, id)
		if err != nil {
			return err
		}
		// The store first: a hold recorded but not applied would mislead.
		if err := s.store.SetLegalHold(ctx, sh.SHA256, on); err != nil {
			return err
		}
		now := s.clock()
		if err := tx.SetSheetLegalHold(ctx, id, on, now); err != nil {
			return err
		}
		return s.appendCustody(ctx, tx, now, u.actor(), ActionLegalHold, id, sh.SHA256, map[string]bool{"on": on})
	})
	if err != nil {
		return SheetView{}, err
	}
	return s.Sheet(ctx, u, id)
}

// BoxChange is a reviewer's filing of a sheet under another box, as the API
// takes it: {"il", "ilce", "sandik_no", "note"}.
type BoxChange struct {
	Box
	// Note says why; it is required, as the change moves figures between
	// boxes.
	Note string `json:"note"`
}

// SetBox files a sheet under another box: the one its photo's header names,
// when a lawyer finds it filed under the wrong box, or the whole box when the
// header could not be read. Roles lawyer, legal and admin, for sheets and
// boxes of their province. The box must be whole, in one of the 81
// provinces, with a box number of digits. The verdict is recomputed:
// figures typed for the sheet itself still apply, figures typed by box now
// come from the new box, and decisions made against figures that changed
// stay on record but are no longer current.
func (s *Service) SetBox(ctx context.Context, u User, id string, in BoxChange) (SheetView, error) {
	if !u.can(Lawyer, Legal, Admin) {
		return SheetView{}, ErrForbidden
	}
	box := in.Box.normalized()
	switch {
	case !box.complete():
		return SheetView{}, inputErr("bad_box", "İl, ilçe ve sandık numarası gerekli.", "The province, district and box number are required.")
	case !ocr.IsProvince(box.Il):
		return SheetView{}, inputErr("bad_box", fmt.Sprintf("%q bir il değil.", box.Il), fmt.Sprintf("%q is not a province.", box.Il))
	case !ocr.IsDistrict(box.Il, box.Ilce):
		return SheetView{}, inputErr("bad_box", fmt.Sprintf("%q, %s ilinin bir ilçesi değil.", box.Ilce, box.Il),
			fmt.Sprintf("%q is not a district of %s.", box.Ilce, box.Il))
	case !isBoxNumber(box.SandikNo):
		return SheetView{}, badBoxNumber(box.SandikNo)
	}
	note, err := cleanNote(in.Note)
	if err != nil {
		return SheetView{}, err
	}
	if note == "" {
		return SheetView{}, inputErr("no_note", "Sandık değişikliği için not gerekli.", "A box change needs a note.")
	}
	if !u.inProvince(box.Il) {
		return SheetView{}, fmt.Errorf("box in %s for a user of %s: %w", box.Il, u.Province, ErrForbidden)
	}
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		sh, err := loadVisibleForUpdate(ctx, tx, u, id)
		if err != nil {
			return err
		}
		old := filedUnder(sh)
		if old == box {
			return inputErr("same_box", "Tutanak zaten bu sandıkta.", "The sheet is filed under this box already.")
		}
		form, err := s.form(sh.Form)
		if err != nil {
			return err
		}
		now := s.clock()
		if err := tx.SetSheetBox(ctx, id, box.Il, box.Ilce, box.SandikNo, now); err != nil {
			return err
		}
		sh.Il, sh.Ilce, sh.SandikNo = box.Il, box.Ilce, box.SandikNo
		verdict, err := s.recompute(ctx, tx, form, sh, now)
		if err != nil {
			return err
		}
		return s.appendCustody(ctx, tx, now, u.actor(), ActionBoxChange, id, sh.SHA256,
			map[string]any{"from": old, "to": box, "note": note, "verdict": verdict})
	})
	if err != nil {
		return SheetView{}, err
	}
	return s.Sheet(ctx, u, id)
}

// imageName matches the derived images a sheet may have.
var imageName = regexp.MustCompile(`^(page|thumbnail|(field|printed)/[a-z0-9_]+)$`)

// Image returns a derived image of a sheet the user may see: "page",
// "thumbnail", "field/<field id>" or "printed/<printed id>", as PNG.
func (s *Service) Image(ctx context.Context, u User, id, name string) (io.ReadCloser, storage.ObjectInfo, error) {
	if !imageName.MatchString(name) {
		return nil, storage.ObjectInfo{}, fmt.Errorf("image %q: %w", name, ErrNotFound)
	}
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		_, err := loadVisible(ctx, tx, u, id)
		return err
	})
	if err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	return s.store.OpenDerived(ctx, DerivedKey(id, name))
}
