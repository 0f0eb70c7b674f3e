package review

// codeWords are the Turkish and English words for the codes the records
// carry, as everyone who reads them sees them: on the pages, and in the
// summary a lawyer files with the district board.
var codeWords = map[string][2]string{
	// Verdicts and a sheet's status before one.
	string(Verified): {"doğrulandı", "verified"}, string(Flagged): {"işaretli", "flagged"},
	string(Unreadable): {"okunamadı", "unreadable"}, StatusQueued: {"sırada", "queued"}, StatusProcessing: {"okunuyor", "being read"},
	// Review states.
	ReviewNone: {"gerekmiyor", "not needed"}, ReviewOpen: {"bekliyor", "open"}, ReviewResolved: {"karara bağlandı", "resolved"},
	// Decisions.
	string(ConfirmTyped): {"girilen onaylandı", "typed confirmed"}, string(AcceptRead): {"okunan kabul edildi", "read accepted"},
	string(Correct): {"düzeltildi", "corrected"}, string(Object): {"itiraz", "objection"},
	// Field statuses, "pending" before the photo is read (SheetView).
	string(StatusMatch): {"uyuşuyor", "match"}, string(StatusMismatch): {"uyuşmuyor", "mismatch"}, string(StatusRead): {"yalnız okundu", "read only"},
	"pending": {"bekliyor", "pending"},
	// Custody actions.
	ActionUpload: {"yükleme", "upload"}, ActionOCRResult: {"okuma sonucu", "OCR result"}, ActionTypedEntry: {"veri girişi", "typed entry"},
	ActionDecision: {"inceleme kararı", "review decision"}, ActionExport: {"kanıt paketi", "evidence export"},
	ActionLegalHold: {"yasal tutma", "legal hold"}, ActionBoxChange: {"sandık değişikliği", "box change"},
	ActionOfficialImport: {"resmî sonuç aktarımı", "official import"},
	// Box states beside the verdicts they share.
	string(BoxAccepted): {"kabul", "accepted"}, string(BoxConflict): {"çelişkili", "conflict"}, string(BoxMissing): {"eksik", "missing"},
}

// CodeWords gives the Turkish and English words for a code of a verdict, a
// review state, a decision, a field status, a custody action or a box
// state; ok is false for a code without words.
func CodeWords(code string) (tr, en string, ok bool) {
	w, ok := codeWords[code]
	return w[0], w[1], ok
}
