package review_test

import (
	"context"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
)

// TestReviewQueueSortsBeforeLimit: the most urgent sheets come first
// across every waiting sheet, not only across the oldest uploads. A
// district board's early deadline on the newest upload must survive a
// limit smaller than the queue (the "limit-then-sort" defect cut it).
func TestReviewQueueSortsBeforeLimit(t *testing.T) {
	ctx := context.Background()
	e := setup(t, backends()[0], 0)
	board := time.Now().UTC().Add(2 * time.Hour).Truncate(time.Second)
	e.svc.SetDeadlines(review.DeadlinePolicy{AfterCount: 24 * time.Hour,
		Boards: map[review.Box]time.Time{{Il: "izmir", Ilce: "bornova"}: board}})
	obs := e.user(t, "gözlemci", review.Observer, "")
	lawyer := e.user(t, "avukat", review.Lawyer, "İzmir")
	ankara := e.user(t, "avukat-ankara", review.Lawyer, "Ankara")
	wrong := withFigures(truth(), "aday_2", 40)
	oldest := e.sheetOf(t, obs, "Gaziemir", "1", truth(), wrong)
	older := e.sheetOf(t, obs, "Gaziemir", "2", truth(), wrong)
	newest := e.sheetOf(t, obs, "Bornova", "3", truth(), wrong)

	cases := []struct {
		name  string
		user  review.User
		limit int
		want  []string
	}{
		{"limit one keeps the board's deadline", lawyer, 1, []string{newest.ID}},
		{"limit two", lawyer, 2, []string{newest.ID, oldest.ID}},
		{"no limit", lawyer, 0, []string{newest.ID, oldest.ID, older.ID}},
		{"limit above the queue", lawyer, 10, []string{newest.ID, oldest.ID, older.ID}},
		{"another province sees none", ankara, 1, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			queue, err := e.svc.ReviewQueue(ctx, c.user, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, v := range queue {
				got = append(got, v.ID)
			}
			if len(got) != len(c.want) {
				t.Fatalf("queue %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("queue %v, want %v", got, c.want)
				}
			}
			if len(queue) > 0 && (queue[0].Deadline == nil || !queue[0].Deadline.Equal(board)) {
				t.Fatalf("first deadline %v, want %v", queue[0].Deadline, board)
			}
		})
	}
}
