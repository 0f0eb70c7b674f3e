package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

// TestLoadgenSQLite runs serve on SQLite + disk and loadgen against it:
// every acknowledged upload is stored byte-exact, read once, and none is lost.
func TestLoadgenSQLite(t *testing.T) {
	flags := []string{"--data", t.TempDir()}
	token := runOK(t, append([]string{"users", "add", "--name", "yük", "--role", "observer"}, flags...))
	base, stop, serveLog := serveInProcess(t, flags)

	const n = 12
	var out, errb bytes.Buffer
	args := []string{"loadgen", "--server", base, "--token", token, "--n", fmt.Sprint(n),
		"--pool", "3", "--size", "1200x1600", "--concurrency", "4", "--rate", "50", "--drain", "3m"}
	code := run(context.Background(), args, &out, &errb)
	rep := parseLoadReport(t, out.String())
	if code != 0 {
		t.Fatalf("loadgen exited %d: %+v\n%s", code, rep, errb.String())
	}
	t.Logf("%s", strings.TrimSpace(out.String()))
	if rep.Acknowledged != n || rep.Lost != 0 || rep.Duplicates != 0 || rep.Processed != n || rep.Failed != 0 {
		t.Errorf("report %+v: want %d acknowledged and processed, none lost, duplicated or failed", rep, n)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, serveLog.String())
	}
}

// parseLoadReport checks stdout is exactly one JSON line and decodes it.
func parseLoadReport(t *testing.T, stdout string) loadReport {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("stdout has %d lines, want one JSON line:\n%s", len(lines), stdout)
	}
	var rep loadReport
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("stdout %q: %v", lines[0], err)
	}
	for _, key := range []string{"acknowledged", "lost", "duplicates", "processed", "uploads_per_s", "p50_ms", "p99_ms", "drain_s"} {
		if !strings.Contains(lines[0], `"`+key+`":`) {
			t.Errorf("report lacks %q: %s", key, lines[0])
		}
	}
	return rep
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		name   string
		server string
		ok     bool
	}{
		{"ipv4 loopback", "http://127.0.0.1:8080", true},
		{"other loopback address", "http://127.0.0.2:8080", true},
		{"ipv6 loopback", "http://[::1]:8080", true},
		{"localhost", "https://localhost", true},
		{"public address", "http://93.184.216.34:8080", false},
		{"host name", "https://tutanak.example.org", false},
		{"all interfaces", "http://0.0.0.0:8080", false},
		{"no scheme", "127.0.0.1:8080", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkLoopback(tt.server); (err == nil) != tt.ok {
				t.Errorf("checkLoopback(%q) = %v, want ok %v", tt.server, err, tt.ok)
			}
		})
	}
}

// TestDistinctBytes checks every upload of a pool sheet is a different
// original with the same picture.
func TestDistinctBytes(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.SetGray(3, 4, color.Gray{Y: 7})
	var jb, pb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&pb, img); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		photo loadPhoto
	}{
		{"jpeg", loadPhoto{data: jb.Bytes()}},
		{"png", loadPhoto{data: pb.Bytes(), png: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, _, err := image.Decode(bytes.NewReader(tt.photo.data))
			if err != nil {
				t.Fatal(err)
			}
			seen := map[[32]byte]bool{sha256.Sum256(tt.photo.data): true}
			for i := range 3 {
				b := distinctBytes(tt.photo, i)
				sum := sha256.Sum256(b)
				if seen[sum] {
					t.Fatalf("upload %d repeats an earlier original", i)
				}
				seen[sum] = true
				got, _, err := image.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("upload %d does not decode: %v", i, err)
				}
				if !bytes.Equal(pixels(got), pixels(want)) {
					t.Fatalf("upload %d changed the picture", i)
				}
			}
		})
	}
}

func pixels(img image.Image) []byte {
	var out []byte
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out = append(out, byte(r>>8), byte(g>>8), byte(bl>>8))
		}
	}
	return out
}
