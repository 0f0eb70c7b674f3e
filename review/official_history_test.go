package review_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
)

// TestOfficialImports: every import stays in the history, the newest
// first, and only those who may import see it.
func TestOfficialImports(t *testing.T) {
	ctx := context.Background()
	e := open(t, backends()[0], 0)
	legal := e.user(t, "hukuk", review.Legal, "")
	for _, in := range []review.OfficialImport{
		{Source: "ysk-1.csv", CSV: strings.NewReader("il,ilce,sandik_no,aday_1\nİzmir,Buca,1,10\nİzmir,Buca,2,11\n")},
		{Source: "ysk-2.csv", Partial: true, CSV: strings.NewReader("il,ilce,sandik_no,aday_1\nİzmir,Buca,1,12\n")},
	} {
		if _, err := e.svc.ImportOfficial(ctx, legal, in); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name    string
		user    review.User
		form    string
		err     error
		sources []string
	}{
		{"legal", legal, "", nil, []string{"ysk-2.csv", "ysk-1.csv"}},
		{"admin, form named", e.user(t, "yönetici", review.Admin, ""), "cb-2023", nil, []string{"ysk-2.csv", "ysk-1.csv"}},
		{"lawyer", e.user(t, "avukat", review.Lawyer, ""), "", review.ErrForbidden, nil},
		{"observer", e.user(t, "gözlemci", review.Observer, ""), "", review.ErrForbidden, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list, err := e.svc.OfficialImports(ctx, c.user, c.form)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if len(list) != len(c.sources) {
				t.Fatalf("%d imports, want %d", len(list), len(c.sources))
			}
			for i, im := range list {
				if im.Source != c.sources[i] || im.Actor != "user:1:hukuk" || im.SHA256 == "" || im.At.IsZero() {
					t.Fatalf("import %d: %+v", i, im)
				}
			}
			if len(list) == 2 && (!list[0].Partial || list[0].Boxes != 1 || list[1].Partial || list[1].Boxes != 2) {
				t.Fatalf("imports: %+v", list)
			}
		})
	}
	var ie *review.InputError
	if _, err := e.svc.OfficialImports(ctx, legal, "cb-1999"); !errors.As(err, &ie) || ie.Code != "unknown_form" {
		t.Fatalf("unknown form: %v", err)
	}
}

// TestOfficialImportUnknownPlaces: boxes of places that are not in the list
// are stored as given, and the import says how many there are, since only
// sheets filed under the same spelling are compared with them. Names
// written without the marks of Turkish letters are the places they name.
func TestOfficialImportUnknownPlaces(t *testing.T) {
	ctx := context.Background()
	e := open(t, backends()[0], 0)
	legal := e.user(t, "hukuk", review.Legal, "")
	csv := "il,ilce,sandik_no,aday_1\n" +
		"İzmir,Buca,1,10\n" +
		"Izmir,Karsiyaka,2,11\n" + // typed without marks: KARŞIYAKA
		"İzmir,Eyüp,3,12\n" + // not a district of İzmir
		"Izmr,Buca,4,13\n"
	res, err := e.svc.ImportOfficial(ctx, legal, review.OfficialImport{Source: "ysk.csv", CSV: strings.NewReader(csv)})
	if err != nil {
		t.Fatal(err)
	}
	want := []review.Box{{Il: "İZMİR", Ilce: "EYÜP", SandikNo: "3"}, {Il: "IZMR", Ilce: "BUCA", SandikNo: "4"}}
	if res.Boxes != 4 || res.UnknownPlaces != 2 || !slices.Equal(res.UnknownPlaceSample, want) {
		t.Fatalf("import: %d boxes, %d of unknown places %+v; want 4, 2 %+v", res.Boxes, res.UnknownPlaces, res.UnknownPlaceSample, want)
	}
}
