package review

import (
	"strings"
	"testing"

	"github.com/tutanak/tutanak/storage"
)

func TestNormalizePlace(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"lower case", "izmir", "İZMİR"},
		{"spaces around", "  Gaziemir ", "GAZİEMİR"},
		{"dotless i", "ığdır", "IĞDIR"},
		{"spaces inside", "yeni   mah.", "YENİ MAH."},
		{"empty", "", ""},
		{"decomposed cedilla", "C\u0327anakkale", "ÇANAKKALE"},
		{"decomposed breve", "Mug\u0306la", "MUĞLA"},
		{"decomposed dotted capital I", "I\u0307zmir", "İZMİR"},
		{"İ lower-cased outside Turkish", "i\u0307zmi\u0307r", "İZMİR"},
		{"decomposed district", "Kars\u0327ıyaka", "KARŞIYAKA"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := NormalizePlace(c.in); got != c.want {
				t.Fatalf("NormalizePlace(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestSecretHash(t *testing.T) {
	h, err := hashSecret("doğru parola")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "doğru") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := hashSecret("doğru parola")
	if h == h2 {
		t.Fatal("two hashes of one secret are equal: no salt")
	}
	cases := []struct {
		name, encoded, secret string
		ok                    bool
	}{
		{"right", h, "doğru parola", true},
		{"wrong", h, "yanlış parola", false},
		{"empty", h, "", false},
		{"garbage hash", "$argon2id$x", "doğru parola", false},
		{"other algorithm", strings.Replace(h, "argon2id", "argon2i", 1), "doğru parola", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := checkSecret(c.encoded, c.secret); got != c.ok {
				t.Fatalf("checkSecret = %v, want %v", got, c.ok)
			}
		})
	}
}

func TestScope(t *testing.T) {
	sheet := storage.Sheet{UploadedBy: 1, Il: "İZMİR"}
	cases := []struct {
		name string
		u    User
		sees bool
	}{
		{"uploader", User{ID: 1, Role: Observer}, true},
		{"other observer of the province", User{ID: 2, Role: Observer, Province: "İZMİR"}, false},
		{"lawyer of the province", User{ID: 3, Role: Lawyer, Province: "İZMİR"}, true},
		{"lawyer of another province", User{ID: 4, Role: Lawyer, Province: "ANKARA"}, false},
		{"lawyer without province", User{ID: 5, Role: Lawyer}, true},
		{"entry of another province", User{ID: 6, Role: Entry, Province: "ANKARA"}, false},
		{"admin with a province", User{ID: 7, Role: Admin, Province: "ANKARA"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.u.canSee(sheet); got != c.sees {
				t.Fatalf("canSee = %v, want %v", got, c.sees)
			}
		})
	}
}
