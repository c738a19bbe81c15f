// Package clip shortens untrusted strings for error messages and logs.
package clip

import "unicode/utf8"

// String returns s cut to at most n bytes, marked with "..." when cut, and
// never inside a UTF-8 sequence, so valid text stays valid.
func String(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
