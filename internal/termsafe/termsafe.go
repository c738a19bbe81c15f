// Package termsafe makes text from outside (CI's IDs, states and messages,
// object keys) safe to write to a terminal: nothing in it can move the
// cursor, clear the screen, start an escape sequence, break the line, or
// reorder what is shown.
package termsafe

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// String returns s with every rune a terminal could act on written as a
// Go escape, and s itself when there is none. Escaped are: C0 controls
// (\n, \t, \x1b, ...), DEL, C1 controls (\u009b is a one-byte CSI on some
// terminals), the line and paragraph separators U+2028 and U+2029, the
// bidirectional controls (U+202E and the others of Unicode's Bidi_Control
// property), and each byte that is not valid UTF-8 (\xff). Everything else,
// other scripts and emoji included, passes as it is.
//
// The result is for eyes, not to be parsed back: a backslash is not
// escaped.
func String(s string) string {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unsafe(r, n) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, `\x`...)
			b = append(b, hex[s[i]>>4], hex[s[i]&0xf])
		case unsafe(r, n):
			// strconv writes \n, \t, \x1b, \x7f, \u009b, \u202e.
			q := strconv.QuoteRune(r)
			b = append(b, q[1:len(q)-1]...)
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

const hex = "0123456789abcdef"

// unsafe reports whether the rune r, n bytes long, is one String escapes.
func unsafe(r rune, n int) bool {
	switch {
	case r < utf8.RuneSelf:
		return r < 0x20 || r == 0x7f
	case r == utf8.RuneError && n == 1:
		return true
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return true
	}
	return unicode.Is(unicode.Bidi_Control, r)
}
