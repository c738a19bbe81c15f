package termsafe

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"uploads/a.jpg", "uploads/a.jpg"},
		{"图片/😀 ok", "图片/😀 ok"},
		{`back\slash "quoted"`, `back\slash "quoted"`},
		{"line\r\nforged", `line\r\nforged`},
		{"tab\tcell", `tab\tcell`},
		{"\x1b[2J\x1b]0;title\a", `\x1b[2J\x1b]0;title\a`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"c1 \u009b31m csi", `c1 \u009b31m csi`},
		{"nel\u0085", `nel\u0085`},
		{"a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"evil\u202egpj.exe", `evil\u202egpj.exe`},
		{"\u2066isolate\u2069 \u200emark\u200f \u061c", `\u2066isolate\u2069 \u200emark\u200f \u061c`},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`},
		{"\xed\xa0\x80", `\xed\xa0\x80`}, // a surrogate, encoded: not UTF-8
		{`{"level":"INFO","msg":"forged"}` + "\n", `{"level":"INFO","msg":"forged"}\n`},
	}
	for _, tt := range tests {
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestStringKeepsSafeText: a string with nothing to escape comes back as
// it is, without a copy.
func TestStringKeepsSafeText(t *testing.T) {
	s := strings.Repeat("uploads/图片-😀 ", 8)
	if n := testing.AllocsPerRun(10, func() { _ = String(s) }); n != 0 {
		t.Errorf("%v allocations for text with nothing to escape", n)
	}
}

// FuzzString: whatever comes in, what goes out is valid UTF-8 holding no
// rune a terminal acts on, and text without one is left alone.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "a.jpg", "\r\n", "\u009b[31m", "\u202e", "\xff\xfe", "图\u2028😀", `\x1b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := String(s)
		if !utf8.ValidString(got) {
			t.Fatalf("String(%q) = %q: not UTF-8", s, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
				t.Fatalf("String(%q) = %q holds %U", s, got, r)
			}
		}
		clean := utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
			return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
		})
		if clean != (got == s) {
			t.Fatalf("String(%q) = %q: a clean input must come back unchanged, and only a clean one", s, got)
		}
	})
}

func TestJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, ``},
		{`{"key":"uploads/图片-😀.jpg"}` + "\n", `{"key":"uploads/图片-😀.jpg"}` + "\n"},
		{"{\"id\":\"i0\\r\\n\u0085\u009b2J\u2028\u202egpj.exe\"}\n", `{"id":"i0\r\n\u0085\u009b2J\u2028\u202egpj.exe"}` + "\n"},
		{"[\"del\x7f\",\t\"\u2066x\u2069\"]", `["del\u007f",` + "\t" + `"\u2066x\u2069"]`},
		{"\"bad\xff\"", "\"bad\xff\""}, // not UTF-8: no rune to escape, left alone
	}
	for _, tt := range tests {
		if got := string(JSON([]byte(tt.in))); got != tt.want {
			t.Errorf("JSON(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	clean := []byte(strings.Repeat(`{"key":"uploads/图片-😀"}`, 8))
	if n := testing.AllocsPerRun(10, func() { _ = JSON(clean) }); n != 0 {
		t.Errorf("%v allocations for JSON with nothing to escape", n)
	}
}

// FuzzJSON: whatever string is encoded, JSON of its encoding decodes to
// the same string and holds no rune a terminal acts on.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{"", "a.jpg", "\r\n", "\u009b[31m", "\u202e", "\x7f", "图\u2028😀", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc, err := json.Marshal(map[string]string{s: s})
		if err != nil {
			t.Fatal(err)
		}
		got := JSON(enc)
		var want, back map[string]string
		if err := json.Unmarshal(enc, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got, &back); err != nil || !maps.Equal(back, want) {
			t.Fatalf("JSON(%s) = %s decodes to %q, want %q (%v)", enc, got, back, want, err)
		}
		for _, r := range string(got) {
			if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
				t.Fatalf("JSON(%s) = %s holds %U", enc, got, r)
			}
		}
	})
}
