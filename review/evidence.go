package review

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/storage"
)

// BundleFormat names the layout of evidence bundles, in their manifest.
// Version 2 may carry, in custody.json, the entry of no sheet that
// recorded the figures typed for the sheet's box; VerifyBundle still
// verifies version 1 bundles, which never do.
const BundleFormat = "tutanak-evidence/2"

// bundleFormatV1 is the layout before box-typed figures' custody entries.
const bundleFormatV1 = "tutanak-evidence/1"

// Files of a bundle outside the manifest: the manifest itself, and the
// custody entry of the export, whose subject is the manifest's SHA-256.
const (
	BundleManifest = "manifest.json"
	BundleExport   = "export.json"
)

// maxBundleBytes caps what VerifyBundle reads, so that a zip bomb cannot
// take the memory of whoever checks it: a bundle holds one photo of at most
// ocr.DefaultMaxBytes, PNG crops and small JSON and PDF files.
const maxBundleBytes = 8 * ocr.DefaultMaxBytes

// ErrBadBundle: the evidence bundle does not verify.
var ErrBadBundle = errors.New("evidence bundle does not verify")

// BundleFile is one file of a bundle as the manifest lists it.
type BundleFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Manifest lists every file of a bundle with its SHA-256.
type Manifest struct {
	Format      string       `json:"format"`
	SheetID     string       `json:"sheet_id"`
	OriginalSHA string       `json:"original_sha256"`
	CreatedAt   time.Time    `json:"created_at"`
	CreatedBy   string       `json:"created_by"`
	Files       []BundleFile `json:"files"`
}

// BundleEntry is a custody entry with everything needed to recompute its
// chain hash offline.
type BundleEntry struct {
	Seq         int64  `json:"seq"`
	At          string `json:"at"`
	Actor       string `json:"actor"`
	Action      string `json:"action"`
	SheetID     string `json:"sheet_id"`
	SubjectHash string `json:"subject_sha256"`
	Detail      string `json:"detail"`
	PrevHash    string `json:"prev_hash"`
	Hash        string `json:"hash"`
}

func bundleEntry(e storage.CustodyEntry) BundleEntry {
	return BundleEntry{Seq: e.Seq, At: e.At.UTC().Format(custodyTimeLayout), Actor: e.Actor, Action: e.Action,
		SheetID: e.SheetID, SubjectHash: e.SubjectHash, Detail: e.Detail, PrevHash: e.PrevHash, Hash: e.Hash}
}

func (b BundleEntry) entry() (storage.CustodyEntry, error) {
	at, err := time.Parse(custodyTimeLayout, b.At)
	if err != nil {
		return storage.CustodyEntry{}, fmt.Errorf("entry %d: time %q: %w", b.Seq, b.At, err)
	}
	return storage.CustodyEntry{Seq: b.Seq, At: at, Actor: b.Actor, Action: b.Action, SheetID: b.SheetID,
		SubjectHash: b.SubjectHash, Detail: b.Detail, PrevHash: b.PrevHash, Hash: b.Hash}, nil
}

// Bundle is an evidence bundle ready to send.
type Bundle struct {
	Name string
	Data []byte
}

// namedFile is a file going into a bundle.
type namedFile struct {
	name string
	data []byte
}

func originalName(contentType string) string {
	switch contentType {
	case "image/jpeg":
		return "original.jpg"
	case "image/png":
		return "original.png"
	}
	return "original.bin"
}

func indentJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Evidence assembles a sheet's evidence bundle: the original's exact bytes,
// the rectified page and crops, the typed and read figures, the review
// decisions, the sheet's custody entries, a PDF summary and a manifest with
// every file's SHA-256. The export itself goes into the custody log, its
// subject the manifest's SHA-256, and that entry ships as export.json.
// Lawyers, the legal team and admins export, within their province.
func (s *Service) Evidence(ctx context.Context, u User, id string) (Bundle, error) {
	if !u.can(Lawyer, Legal, Admin) {
		return Bundle{}, ErrForbidden
	}
	var (
		sh      storage.Sheet
		dec     Decisions
		form    *ocr.Form
		res     *Result
		typed   []byte
		entries []storage.CustodyEntry
		// The objection deadline as the queue showed it, so the bundle
		// says when the objection had to be lodged.
		deadline *time.Time
	)
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		if sh, err = loadVisible(ctx, tx, u, id); err != nil {
			return err
		}
		if dec, form, res, err = s.review(ctx, tx, sh); err != nil {
			return err
		}
		typed = sh.Typed
		if typed == nil && sh.Il != "" {
			b, err := tx.BoxTypedFor(ctx, sh.Form, sh.Il, sh.Ilce, sh.SandikNo)
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				return err
			}
			typed = b.Counts
		}
		if d, err := s.sheetDeadline(ctx, tx, sh); err != nil {
			return err
		} else if !d.IsZero() {
			deadline = &d
		}
		if err := tx.Custody(ctx, id, func(e storage.CustodyEntry) error {
			entries = append(entries, e)
			return nil
		}); err != nil {
			return err
		}
		if sh.Typed != nil || typed == nil {
			return nil
		}
		sum := hashBytes(typed)
		if slices.ContainsFunc(entries, func(e storage.CustodyEntry) bool { return e.Action == ActionTypedEntry && e.SubjectHash == sum }) {
			return nil // typed after the photo: the sheet's own entry says who and when
		}
		// Figures typed for the box before its photo came were recorded
		// under no sheet: the entry that recorded typed.json says who typed
		// it and when.
		box := filedUnder(sh)
		if err := tx.CustodyOfNoSheet(ctx, ActionTypedEntry, sum, func(e storage.CustodyEntry) error {
			if d, ok := decodeBoxTyped(e.Detail); ok && d.Form == sh.Form && d.Box == box {
				entries = append(entries, e)
			}
			return nil
		}); err != nil {
			return err
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].Seq < entries[j].Seq })
		return nil
	})
	if err != nil {
		return Bundle{}, err
	}

	rc, info, err := s.store.OpenOriginal(ctx, sh.SHA256)
	if err != nil {
		return Bundle{}, fmt.Errorf("open original: %w", err)
	}
	original, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return Bundle{}, fmt.Errorf("read original: %w", err)
	}
	if got := hashBytes(original); got != sh.SHA256 {
		// Never ship evidence that is not what was uploaded.
		return Bundle{}, fmt.Errorf("original of %s hashes to %s, recorded %s", id, got, sh.SHA256)
	}

	files := []namedFile{{originalName(info.ContentType), original}}
	images := []string{"page", "thumbnail"}
	for _, fid := range form.FieldIDs() {
		images = append(images, "field/"+fid)
	}
	for _, p := range form.Printed {
		images = append(images, "printed/"+p.ID)
	}
	for _, name := range images {
		rc, _, err := s.store.OpenDerived(ctx, DerivedKey(id, name))
		if errors.Is(err, storage.ErrNotFound) {
			continue // not every field has a crop
		}
		if err != nil {
			return Bundle{}, fmt.Errorf("open %s: %w", name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return Bundle{}, fmt.Errorf("read %s: %w", name, err)
		}
		files = append(files, namedFile{"images/" + name + ".png", data})
	}
	// Stored JSON ships byte for byte, so its SHA-256 is the subject hash
	// of the custody entry that recorded it.
	if typed != nil {
		files = append(files, namedFile{"typed.json", typed})
	}
	if sh.Reading != nil {
		files = append(files, namedFile{"reading.json", sh.Reading})
	}
	if sh.Result != nil {
		files = append(files, namedFile{"result.json", sh.Result})
	}
	sheetJSON, err := indentJSON(map[string]any{"id": sh.ID, "form": sh.Form, "objection_deadline": deadline,
		"box": filedUnder(sh), "status": sh.Status, "review_state": dec.ReviewState,
		"original_sha256": sh.SHA256, "size": sh.Size, "content_type": sh.ContentType, "legal_hold": sh.LegalHold,
		"created_at": sh.CreatedAt, "updated_at": sh.UpdatedAt})
	if err != nil {
		return Bundle{}, fmt.Errorf("encode sheet: %w", err)
	}
	decJSON, err := indentJSON(dec)
	if err != nil {
		return Bundle{}, fmt.Errorf("encode decisions: %w", err)
	}
	chain := make([]BundleEntry, len(entries))
	for i, e := range entries {
		chain[i] = bundleEntry(e)
	}
	custodyJSON, err := indentJSON(chain)
	if err != nil {
		return Bundle{}, fmt.Errorf("encode custody: %w", err)
	}
	files = append(files, namedFile{"sheet.json", sheetJSON}, namedFile{"decisions.json", decJSON}, namedFile{"custody.json", custodyJSON})

	now := s.clock()
	man := Manifest{Format: BundleFormat, SheetID: id, OriginalSHA: sh.SHA256, CreatedAt: now, CreatedBy: u.Name}
	for _, f := range files {
		man.Files = append(man.Files, BundleFile{Name: f.name, SHA256: hashBytes(f.data), Size: int64(len(f.data))})
	}
	pdf := textPDF("Tutanak "+id, summaryLines(form, sh, res, dec, entries, man, deadline))
	files = append(files, namedFile{"summary.pdf", pdf})
	man.Files = append(man.Files, BundleFile{Name: "summary.pdf", SHA256: hashBytes(pdf), Size: int64(len(pdf))})
	manJSON, err := indentJSON(man)
	if err != nil {
		return Bundle{}, fmt.Errorf("encode manifest: %w", err)
	}

	var export storage.CustodyEntry
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		export, err = s.appendCustodyEntry(ctx, tx, now, u.actor(), ActionExport, id, hashBytes(manJSON),
			map[string]any{"files": len(man.Files), "original_sha256": sh.SHA256})
		return err
	})
	if err != nil {
		return Bundle{}, err
	}
	exportJSON, err := indentJSON(bundleEntry(export))
	if err != nil {
		return Bundle{}, fmt.Errorf("encode export entry: %w", err)
	}
	files = append(files, namedFile{BundleManifest, manJSON}, namedFile{BundleExport, exportJSON})
	if s.signer != nil {
		sig, err := s.sign(exportJSON)
		if err != nil {
			return Bundle{}, err
		}
		files = append(files, namedFile{BundleSignature, sig})
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return Bundle{}, fmt.Errorf("zip %s: %w", f.name, err)
		}
		if _, err := w.Write(f.data); err != nil {
			return Bundle{}, fmt.Errorf("zip %s: %w", f.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return Bundle{}, fmt.Errorf("zip: %w", err)
	}
	s.log.InfoContext(ctx, "evidence exported", "sheet_id", id, "user_id", u.ID, "custody_seq", export.Seq, "bytes", buf.Len())
	return Bundle{Name: "tutanak-" + id + "-evidence.zip", Data: buf.Bytes()}, nil
}

func numText(p *int) string {
	if p == nil {
		return "-"
	}
	return strconv.Itoa(*p)
}

// summaryLines is the text of the PDF a lawyer attaches to an objection:
// Turkish first, English after each heading.
func summaryLines(form *ocr.Form, sh storage.Sheet, res *Result, dec Decisions, entries []storage.CustodyEntry, man Manifest, deadline *time.Time) []string {
	l := []string{
		"SANDIK SONUÇ TUTANAĞI - KANIT PAKETİ / BALLOT-BOX RESULT SHEET - EVIDENCE BUNDLE",
		"",
		"Tutanak / Sheet: " + sh.ID + "    Form: " + sh.Form,
		"İl / Province: " + sh.Il + "    İlçe / District: " + sh.Ilce + "    Sandık no / Box no: " + sh.SandikNo,
		"Fotoğraf SHA-256 / Photo SHA-256: " + sh.SHA256,
		fmt.Sprintf("Boyut / Size: %d bayt/bytes, %s    Yüklenme / Uploaded: %s", sh.Size, sh.ContentType, sh.CreatedAt.UTC().Format(time.RFC3339)),
		"OCR kararı / OCR verdict: " + summaryWord(sh.Status) + "    İnceleme / Review: " + reviewWords(dec),
		"Paket / Bundle: " + man.CreatedAt.UTC().Format(time.RFC3339) + " - " + man.CreatedBy,
		"İtiraz süresi / Objection deadline: " + deadlineText(deadline),
		"",
		"SAYILAR / FIGURES  (alan: girilen / okunan / güven / kabul edilen  -  field: typed / read / confidence / accepted)",
	}
	for _, fid := range form.FieldIDs() {
		f, _ := form.Field(fid)
		var fr FieldResult
		if res != nil {
			fr = res.Fields[fid]
		}
		acc := acceptedText(sh.Status, fr, dec, fid)
		status := "-"
		if fr.Status != "" {
			status = summaryWord(string(fr.Status))
		}
		l = append(l, fmt.Sprintf("  %s (%s): %s / %s / %%%.0f / %s  [%s]", f.Label, fid, numText(fr.Typed), numText(fr.Value),
			fr.Confidence*100, acc, status))
	}
	if res != nil && len(res.Reasons) > 0 {
		l = append(l, "", "NEDENLER / REASONS")
		for _, r := range res.Reasons {
			l = append(l, "  - "+r.TR, "    "+r.EN)
		}
	}
	l = append(l, "", "KARARLAR / DECISIONS")
	if len(dec.Decisions) == 0 {
		l = append(l, "  (yok / none)")
	}
	for _, d := range dec.Decisions {
		cur := ""
		if !d.Current {
			cur = " (geçersiz / superseded)"
		}
		l = append(l, fmt.Sprintf("  #%d %s v%d: %s -> %s (girilen/typed %s, okunan/read %s) %s, %s%s", d.ID, d.Field, d.Version, summaryWord(string(d.Kind)),
			numText(d.Value), numText(d.Typed), numText(d.Read), d.Actor, d.At.UTC().Format(time.RFC3339), cur))
		if d.Note == "" {
			continue
		}
		// A note keeps its lines, each under the one before.
		for i, line := range strings.Split(strings.ReplaceAll(d.Note, "\r\n", "\n"), "\n") {
			if i == 0 {
				l = append(l, "      Not / Note: "+line)
			} else {
				l = append(l, "                  "+line)
			}
		}
	}
	l = append(l, "", "GÖZETİM ZİNCİRİ / CUSTODY LOG")
	for _, e := range entries {
		l = append(l, fmt.Sprintf("  %d %s %s %s", e.Seq, e.At.UTC().Format(custodyTimeLayout), actorName(e.Actor), e.Action),
			"      hash "+e.Hash, "      konu/subject "+e.SubjectHash)
	}
	l = append(l, "", "DOSYALAR / FILES (SHA-256)")
	for _, f := range man.Files {
		l = append(l, fmt.Sprintf("  %s  %s", f.SHA256, f.Name))
	}
	l = append(l, "",
		"Doğrulama: tutanak verify-bundle PAKET.zip - tek bir bayt değişse doğrulama başarısız olur.",
		"Verification: tutanak verify-bundle BUNDLE.zip - it fails if any byte was changed.")
	return l
}

// reviewWords gives a sheet's review as the pages do: a standing objection
// reads "objection" (and "open" while other fields wait), never
// "resolved", since the sheet counts in no total until it is replaced.
func reviewWords(dec Decisions) string {
	switch {
	case len(dec.Objections) == 0:
		return summaryWord(dec.ReviewState)
	case dec.ReviewState == ReviewOpen:
		return summaryWord(string(Object)) + ", " + summaryWord(ReviewOpen)
	}
	return summaryWord(string(Object))
}

// acceptedText is a field's figure as its sheet's review stands: the
// current decision's, an objection, pending while a flagged field waits,
// and otherwise the figure a readable sheet counts, typed where typed and
// read otherwise. A dash only where no figure stands (an unreadable sheet,
// a field neither typed nor read), so that the board never reads a dash as
// a figure refused.
func acceptedText(status string, fr FieldResult, dec Decisions, fid string) string {
	switch {
	case slices.Contains(dec.Objections, fid):
		return "İTİRAZ / OBJECTION"
	case slices.Contains(dec.Undecided, fid):
		return "bekliyor / pending"
	}
	if v, ok := dec.Accepted[fid]; ok {
		return strconv.Itoa(v)
	}
	if status != string(Verified) && status != string(Flagged) {
		return "-"
	}
	return numText(cmp.Or(fr.Typed, fr.Value))
}

// summaryWord gives a code as "Turkish / English", in the pages' words
// (CodeWords), the code itself when it has no words. The summary gives
// verdicts, review states, field statuses and decisions so; custody actions
// stay codes, as custody.json records them and their hashes cover them.
func summaryWord(code string) string {
	tr, en, ok := CodeWords(code)
	if !ok {
		return orDash(code)
	}
	return tr + " / " + en
}

// TurkeyTime is the time Turkey keeps all year (UTC+3, since 2016), the
// one district boards set objection deadlines in and lawyers read them in:
// the summary and the pages give times in it, marked as such.
var TurkeyTime = time.FixedZone("UTC+3", 3*60*60)

// deadlineText gives an objection deadline as a Turkish lawyer reads it, in
// Turkey's time, and in UTC as the bundle's files record it.
func deadlineText(d *time.Time) string {
	if d == nil {
		return "-"
	}
	return d.In(TurkeyTime).Format("02.01.2006 15:04") + " (Türkiye saati / Turkey time, UTC+3) = " + d.UTC().Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// BundleReport is the outcome of checking a bundle offline.
type BundleReport struct {
	SheetID string
	Files   int
	Entries int
	// SignedBy is the id of the key that signed the bundle (KeyID); empty
	// when it is unsigned. Whose key it is, the verifier must know.
	SignedBy string
	// Anchors are the bundle's custody entries and its export entry: a
	// check of the service's chain (VerifyCustody) must find every one.
	Anchors []Anchor
	// Problems lists every check that failed; empty when the bundle verifies.
	Problems []string
}

// OK reports whether the bundle verifies.
func (r BundleReport) OK() bool { return len(r.Problems) == 0 }

// VerifyBundle checks an evidence bundle offline: every file against the
// manifest, the manifest against the export's custody entry, every custody
// entry against its chain hash, the original against the upload entry, and
// the export entry against the bundle's signature, when it has one. Any
// byte altered without recomputing the sums fails one of these (or the
// zip's own checksums); one altered with them fails only the signature, so
// a bundle is the service's only when SignedBy is the service's key.
func VerifyBundle(r io.ReaderAt, size int64) (BundleReport, error) {
	var rep BundleReport
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return rep, fmt.Errorf("%w: not a zip: %w", ErrBadBundle, err)
	}
	if rep.Problems = zipFraming(r, size, zr.File); len(rep.Problems) > 0 {
		return rep, fmt.Errorf("%w: more than a zip: %s", ErrBadBundle, strings.Join(rep.Problems, "; "))
	}
	// A few kilobytes of deflate can hold gigabytes: refuse by the sizes
	// the zip declares, before reading any.
	var declared uint64
	for _, f := range zr.File {
		declared += min(f.UncompressedSize64, maxBundleBytes+1)
	}
	if declared > maxBundleBytes {
		rep.Problems = append(rep.Problems, fmt.Sprintf("the files claim %d bytes, more than a bundle holds (%d)", declared, maxBundleBytes))
		return rep, fmt.Errorf("%w: too large", ErrBadBundle)
	}
	contents := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %v", f.Name, err))
			continue
		}
		// The zip reader reads no more than the declared size and checks
		// the CRC-32 at the end.
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %v", f.Name, err))
			continue
		}
		if _, dup := contents[f.Name]; dup {
			rep.Problems = append(rep.Problems, f.Name+": appears twice")
		}
		contents[f.Name] = data
	}
	problem := func(format string, args ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...)) }

	var man Manifest
	manJSON, ok := contents[BundleManifest]
	if !ok {
		problem("%s missing", BundleManifest)
	} else if err := json.Unmarshal(manJSON, &man); err != nil || (man.Format != BundleFormat && man.Format != bundleFormatV1) {
		problem("%s: not a %s manifest", BundleManifest, BundleFormat)
	}
	rep.SheetID = man.SheetID
	listed := map[string]bool{BundleManifest: true, BundleExport: true, BundleSignature: true}
	for _, f := range man.Files {
		listed[f.Name] = true
		data, ok := contents[f.Name]
		switch {
		case !ok:
			problem("%s: listed in the manifest but missing", f.Name)
		case hashBytes(data) != f.SHA256 || int64(len(data)) != f.Size:
			problem("%s: SHA-256 %s, manifest says %s", f.Name, hashBytes(data), f.SHA256)
		default:
			rep.Files++
		}
	}
	var names []string
	for name := range contents {
		if !listed[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		problem("%s: not in the manifest", name)
	}

	var exp BundleEntry
	if raw, ok := contents[BundleExport]; !ok {
		problem("%s missing", BundleExport)
	} else if err := json.Unmarshal(raw, &exp); err != nil {
		problem("%s: %v", BundleExport, err)
	} else {
		// The chain hash covers the entry's fields, not the file's bytes
		// (JSON keys match in any case, spaces are free): only the
		// encoding the export wrote is intact.
		if canon, err := indentJSON(exp); err != nil || !bytes.Equal(canon, raw) {
			problem("%s: not the bytes of the export entry", BundleExport)
		}
		checkEntry(&rep, exp)
		if exp.Action != ActionExport || exp.SheetID != man.SheetID {
			problem("%s: not the export of sheet %s", BundleExport, man.SheetID)
		}
		if manJSON != nil && exp.SubjectHash != hashBytes(manJSON) {
			problem("%s: SHA-256 %s, the export entry recorded %s", BundleManifest, hashBytes(manJSON), exp.SubjectHash)
		}
		if sig, ok := contents[BundleSignature]; ok {
			if rep.SignedBy, err = checkSignature(sig, raw); err != nil {
				problem("%v", err)
			}
		}
	}

	var chain []BundleEntry
	if raw, ok := contents["custody.json"]; ok {
		if err := json.Unmarshal(raw, &chain); err != nil {
			problem("custody.json: %v", err)
		}
	} else {
		problem("custody.json missing")
	}
	uploaded := false
	typedSum := ""
	if typed, ok := contents["typed.json"]; ok {
		typedSum = hashBytes(typed)
	}
	for i, e := range chain {
		checkEntry(&rep, e)
		// Besides the sheet's own entries, only the one that recorded the
		// figures typed for its box (typed.json) under no sheet.
		boxTyped := man.Format == BundleFormat && typedSum != "" && e.SheetID == "" && e.Action == ActionTypedEntry && e.SubjectHash == typedSum
		if e.SheetID != man.SheetID && !boxTyped {
			problem("custody entry %d: belongs to sheet %q", e.Seq, e.SheetID)
		}
		if i > 0 && chain[i-1].Seq+1 == e.Seq && e.PrevHash != chain[i-1].Hash {
			problem("custody entry %d: does not chain to entry %d", e.Seq, chain[i-1].Seq)
		}
		if e.Action == ActionUpload && e.SubjectHash == man.OriginalSHA {
			uploaded = true
		}
	}
	if exp.Seq != 0 && len(chain) > 0 {
		last := chain[len(chain)-1]
		if exp.Seq <= last.Seq || (exp.Seq == last.Seq+1 && exp.PrevHash != last.Hash) {
			problem("%s: does not follow custody entry %d", BundleExport, last.Seq)
		}
	}
	if !uploaded {
		problem("custody.json: no upload entry for the original %s", man.OriginalSHA)
	}
	originals := 0
	for _, f := range man.Files {
		if strings.HasPrefix(path.Base(f.Name), "original.") {
			originals++
			if f.SHA256 != man.OriginalSHA {
				problem("%s: SHA-256 %s is not the original's %s", f.Name, f.SHA256, man.OriginalSHA)
			}
		}
	}
	if originals != 1 {
		problem("the bundle has %d originals, want 1", originals)
	}
	if !rep.OK() {
		return rep, fmt.Errorf("%w: %d problems", ErrBadBundle, len(rep.Problems))
	}
	for _, e := range append(chain, exp) {
		rep.Anchors = append(rep.Anchors, Anchor{Seq: e.Seq, Hash: e.Hash, From: fmt.Sprintf("the bundle of sheet %s (%s)", man.SheetID, e.Action)})
	}
	return rep, nil
}

// Zip records zipFraming reads (APPNOTE.TXT 4.3).
const (
	zipLocalHeader   = "PK\x03\x04"
	zipDescriptor    = "PK\x07\x08"
	zipEnd           = "PK\x05\x06"
	zipLocalLen      = 30 // a local file header before its name and extra field
	zipEndLen        = 22 // the end of central directory record before its comment
	zipMaxCommentLen = 1<<16 - 1
)

// zipFraming returns what a bundle holds besides its zip: bytes before the
// first file, between files, between the last file and the central
// directory, or after the end of central directory record, a zip comment
// included. The zip reader skips such bytes, other programs do not: `cat
// photo.jpg bundle.zip` is a bundle to the reader and a photo to an image
// viewer, and a streaming unzipper reads files no directory lists. A bundle
// is exactly its files, its central directory and its end record, as
// archive/zip writes them; it never needs zip64 records (maxBundleBytes).
func zipFraming(r io.ReaderAt, size int64, files []*zip.File) []string {
	var head [4]byte
	if _, err := r.ReadAt(head[:], 0); err != nil || string(head[:]) != zipLocalHeader {
		return []string{"the bundle does not start with a zip file header: bytes come before the zip"}
	}
	// The end record: the last one in the file, as the zip reader finds it.
	tail := make([]byte, min(size, zipEndLen+zipMaxCommentLen))
	if _, err := r.ReadAt(tail, size-int64(len(tail))); err != nil {
		return []string{fmt.Sprintf("read the zip's end: %v", err)}
	}
	at := -1
	for i := len(tail) - zipEndLen; i >= 0; i-- {
		if string(tail[i:i+4]) == zipEnd && i+zipEndLen+int(binary.LittleEndian.Uint16(tail[i+20:])) <= len(tail) {
			at = i
			break
		}
	}
	if at < 0 {
		return []string{"no end of central directory record"}
	}
	end := tail[at : at+zipEndLen]
	endAt := size - int64(len(tail)) + int64(at)
	var problems []string
	if n := binary.LittleEndian.Uint16(end[20:]); n > 0 {
		problems = append(problems, fmt.Sprintf("the zip has a comment of %d bytes; a bundle has none", n))
	}
	if after := size - (endAt + zipEndLen + int64(binary.LittleEndian.Uint16(end[20:]))); after > 0 {
		problems = append(problems, fmt.Sprintf("%d bytes after the zip's end record", after))
	}
	records, dirSize, dirAt := binary.LittleEndian.Uint16(end[10:]), binary.LittleEndian.Uint32(end[12:]), binary.LittleEndian.Uint32(end[16:])
	if records == 0xFFFF || dirSize == 0xFFFFFFFF || dirAt == 0xFFFFFFFF {
		return append(problems, "the zip has zip64 records, which no bundle needs")
	}
	// The directory ends where the end record starts, and is where the end
	// record says: otherwise bytes come before the zip, which the zip reader
	// skips by shifting every offset.
	switch before := endAt - int64(dirSize) - int64(dirAt); {
	case before > 0:
		return append(problems, fmt.Sprintf("%d bytes before the zip (its directory is not where its end record says)", before))
	case before < 0:
		return append(problems, "the zip's end record puts its directory past itself")
	}
	// The files, from offset 0, one right after the other, up to the directory.
	sorted := make([]*zip.File, 0, len(files))
	offsets := map[*zip.File]int64{}
	for _, f := range files {
		off, err := f.DataOffset()
		if err != nil {
			return append(problems, fmt.Sprintf("%s: %v", f.Name, err))
		}
		offsets[f] = off
		sorted = append(sorted, f)
	}
	sort.Slice(sorted, func(i, j int) bool { return offsets[sorted[i]] < offsets[sorted[j]] })
	var pos int64
	for _, f := range sorted {
		var h [zipLocalLen]byte
		if _, err := r.ReadAt(h[:], pos); err != nil || string(h[:4]) != zipLocalHeader {
			return append(problems, fmt.Sprintf("no zip file header at offset %d, before %s: bytes between the files", pos, f.Name))
		}
		if want := pos + zipLocalLen + int64(binary.LittleEndian.Uint16(h[26:])) + int64(binary.LittleEndian.Uint16(h[28:])); offsets[f] != want {
			return append(problems, fmt.Sprintf("%s: its data is at offset %d, the file header at %d puts it at %d: bytes between the files", f.Name, offsets[f], pos, want))
		}
		pos = offsets[f] + int64(f.CompressedSize64)
		if f.Flags&0x8 != 0 {
			// A data descriptor: CRC-32 and both sizes, after an optional signature.
			var sig [4]byte
			if _, err := r.ReadAt(sig[:], pos); err != nil {
				return append(problems, fmt.Sprintf("%s: data descriptor: %v", f.Name, err))
			}
			pos += 12
			if string(sig[:]) == zipDescriptor {
				pos += 4
			}
		}
	}
	if pos != int64(dirAt) {
		problems = append(problems, fmt.Sprintf("%d bytes between the last file and the zip's directory", int64(dirAt)-pos))
	}
	return problems
}

// checkEntry recomputes one entry's chain hash.
func checkEntry(rep *BundleReport, b BundleEntry) {
	rep.Entries++
	e, err := b.entry()
	if err != nil {
		rep.Problems = append(rep.Problems, err.Error())
		return
	}
	if got := entryHash(e); got != e.Hash {
		rep.Problems = append(rep.Problems, fmt.Sprintf("custody entry %d: content hashes to %s, recorded %s", e.Seq, got, e.Hash))
	}
}
