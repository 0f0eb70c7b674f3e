package synth

import "testing"

func TestNumberWords(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want string
	}{
		{"zero", 0, "sıfır"},
		{"one", 1, "bir"},
		{"ten", 10, "on"},
		{"teen", 17, "onyedi"},
		{"tens", 60, "altmış"},
		{"two digits", 94, "doksandört"},
		{"hundred", 100, "yüz"},
		{"hundred and one", 101, "yüzbir"},
		{"sample 260", 260, "ikiyüzaltmış"},
		{"sample 249", 249, "ikiyüzkırkdokuz"},
		{"sample 306", 306, "üçyüzaltı"},
		{"sample 137", 137, "yüzotuzyedi"},
		{"nine hundreds", 999, "dokuzyüzdoksandokuz"},
		{"thousand", 1000, "bin"},
		{"thousand and five", 1005, "binbeş"},
		{"two thousand", 2000, "ikibin"},
		{"thousands", 12345, "onikibinüçyüzkırkbeş"},
		{"hundred thousand", 100000, "yüzbin"},
		{"million", 1000000, "birmilyon"},
		{"millions", 2500001, "ikimilyonbeşyüzbinbir"},
		{"billion", 1000000000, "birmilyar"},
		{"negative", -45, "eksikırkbeş"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NumberWords(tc.n); got != tc.want {
				t.Errorf("NumberWords(%d) = %q, want %q", tc.n, got, tc.want)
			}
		})
	}
}
