package clip

import (
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"abcdef", 3, "abc..."},
		{"照片猫", 4, "照..."}, // 3-byte runes: byte 4 is inside the second
		{"照片猫", 6, "照片..."},
		{"照", 1, "..."},
	}
	for _, tt := range tests {
		got := String(tt.s, tt.n)
		if got != tt.want || !utf8.ValidString(got) {
			t.Errorf("String(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
