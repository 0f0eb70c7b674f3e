package web_test

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// BenchmarkUpload measures acknowledged uploads per second through the HTTP
// API on each stack, 16 observers at once: the 12-megapixel photo streamed
// to the store under its SHA-256 with retention, the record, custody entries
// and OCR job committed. Its workers read with the stand-in decodingReader
// so that reading does not compete with the uploads measured; reading has
// its own benchmark (ocr BenchmarkReadStages).
//
//	go test ./web -run '^$' -bench Upload -benchtime 200x
func BenchmarkUpload(b *testing.B) {
	photo := photosOfSize(b, 1, [2]int{3000, 4000}, 12)[0] // 12 megapixels, 3.6 MB
	for _, st := range stacks() {
		b.Run(st.Name, func(b *testing.B) {
			a := setup(b, st, web.Config{})
			observer := a.token(b, "gözlemci", review.Observer, "İZMİR")
			var seq atomic.Int64
			b.SetBytes(int64(len(photo)))
			b.SetParallelism(8) // 16 observers on 2 cores
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := seq.Add(1)
					parts := []part{
						{name: "form", data: []byte("cb-2023")},
						{name: "il", data: []byte("İzmir")},
						{name: "ilce", data: []byte("Gaziemir")},
						{name: "sandik_no", data: []byte(fmt.Sprint(n))},
						{name: "image", filename: "sheet.jpg", data: withComment(photo, n)},
					}
					if resp := a.upload(b, observer, parts, nil); resp.StatusCode != http.StatusCreated {
						b.Errorf("upload %d: %d", n, resp.StatusCode)
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "uploads/s")
		})
	}
}

// withComment returns the JPEG with a comment segment naming upload n after
// its start marker: the same pixels, a new original with its own SHA-256.
func withComment(jpeg []byte, n int64) []byte {
	text := []byte(fmt.Sprintf("upload %d", n))
	seg := make([]byte, 4, 4+len(text))
	seg[0], seg[1] = 0xFF, 0xFE
	binary.BigEndian.PutUint16(seg[2:], uint16(2+len(text)))
	seg = append(seg, text...)
	out := make([]byte, 0, len(jpeg)+len(seg))
	out = append(out, jpeg[:2]...)
	out = append(out, seg...)
	return append(out, jpeg[2:]...)
}
