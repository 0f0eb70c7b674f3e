package storage

import (
	"context"
	"fmt"
)

// DeleteToken removes a token (a session on logout); no error when absent.
func (tx *Tx) DeleteToken(ctx context.Context, id string) error {
	if _, err := tx.q.exec(ctx, `DELETE FROM tokens WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete token: %w", mapErr(err))
	}
	return nil
}
