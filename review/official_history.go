package review

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/tutanak/tutanak/storage"
)

// OfficialImportEntry is one past import of official results, as the
// legal team's history shows it.
type OfficialImportEntry struct {
	ID      int64  `json:"id"`
	Form    string `json:"form"`
	Source  string `json:"source"`
	SHA256  string `json:"sha256"`
	Boxes   int    `json:"boxes"`
	Partial bool   `json:"partial"`
	// Actor is who imported, as the custody log names them.
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
}

// OfficialImports lists every official import of form, the newest first.
// Imports are never erased, so this is the whole history; only those who
// may import (the legal team and admins) see it, and a user of one
// province only the imports with boxes of that province.
func (s *Service) OfficialImports(ctx context.Context, u User, form string) ([]OfficialImportEntry, error) {
	if !u.can(Legal, Admin) {
		return nil, ErrForbidden
	}
	f, err := s.form(cmp.Or(form, DefaultForm))
	if err != nil {
		return nil, err
	}
	var list []storage.OfficialImport
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		list, err = tx.OfficialImports(ctx, f.ID, u.Province)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]OfficialImportEntry, 0, len(list))
	for _, im := range slices.Backward(list) {
		out = append(out, OfficialImportEntry{ID: im.ID, Form: im.Form, Source: im.Source, SHA256: im.SHA256,
			Boxes: im.Boxes, Partial: im.Partial, Actor: im.Actor, At: im.At.UTC()})
	}
	return out, nil
}
