package cosclient

import (
	"net/url"
	"strings"
	"testing"
)

// TestClean: what CI echoes of an attempt's credentials goes, verbatim or
// percent-encoded, and so does any q-signature value, in any case; the
// rest of the text stays, clipped.
func TestClean(t *testing.T) {
	e := echoes{secretKey: "SKEY", token: "tok+/=en", auth: "q-sign-algorithm=sha1&q-ak=AKID&q-signature=abc123", signature: "abc123"}
	tests := []struct{ in, want string }{
		{"", ""},
		{"AccessDenied: nothing echoed", "AccessDenied: nothing echoed"},
		{"key SKEY, token tok+/=en", "key [redacted], token [redacted]"},
		{"token " + url.QueryEscape("tok+/=en") + " path " + url.PathEscape("tok+/=en"), "token [redacted] path [redacted]"},
		{"sent q-sign-algorithm=sha1&q-ak=AKID&q-signature=abc123 then", "sent [redacted] then"},
		{"bare abc123", "bare [redacted]"},
		{"other Q-Signature=DEADbeef0&x and q-signature=ff;", "other Q-Signature=[redacted]&x and q-signature=[redacted];"},
		{"the SecretId AKID stays", "the SecretId AKID stays"},
	}
	for _, tt := range tests {
		if got := e.clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := strings.Repeat("x", 3*maxCIText) + "SKEY"
	if got := e.clean(long); len(got) != maxCIText+len("...") || strings.Contains(got, "SKEY") {
		t.Errorf("clean of %d bytes: %d bytes", len(long), len(got))
	}
	// Redacted before clipped: a secret across the clip is not half kept.
	edge := strings.Repeat("x", maxCIText-2) + "SKEY"
	if got := e.clean(edge); strings.Contains(got, "SK") {
		t.Errorf("clean kept part of a secret at the clip: %q", got[len(got)-8:])
	}
	if n := testing.AllocsPerRun(10, func() { _ = e.clean("NjM3ZmY0YjRfOTBmYTUwNjRfNzMxOV8x") }); n != 0 {
		t.Errorf("%v allocations cleaning a request ID", n)
	}
}
