package review

import "testing"

func TestHeaderBox(t *testing.T) {
	tests := []struct {
		name    string
		printed map[string]string
		want    Box
	}{
		{"read right", map[string]string{"il": "ADANA", "ilce": "SARIÇAM", "sandik_no": "3119"},
			Box{Il: "ADANA", Ilce: "SARIÇAM", SandikNo: "3119"}},
		{"spelt in lower case", map[string]string{"il": "İzmir", "ilce": "Gaziemir", "sandik_no": "1631"},
			Box{Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1631"}},
		{"province misread", map[string]string{"il": "ADAN LİA", "ilce": "SARIÇAM", "sandik_no": "3119"},
			Box{Ilce: "SARIÇAM", SandikNo: "3119"}},
		{"province with a letter lost", map[string]string{"il": "ADAN", "ilce": "SARIÇAM", "sandik_no": "3119"},
			Box{Ilce: "SARIÇAM", SandikNo: "3119"}},
		{"box number with letters", map[string]string{"il": "ADANA", "ilce": "SARIÇAM", "sandik_no": "3113 A"},
			Box{Il: "ADANA", Ilce: "SARIÇAM"}},
		{"box number too long", map[string]string{"il": "ADANA", "ilce": "SARIÇAM", "sandik_no": "1234567"},
			Box{Il: "ADANA", Ilce: "SARIÇAM"}},
		{"nothing read", map[string]string{"il": "", "ilce": "", "sandik_no": ""}, Box{}},
		{"no header at all", map[string]string{}, Box{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := headerBox(tt.printed); got != tt.want {
				t.Errorf("headerBox(%q) = %+v, want %+v", tt.printed, got, tt.want)
			}
		})
	}
}
