package synth

import "strings"

var (
	onesWords = [...]string{"", "bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz"}
	tensWords = [...]string{"", "on", "yirmi", "otuz", "kırk", "elli", "altmış", "yetmiş", "seksen", "doksan"}
)

// NumberWords writes n in Turkish words the way committees fill the "Yazıyla"
// column: without spaces ("ikiyüzaltmış", "sıfır", "bin", "ikibinbeş").
// "yüz" and "bin" take no "bir" before them; "milyon" and "milyar" do.
func NumberWords(n int) string {
	if n == 0 {
		return "sıfır"
	}
	var b strings.Builder
	if n < 0 {
		b.WriteString("eksi")
		n = -n
	}
	groups := []struct {
		size int
		word string
	}{
		{1_000_000_000, "milyar"},
		{1_000_000, "milyon"},
		{1_000, "bin"},
	}
	for _, g := range groups {
		q := n / g.size
		n %= g.size
		if q == 0 {
			continue
		}
		if !(q == 1 && g.size == 1_000) {
			b.WriteString(belowThousand(q))
		}
		b.WriteString(g.word)
	}
	b.WriteString(belowThousand(n))
	return b.String()
}

func belowThousand(n int) string {
	var b strings.Builder
	if h := n / 100; h > 0 {
		if h > 1 {
			b.WriteString(onesWords[h])
		}
		b.WriteString("yüz")
	}
	b.WriteString(tensWords[n/10%10])
	b.WriteString(onesWords[n%10])
	return b.String()
}

// asciiFold drops Turkish diacritics, as hurried hands write.
var asciiFold = strings.NewReplacer("ç", "c", "ğ", "g", "ı", "i", "ö", "o", "ş", "s", "ü", "u",
	"Ç", "C", "Ğ", "G", "İ", "I", "Ö", "O", "Ş", "S", "Ü", "U")
