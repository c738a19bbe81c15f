// Package termsafe makes text from outside (CI's IDs, states and messages,
// object keys) safe to write to a terminal: nothing in it can move the
// cursor, clear the screen, start an escape sequence, break the line, or
// reorder what is shown.
package termsafe

import (
	"io"
	"strconv"
	"unicode"
	"unicode/utf16"
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

// JSON returns the JSON text js with every rune String would escape,
// other than the C0 controls, written as a JSON \u escape: DEL, the C1
// controls, U+2028 and U+2029, the bidirectional controls. In JSON text
// such a rune can only stand inside a string, where its escape decodes
// to the same rune, so a JSON reader sees exactly the same values while a
// terminal showing the text has nothing to act on. (A C0 control cannot
// stand raw in a JSON string, and outside one \t, \n and \r are JSON's
// whitespace: they are left alone, as are bytes that are not UTF-8.)
// Text with nothing to escape comes back as it is, without a copy.
func JSON(js []byte) []byte {
	var b []byte
	i, done := 0, 0 // js[:done] is in b
	for i < len(js) {
		if js[i] < 0x7f {
			i++ // ASCII, the common case, without decoding
			continue
		}
		r, n := utf8.DecodeRune(js[i:])
		if r == utf8.RuneError && n == 1 || !unsafe(r, n) {
			i += n
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(js)+16)
		}
		b = append(b, js[done:i]...)
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			b = appendUnicodeEscape(appendUnicodeEscape(b, r1), r2)
		} else {
			b = appendUnicodeEscape(b, r)
		}
		i += n
		done = i
	}
	if b == nil {
		return js
	}
	return append(b, js[done:]...)
}

// appendUnicodeEscape appends r, a rune of the Basic Multilingual Plane,
// as \uXXXX.
func appendUnicodeEscape(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}

// JSONWriter is a writer passing the JSON text of each Write through JSON
// to W. Each Write must hold whole runes, as an encoder's whole value
// (json.Encoder.Encode) or a logger's whole line (slog.JSONHandler) does:
// a rune split between two writes is not recognised.
type JSONWriter struct {
	W io.Writer
}

// Write writes JSON(p) to w.W and reports p written when all of it was.
func (w JSONWriter) Write(p []byte) (int, error) {
	if _, err := w.W.Write(JSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
