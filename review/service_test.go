package review_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/ocrtest"
	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/storage/storagetest"
)

// fakeReader reads every photo as the same figures and header; failures
// makes its first calls fail as a crashed or faulty reader would.
type fakeReader struct {
	mu       sync.Mutex
	values   map[string]int
	printed  map[string]string
	failures int32
	calls    atomic.Int32
}

func (f *fakeReader) Read(ctx context.Context, form *ocr.Form, img []byte) (*ocr.Reading, error) {
	n := f.calls.Add(1)
	if n <= f.failures {
		return nil, errors.New("reader fault")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	rd := &ocr.Reading{FormID: form.ID, PageFound: true, Quality: ocr.Quality{OK: true, Problems: []ocr.Problem{}},
		Printed: map[string]string{}, Fields: map[string]ocr.FieldReading{}}
	for k, v := range f.printed {
		rd.Printed[k] = v
	}
	for id, v := range f.values {
		v := v
		rd.Fields[id] = ocr.FieldReading{Value: &v, Confidence: 0.99, Number: ocrtest.SureNumber(v)}
	}
	return rd, nil
}

// photoFigures are what fakeReader reads by default: a whole sheet whose
// rules hold, with aday_1 84 and aday_2 3, the figures most tests type.
func photoFigures() map[string]int {
	return map[string]int{
		"kayitli_secmen": 329, "oy_kullanan_kayitli": 260, "kanun_geregi": 0, "oy_kullanan_toplam": 260,
		"sandiktan_cikan_zarf": 260, "itirazsiz_gecerli": 249, "itirazli_gecerli": 3, "gecerli_oy": 252,
		"gecersiz_oy": 8, "aday_1": 84, "aday_2": 3, "aday_3": 154, "aday_4": 11,
	}
}

type env struct {
	svc    *review.Service
	db     *storage.DB
	store  storage.ObjectStore
	reader *fakeReader
	dir    string
}

// backend is a database and store pair the service runs on.
type backend = storagetest.Backend

// backends are every pair the service is built for.
func backends() []backend { return storagetest.Backends() }

func setup(t *testing.T, b backend, failures int32) env {
	t.Helper()
	e := open(t, b, failures)
	e.startWorkers(t)
	return e
}

// testKey signs the test services' bundles; a fixed seed keeps the
// checked-in bundle's signature the same on every run.
var testKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

// open builds the service without workers.
func open(t testing.TB, b backend, failures int32) env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, store := b.Open(t, log)
	t.Cleanup(func() { db.Close() })
	svc := review.NewService(db, store, log)
	svc.SetSigningKey(testKey)
	reader := &fakeReader{values: photoFigures(), printed: map[string]string{
		"il": "İzmir", "ilce": "Gaziemir", "sandik_no": "1631"}, failures: failures}
	return env{svc: svc, db: db, store: store, reader: reader, dir: t.TempDir()}
}

func (e env) startWorkers(t *testing.T) {
	t.Helper()
	workers := river.NewWorkers()
	review.NewOCRWorker(e.svc, e.reader).Register(workers)
	q, err := e.db.StartWorkers(context.Background(), workers, storage.QueueConfig{PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
}

func (e env) user(t *testing.T, name string, role review.Role, province string) review.User {
	t.Helper()
	u, token, err := e.svc.CreateUser(context.Background(), review.NewUser{Name: name, Role: role, Province: province})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Authenticate(context.Background(), token)
	if err != nil || got != u {
		t.Fatalf("authenticate %s: %+v, %v", name, got, err)
	}
	return u
}

// photo spools bytes as the web layer would.
func (e env) photo(t *testing.T, data []byte) review.Photo {
	t.Helper()
	sum := sha256.Sum256(data)
	f, err := os.CreateTemp(e.dir, "photo-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	return review.Photo{Path: f.Name(), SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), ContentType: "image/png"}
}

func waitVerdict(t *testing.T, svc *review.Service, u review.User, id string) review.SheetView {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		v, err := svc.Sheet(context.Background(), u, id)
		if err != nil {
			t.Fatal(err)
		}
		switch v.Status {
		case "verified", "flagged", "unreadable":
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("sheet %s still %s", id, v.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestService(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Run("UploadReadVerdictIdempotent", func(t *testing.T) {
				e := setup(t, b, 0)
				obs := e.user(t, "gözlemci", review.Observer, "")
				data := []byte("photo one")
				res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, data), Form: "cb-2023",
					Typed: map[string]int{"aday_1": 84, "aday_2": 4}})
				if err != nil {
					t.Fatal(err)
				}
				if !res.Created || res.Status != "queued" {
					t.Fatalf("upload = %+v", res)
				}
				v := waitVerdict(t, e.svc, obs, res.ID)
				if v.Box.Il != "İZMİR" || v.Box.SandikNo != "1631" {
					t.Errorf("box from printed header = %+v", v.Box)
				}
				if f := v.Fields["aday_1"]; f.Status != "match" || *f.Read != 84 {
					t.Errorf("aday_1 = %+v", f)
				}
				if f := v.Fields["aday_2"]; f.Status != "mismatch" || *f.Typed != 4 || *f.Read != 3 {
					t.Errorf("aday_2 = %+v", f)
				}
				again, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, data), Form: "cb-2023"})
				if err != nil {
					t.Fatal(err)
				}
				if again.Created || again.ID != res.ID {
					t.Fatalf("re-upload = %+v, want the same sheet %s", again, res.ID)
				}
				if n := e.reader.calls.Load(); n != 1 {
					t.Errorf("reader called %d times for one photo", n)
				}
				rc, info, err := e.svc.Original(ctx, obs, res.ID)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(rc)
				rc.Close()
				if string(got) != string(data) || info.SHA256 != res.SHA256 {
					t.Errorf("original = %q", got)
				}
				actions := []string{}
				for _, h := range v.History {
					actions = append(actions, h.Action)
				}
				if strings.Join(actions, ",") != "upload,typed_entry,ocr_result" {
					t.Fatalf("history = %v", actions)
				}
				// The verdict names the figures it compared by the subject of
				// the entry that recorded them.
				var result struct {
					TypedSHA256 string `json:"typed_sha256"`
				}
				if err := json.Unmarshal(v.History[2].Detail, &result); err != nil || result.TypedSHA256 != v.History[1].SubjectHash {
					t.Errorf("ocr_result names typed figures %q, the typed entry's subject is %q (%v)", result.TypedSHA256, v.History[1].SubjectHash, err)
				}
			})
			t.Run("SamePhotoRefusedWhereItCannotApply", func(t *testing.T) {
				e := setup(t, b, 0)
				first := e.user(t, "gözlemci-1", review.Observer, "")
				second := e.user(t, "gözlemci-2", review.Observer, "")
				box := review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "1631"}
				data := []byte("a photo forwarded to another observer")
				res, err := e.svc.Upload(ctx, first, review.Upload{Photo: e.photo(t, data), Form: "cb-2023", Box: box})
				if err != nil {
					t.Fatal(err)
				}
				before := waitVerdict(t, e.svc, first, res.ID)
				cases := []struct {
					name string
					u    review.User
					in   review.Upload
					code string
				}{
					{"a retry after a lost answer", first, review.Upload{Box: box}, ""},
					{"a retry without the box", first, review.Upload{}, ""},
					{"another box", first, review.Upload{Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "1632"}}, "box_differs"},
					{"part of a box", first, review.Upload{Box: review.Box{Il: "İzmir", Ilce: "Gaziemir"}}, "partial_box"},
					{"a box number not digits", first, review.Upload{Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "=1+2"}}, "bad_box"},
					{"another account", second, review.Upload{Box: review.Box{Il: "İzmir", Ilce: "Karşıyaka", SandikNo: "7"},
						Typed: map[string]int{"aday_1": 1}}, "already_received"},
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						c.in.Photo, c.in.Form = e.photo(t, data), "cb-2023"
						got, err := e.svc.Upload(ctx, c.u, c.in)
						var ce *review.ConflictError
						var ie *review.InputError
						switch {
						case c.code == "" && (err != nil || got.ID != res.ID):
							t.Fatalf("upload = %+v, %v; want sheet %s", got, err, res.ID)
						case (c.code == "partial_box" || c.code == "bad_box") && (!errors.As(err, &ie) || ie.Code != c.code):
							t.Fatalf("upload = %+v, %v; want refused as %s", got, err, c.code)
						case c.code != "" && c.code != "partial_box" && c.code != "bad_box" && (!errors.As(err, &ce) || ce.Code != c.code || ce.TR == "" || ce.EN == ""):
							t.Fatalf("upload = %+v, %v; want a conflict %s", got, err, c.code)
						}
					})
				}
				after, err := e.svc.Sheet(ctx, first, res.ID)
				if err != nil {
					t.Fatal(err)
				}
				if after.Box != before.Box || after.Status != before.Status || len(after.History) != len(before.History) {
					t.Fatalf("the sheet changed: %+v, then %+v", before, after)
				}
			})
			t.Run("MisreadProvinceIsNoBox", func(t *testing.T) {
				e := setup(t, b, 0)
				e.reader.mu.Lock()
				e.reader.printed = map[string]string{"il": "ADAN LİA", "ilce": "SARIÇAM", "sandik_no": "3119"}
				e.reader.mu.Unlock()
				obs := e.user(t, "gözlemci", review.Observer, "")
				res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte("blurred header")), Form: "cb-2023",
					Typed: map[string]int{"aday_1": 84, "aday_2": 3}})
				if err != nil {
					t.Fatal(err)
				}
				v := waitVerdict(t, e.svc, obs, res.ID)
				// A district is known only as one of its province's.
				if want := (review.Box{SandikNo: "3119"}); v.Box != want {
					t.Errorf("box = %+v, want %+v: a province the reader could not snap is no province", v.Box, want)
				}
				admin := e.user(t, "yönetici", review.Admin, "")
				r, err := e.svc.Results(ctx, admin, review.ResultsQuery{Level: review.LevelIl})
				if err != nil {
					t.Fatal(err)
				}
				if len(r.Rows) != 0 || r.Total.Figures["aday_1"] != 0 {
					t.Errorf("results = %+v, want nothing counted under a misread box", r)
				}
			})
			t.Run("FiledUnderAnotherBox", func(t *testing.T) {
				// The photo's header says box 1631 (fakeReader); one observer files
				// it under 1632, the box next to it at the school, another right.
				e := setup(t, b, 0)
				obs := e.user(t, "gözlemci", review.Observer, "")
				legal := e.user(t, "hukuk", review.Legal, "")
				typed := map[string]int{"aday_1": 84, "aday_2": 3}
				upload := func(data, sandik string) review.SheetView {
					res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte(data)), Form: "cb-2023",
						Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: sandik}, Typed: typed})
					if err != nil {
						t.Fatal(err)
					}
					return waitVerdict(t, e.svc, obs, res.ID)
				}
				wrong, right := upload("photo filed wrongly", "1632"), upload("photo filed rightly", "1631")
				if !slices.Equal(wrong.HeaderDiffers, []string{"sandik_no"}) || right.HeaderDiffers != nil {
					t.Fatalf("header differs: wrongly filed %q, rightly filed %q", wrong.HeaderDiffers, right.HeaderDiffers)
				}
				// Both boxes' official aday_1 differ from the typed 84: the
				// discrepancy of 1632 names the sheet whose header says 1631.
				csv := "il,ilce,sandik_no,aday_1,aday_2\nİzmir,Gaziemir,1631,80,3\nİzmir,Gaziemir,1632,80,3\n"
				if _, err := e.svc.ImportOfficial(ctx, legal, review.OfficialImport{Source: "ysk.csv", CSV: strings.NewReader(csv)}); err != nil {
					t.Fatal(err)
				}
				d, err := e.svc.Discrepancies(ctx, legal, "")
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]map[string][]string{}
				for _, x := range d.Discrepancies {
					got[x.SandikNo] = x.HeaderDiffers
				}
				want := map[string]map[string][]string{"1631": nil, "1632": {wrong.ID: {"sandik_no"}}}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("discrepancies' header differences = %v, want %v", got, want)
				}
			})
			t.Run("FiledAgainUnderTheHeadersBox", func(t *testing.T) {
				e := setup(t, b, 0)
				obs := e.user(t, "gözlemci", review.Observer, "")
				entry := e.user(t, "veri", review.Entry, "")
				izmir := e.user(t, "avukat-izmir", review.Lawyer, "İzmir")
				ankara := e.user(t, "avukat-ankara", review.Lawyer, "Ankara")
				// Figures typed for box 1631, whose photo is filed under 1632.
				if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023",
					Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "1631"}, Counts: map[string]int{"aday_1": 84, "aday_2": 4}}); err != nil {
					t.Fatal(err)
				}
				res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte("photo of 1631")), Form: "cb-2023",
					Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "1632"}})
				if err != nil {
					t.Fatal(err)
				}
				if v := waitVerdict(t, e.svc, obs, res.ID); v.Status != "verified" || !slices.Equal(v.HeaderDiffers, []string{"sandik_no"}) {
					t.Fatalf("filed under 1632: %s, header differs %q", v.Status, v.HeaderDiffers)
				}
				refusals := []struct {
					name string
					u    review.User
					in   review.BoxChange
					err  error
					code string
				}{
					{"observer", obs, review.BoxChange{Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "1631"}, Note: "x"}, review.ErrForbidden, ""},
					{"another province's lawyer", ankara, review.BoxChange{Box: review.Box{Il: "Ankara", Ilce: "Çankaya", SandikNo: "1"}, Note: "x"}, review.ErrNotFound, ""},
					{"into another province", izmir, review.BoxChange{Box: review.Box{Il: "Ankara", Ilce: "Çankaya", SandikNo: "1"}, Note: "x"}, review.ErrForbidden, ""},
					{"no note", izmir, review.BoxChange{Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "1631"}, Note: " "}, nil, "no_note"},
					{"no district", izmir, review.BoxChange{Box: review.Box{Il: "İzmir", SandikNo: "1631"}, Note: "x"}, nil, "bad_box"},
					{"no such province", izmir, review.BoxChange{Box: review.Box{Il: "Adan Lia", Ilce: "Gaziemir", SandikNo: "1631"}, Note: "x"}, nil, "bad_box"},
					{"no such district", izmir, review.BoxChange{Box: review.Box{Il: "İzmir", Ilce: "Gaziemr", SandikNo: "1631"}, Note: "x"}, nil, "bad_box"},
					{"district of another province", izmir, review.BoxChange{Box: review.Box{Il: "İzmir", Ilce: "Seyhan", SandikNo: "1631"}, Note: "x"}, nil, "bad_box"},
					{"box number not digits", izmir, review.BoxChange{Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "1631a"}, Note: "x"}, nil, "bad_box"},
					{"the same box", izmir, review.BoxChange{Box: review.Box{Il: "izmir", Ilce: "gaziemir", SandikNo: "1632"}, Note: "x"}, nil, "same_box"},
				}
				for _, r := range refusals {
					_, err := e.svc.SetBox(ctx, r.u, res.ID, r.in)
					var ie *review.InputError
					if (r.err != nil && !errors.Is(err, r.err)) || (r.code != "" && (!errors.As(err, &ie) || ie.Code != r.code)) {
						t.Errorf("%s: err = %v, want %v %s", r.name, err, r.err, r.code)
					}
				}
				v, err := e.svc.SetBox(ctx, izmir, res.ID, review.BoxChange{Box: review.Box{Il: "izmir", Ilce: "gaziemir", SandikNo: "1631"},
					Note: "fotoğraftaki başlık 1631"})
				if err != nil {
					t.Fatal(err)
				}
				// Under 1631 the figures typed for that box apply: aday_2 was
				// typed 4 and reads 3.
				if v.Box != (review.Box{Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1631"}) || v.HeaderDiffers != nil || v.Status != "flagged" {
					t.Fatalf("after the box change: box %+v, header differs %q, status %s", v.Box, v.HeaderDiffers, v.Status)
				}
				last := v.History[len(v.History)-1]
				if last.Action != review.ActionBoxChange || last.Actor != "avukat-izmir" || !strings.Contains(string(last.Detail), "fotoğraftaki başlık 1631") {
					t.Errorf("custody entry = %+v", last)
				}
				if rep, err := e.svc.VerifyCustody(ctx); err != nil || !rep.OK() {
					t.Fatalf("custody: %+v, %v", rep, err)
				}
			})
			t.Run("TypedBeforeAndAfterPhoto", func(t *testing.T) {
				e := setup(t, b, 0)
				entry := e.user(t, "veri", review.Entry, "İzmir")
				obs := e.user(t, "gözlemci", review.Observer, "")
				box := review.Box{Il: "izmir", Ilce: "Gaziemir", SandikNo: "1631"}
				if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023", Box: box,
					Counts: map[string]int{"aday_1": 80, "aday_2": 3}}); err != nil {
					t.Fatal(err)
				}
				res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte("photo two")), Form: "cb-2023", Box: box})
				if err != nil {
					t.Fatal(err)
				}
				v := waitVerdict(t, e.svc, obs, res.ID)
				if f := v.Fields["aday_1"]; f.Status != "mismatch" || *f.Typed != 80 {
					t.Fatalf("before: aday_1 = %+v", f)
				}
				ids, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023", Box: box,
					Counts: map[string]int{"aday_1": 84, "aday_2": 3}})
				if err != nil || len(ids) != 1 || ids[0] != res.ID {
					t.Fatalf("box typed recomputed %v, %v", ids, err)
				}
				v, _ = e.svc.Sheet(ctx, obs, res.ID)
				if f := v.Fields["aday_1"]; f.Status != "match" {
					t.Fatalf("after box typed: aday_1 = %+v", f)
				}
				v, err = e.svc.SetTyped(ctx, obs, res.ID, map[string]int{"aday_1": 1})
				if err != nil {
					t.Fatal(err)
				}
				if f := v.Fields["aday_1"]; f.Status != "mismatch" || *f.Typed != 1 {
					t.Fatalf("after sheet typed: aday_1 = %+v", f)
				}
				_, err = e.svc.SetTyped(ctx, obs, res.ID, map[string]int{"nope": 1})
				var ie *review.InputError
				if !errors.As(err, &ie) || ie.Code != "unknown_field" {
					t.Fatalf("unknown field: %v", err)
				}
			})
			t.Run("Scope", func(t *testing.T) {
				e := setup(t, b, 0)
				obs1 := e.user(t, "obs1", review.Observer, "")
				obs2 := e.user(t, "obs2", review.Observer, "")
				izmir := e.user(t, "avukat-izmir", review.Lawyer, "İzmir")
				ankara := e.user(t, "avukat-ankara", review.Lawyer, "Ankara")
				admin := e.user(t, "admin", review.Admin, "")
				res, err := e.svc.Upload(ctx, obs1, review.Upload{Photo: e.photo(t, []byte("izmir photo")), Form: "cb-2023",
					Box: review.Box{Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1"}})
				if err != nil {
					t.Fatal(err)
				}
				cases := []struct {
					name string
					u    review.User
					sees bool
				}{
					{"uploader", obs1, true},
					{"other observer", obs2, false},
					{"lawyer of the province", izmir, true},
					{"lawyer of another province", ankara, false},
					{"admin", admin, true},
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						_, err := e.svc.Sheet(ctx, c.u, res.ID)
						if c.sees != (err == nil) {
							t.Fatalf("sees=%v, err=%v", c.sees, err)
						}
						if !c.sees && !errors.Is(err, review.ErrNotFound) {
							t.Fatalf("err = %v, want ErrNotFound", err)
						}
						list, err := e.svc.Sheets(ctx, c.u, review.SheetQuery{})
						if err != nil || (len(list) == 1) != c.sees {
							t.Fatalf("list = %d sheets, %v", len(list), err)
						}
						if _, _, err := e.svc.Original(ctx, c.u, res.ID); (err == nil) != c.sees {
							t.Fatalf("original: %v", err)
						}
					})
				}
				if _, err := e.svc.Upload(ctx, izmir, review.Upload{Photo: e.photo(t, []byte("x")), Form: "cb-2023"}); !errors.Is(err, review.ErrForbidden) {
					t.Errorf("lawyer upload: %v, want ErrForbidden", err)
				}
				if _, err := e.svc.SetLegalHold(ctx, izmir, res.ID, true); !errors.Is(err, review.ErrForbidden) {
					t.Errorf("lawyer legal hold: %v, want ErrForbidden", err)
				}
				entryAnkara := e.user(t, "veri-ankara", review.Entry, "Ankara")
				if _, err := e.svc.SetBoxTyped(ctx, entryAnkara, review.BoxTyped{Form: "cb-2023",
					Box: review.Box{Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1"}, Counts: map[string]int{}}); !errors.Is(err, review.ErrForbidden) {
					t.Errorf("typed for another province: %v, want ErrForbidden", err)
				}
			})
			t.Run("PlacesTypedWithoutMarks", func(t *testing.T) {
				e := setup(t, b, 0)
				obs := e.user(t, "gözlemci", review.Observer, "")
				izmir := e.user(t, "avukat-izmir", review.Lawyer, "Izmir")
				if izmir.Province != "İZMİR" {
					t.Errorf("lawyer's province = %q, want İZMİR", izmir.Province)
				}
				if _, _, err := e.svc.CreateUser(ctx, review.NewUser{Name: "avukat-x", Role: review.Lawyer, Province: "Izmr"}); err == nil {
					t.Error("a user of a province that does not exist was created")
				}
				if _, _, err := e.svc.CreateUser(ctx, review.NewUser{Name: "yönetici-izmir", Role: review.Admin, Province: "İzmir"}); err == nil {
					t.Error("an admin bound to a province was created, though admins see every province's sheets")
				}
				// A phone keyboard without Turkish letters: the sheet is filed
				// under the box the authority prints, so that its province's
				// lawyer sees it and the official result is compared with it.
				res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte("typed without marks")), Form: "cb-2023",
					Box: review.Box{Il: "Izmir", Ilce: "Karsiyaka", SandikNo: "12"}})
				if err != nil {
					t.Fatal(err)
				}
				v, err := e.svc.Sheet(ctx, izmir, res.ID)
				if err != nil || v.Box != (review.Box{Il: "İZMİR", Ilce: "KARŞIYAKA", SandikNo: "12"}) {
					t.Fatalf("sheet as the İzmir lawyer sees it: %+v, %v", v.Box, err)
				}
				list, err := e.svc.Sheets(ctx, izmir, review.SheetQuery{Box: review.Box{Il: "izmir", Ilce: "karşıyaka"}})
				if err != nil || len(list) != 1 {
					t.Fatalf("search by the box typed otherwise: %d sheets, %v", len(list), err)
				}
				// A name that is no place stays as typed: nothing guesses.
				res, err = e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte("misspelt")), Form: "cb-2023",
					Box: review.Box{Il: "İzmir", Ilce: "Karsiyka", SandikNo: "12"}})
				if err != nil {
					t.Fatal(err)
				}
				if v, err := e.svc.Sheet(ctx, izmir, res.ID); err != nil || v.Box.Ilce != "KARSİYKA" {
					t.Fatalf("misspelt district: %+v, %v", v.Box, err)
				}
			})
			t.Run("LegalHoldAndCustody", func(t *testing.T) {
				e := setup(t, b, 0)
				obs := e.user(t, "obs", review.Observer, "")
				legal := e.user(t, "hukuk", review.Legal, "")
				res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte("held photo")), Form: "cb-2023"})
				if err != nil {
					t.Fatal(err)
				}
				waitVerdict(t, e.svc, obs, res.ID)
				v, err := e.svc.SetLegalHold(ctx, legal, res.ID, true)
				if err != nil || !v.LegalHold {
					t.Fatalf("legal hold: %+v, %v", v.LegalHold, err)
				}
				info, err := e.store.StatOriginal(ctx, res.SHA256)
				if err != nil || !info.LegalHold {
					t.Fatalf("store legal hold: %+v, %v", info, err)
				}
				rep, err := e.svc.VerifyCustody(ctx)
				if err != nil || !rep.OK() || rep.Entries != 3 {
					t.Fatalf("custody: %+v, %v", rep, err)
				}
				tamper(t, e.db)
				rep, err = e.svc.VerifyCustody(ctx)
				if err != nil || rep.OK() {
					t.Fatalf("custody after tampering: %+v, %v", rep, err)
				}
			})
			t.Run("ConcurrentUploadsKeepTheChain", func(t *testing.T) {
				e := setup(t, b, 0)
				obs := e.user(t, "obs", review.Observer, "")
				const n = 8
				errs := make(chan error, n)
				for i := 0; i < n; i++ {
					// Every photo is uploaded twice at once: one sheet each.
					photo := e.photo(t, []byte(fmt.Sprint("photo ", i/2)))
					go func() {
						_, err := e.svc.Upload(ctx, obs, review.Upload{Photo: photo, Form: "cb-2023"})
						errs <- err
					}()
				}
				for i := 0; i < n; i++ {
					if err := <-errs; err != nil {
						t.Fatal(err)
					}
				}
				list, err := e.svc.Sheets(ctx, obs, review.SheetQuery{})
				if err != nil || len(list) != n/2 {
					t.Fatalf("%d sheets, %v; want %d", len(list), err, n/2)
				}
				for _, sh := range list {
					waitVerdict(t, e.svc, obs, sh.ID)
				}
				rep, err := e.svc.VerifyCustody(ctx)
				if err != nil || !rep.OK() || rep.Entries != n {
					t.Fatalf("custody: %+v, %v; want %d entries (upload and ocr_result per sheet)", rep, err, n)
				}
			})
			t.Run("RerunChangesNothing", func(t *testing.T) {
				e := setup(t, b, 0)
				obs := e.user(t, "obs", review.Observer, "")
				res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte("rerun photo")), Form: "cb-2023"})
				if err != nil {
					t.Fatal(err)
				}
				before := waitVerdict(t, e.svc, obs, res.ID)
				w := review.NewOCRWorker(e.svc, e.reader)
				job := &river.Job[review.OCRArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 5}, Args: review.OCRArgs{SheetID: res.ID}}
				if err := w.Work(ctx, job); err != nil {
					t.Fatal(err)
				}
				after, err := e.svc.Sheet(ctx, obs, res.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !after.UpdatedAt.Equal(before.UpdatedAt) || len(after.History) != len(before.History) || e.reader.calls.Load() != 1 {
					t.Fatalf("rerun changed the sheet: updated %v → %v, history %d → %d, reads %d",
						before.UpdatedAt, after.UpdatedAt, len(before.History), len(after.History), e.reader.calls.Load())
				}
			})
			t.Run("CrashedWorkerIsRescued", func(t *testing.T) {
				e := open(t, b, 0)
				obs := e.user(t, "obs", review.Observer, "")
				res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte("crash photo")), Form: "cb-2023"})
				if err != nil {
					t.Fatal(err)
				}
				// A worker took the job long ago and died without finishing it.
				err = e.db.InTx(ctx, func(tx *storage.Tx) error {
					return tx.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = '2000-01-01 00:00:00' WHERE kind = 'ocr_sheet'`)
				})
				if err != nil {
					t.Fatal(err)
				}
				e.startWorkers(t)
				if v := waitVerdict(t, e.svc, obs, res.ID); v.Status == "unreadable" {
					t.Fatalf("rescued job ended %s", v.Status)
				}
			})
			t.Run("ReaderFaultIsRetried", func(t *testing.T) {
				e := setup(t, b, 1)
				obs := e.user(t, "obs", review.Observer, "")
				res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte("retry photo")), Form: "cb-2023"})
				if err != nil {
					t.Fatal(err)
				}
				v := waitVerdict(t, e.svc, obs, res.ID)
				if v.Status == "unreadable" || e.reader.calls.Load() != 2 {
					t.Fatalf("status %s after %d reads", v.Status, e.reader.calls.Load())
				}
			})
		})
	}
}

// tamper edits the custody log as someone with database access would,
// going around the append-only triggers.
func tamper(t *testing.T, db *storage.DB) {
	t.Helper()
	ctx := context.Background()
	stmts := []string{`DROP TRIGGER custody_no_update`}
	if db.Dialect() == storage.Postgres {
		stmts = []string{`ALTER TABLE custody DISABLE TRIGGER custody_no_change`}
	}
	stmts = append(stmts, `UPDATE custody SET actor = 'someone else' WHERE seq = 1`)
	err := db.InTx(ctx, func(tx *storage.Tx) error {
		for _, s := range stmts {
			if err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
