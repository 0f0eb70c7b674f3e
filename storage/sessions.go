package storage

import (
	"context"
	"fmt"
	"time"
)

// DeleteToken removes a token (a session on logout); no error when absent.
func (tx *Tx) DeleteToken(ctx context.Context, id string) error {
	if _, err := tx.q.exec(ctx, `DELETE FROM tokens WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete token: %w", mapErr(err))
	}
	return nil
}

// DeleteTokensBefore deletes the tokens whose id starts with prefix and
// which were created before cutoff, and returns how many.
func (tx *Tx) DeleteTokensBefore(ctx context.Context, prefix string, cutoff time.Time) (int64, error) {
	n, err := tx.q.exec(ctx, `DELETE FROM tokens WHERE id LIKE ? AND created_at < ?`, prefix+"%", cutoff)
	if err != nil {
		return 0, fmt.Errorf("delete old tokens: %w", mapErr(err))
	}
	return n, nil
}
