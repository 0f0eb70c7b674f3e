package review

import (
	"strings"
	"testing"

	"github.com/tutanak/tutanak/storage"
)

// TestSheetLedgerOlderEntries: what entries written by earlier versions, or
// in rarer orders, record of a sheet is compared for what it pins down and
// no more, so that a database used as intended reports no break.
func TestSheetLedgerOlderEntries(t *testing.T) {
	reading := []byte(`{"form_id":"cb-2023"}`)
	box := `{"il":"İZMİR","ilce":"GAZİEMİR","sandik_no":"20"}`
	upload := storage.CustodyEntry{Action: ActionUpload, SheetID: "sh_1", SubjectHash: "aa", Detail: `{"form":"cb-2023","size":3,"box":` + box + `}`}
	read := storage.CustodyEntry{Action: ActionOCRResult, SheetID: "sh_1", SubjectHash: hashBytes(reading), Detail: `{"verdict":"flagged","original_sha256":"aa"}`}
	sheet := storage.SheetRecord{ID: "sh_1", SHA256: "aa", Size: 3, Form: "cb-2023", Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "20"}
	tests := []struct {
		name    string
		entries []storage.CustodyEntry
		status  string
		reading []byte
		typed   []byte
		want    string // "" for no break
	}{
		{"read", []storage.CustodyEntry{upload, read}, "flagged", reading, nil, ""},
		{"box retyped before each sheet got its own entry", []storage.CustodyEntry{upload, read,
			{Action: ActionTypedEntry, SubjectHash: "bb", Detail: `{"form":"cb-2023","box":` + box + `,"counts":{},"sheets":["sh_1"]}`}},
			"verified", reading, nil, ""},
		{"box retyped with the sheet's own entry", []storage.CustodyEntry{upload, read,
			{Action: ActionTypedEntry, SheetID: "sh_1", SubjectHash: "bb", Detail: `{"form":"cb-2023","box":` + box + `,"counts":{},"verdict":"verified"}`},
			{Action: ActionTypedEntry, SubjectHash: "bb", Detail: `{"form":"cb-2023","box":` + box + `,"counts":{},"sheets":["sh_1"]}`}},
			"flagged", reading, nil, `status "flagged", entry 3 recorded the verdict "verified"`},
		{"recorded unreadable after its reading", []storage.CustodyEntry{upload, read,
			{Action: ActionOCRResult, SheetID: "sh_1", SubjectHash: emptySum, Detail: `{"verdict":"unreadable","original_sha256":"aa"}`}},
			"unreadable", reading, nil, ""},
		{"sent again after its original went missing", []storage.CustodyEntry{upload,
			{Action: ActionOCRResult, SheetID: "sh_1", SubjectHash: emptySum, Detail: `{"verdict":"unreadable","reason":"original_missing"}`},
			{Action: ActionUpload, SheetID: "sh_1", SubjectHash: "aa", Detail: `{"form":"cb-2023","size":3,"again":"original_missing"}`}},
			"queued", nil, nil, ""},
		{"typed for before it was read", []storage.CustodyEntry{upload,
			{Action: ActionTypedEntry, SheetID: "sh_1", SubjectHash: hashBytes([]byte(`{"aday_1":1}`)), Detail: `{"counts":{"aday_1":1},"verdict":"queued"}`}},
			"processing", nil, []byte(`{"aday_1":1}`), ""},
		{"read after figures typed for it, then its status edited", []storage.CustodyEntry{upload,
			{Action: ActionTypedEntry, SheetID: "sh_1", SubjectHash: hashBytes([]byte(`{"aday_1":1}`)), Detail: `{"counts":{"aday_1":1},"verdict":"queued"}`},
			read}, "verified", reading, []byte(`{"aday_1":1}`), `status "verified", entry 3 recorded the verdict "flagged"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newSheetLedger()
			for i, e := range tt.entries {
				e.Seq = int64(i + 1)
				if b := l.add(e); len(b) > 0 {
					t.Fatalf("entry %d: %v", e.Seq, b)
				}
			}
			sh := sheet
			sh.Status = tt.status
			if tt.reading != nil {
				sh.ReadingSHA256 = hashBytes(tt.reading)
			}
			if tt.typed != nil {
				sh.TypedSHA256 = hashBytes(tt.typed)
			}
			got := strings.Join(l.sheetBreaks(sh), "\n")
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("breaks %q, want %q", got, tt.want)
			}
		})
	}
}
