package review_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
)

// TestDeadlines orders the review queue by the time left to object: a
// district board's own early deadline goes before an older sheet's window,
// and the evidence bundle records the deadline.
func TestDeadlines(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			board := time.Now().UTC().Add(2 * time.Hour).Truncate(time.Second)
			e.svc.SetDeadlines(review.DeadlinePolicy{AfterCount: 24 * time.Hour,
				Boards: map[review.Box]time.Time{{Il: "izmir", Ilce: "bornova"}: board}})
			obs := e.user(t, "gözlemci", review.Observer, "")
			lawyer := e.user(t, "avukat", review.Lawyer, "İzmir")
			wrong := withFigures(truth(), "aday_2", 40)
			older := e.sheetOf(t, obs, "Gaziemir", "1", truth(), wrong)
			newer := e.sheetOf(t, obs, "Bornova", "2", truth(), wrong)
			queue, err := e.svc.ReviewQueue(ctx, lawyer, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(queue) != 2 || queue[0].ID != newer.ID || queue[1].ID != older.ID {
				t.Fatalf("queue order: %+v", queue)
			}
			if !queue[0].Deadline.Equal(board) || !queue[1].Deadline.Equal(queue[1].CreatedAt.Add(24*time.Hour)) {
				t.Fatalf("deadlines %v, %v", queue[0].Deadline, queue[1].Deadline)
			}
			bundle, err := e.svc.Evidence(ctx, lawyer, newer.ID)
			if err != nil {
				t.Fatal(err)
			}
			zr, err := zip.NewReader(bytes.NewReader(bundle.Data), int64(len(bundle.Data)))
			if err != nil {
				t.Fatal(err)
			}
			rc, err := zr.Open("sheet.json")
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(rc)
			rc.Close()
			var sheet struct {
				Deadline time.Time `json:"objection_deadline"`
			}
			if err := json.Unmarshal(raw, &sheet); err != nil || !sheet.Deadline.Equal(board) {
				t.Fatalf("bundle deadline %v, %v; want %v", sheet.Deadline, err, board)
			}
		})
	}
}
