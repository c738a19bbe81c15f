package ciemu

import (
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
)

// bodyRules are how a service bounds a request body and names its
// refusals: CI takes small XML bodies, COS objects (as far as the
// emulator stores them) up to a few MiB.
type bodyRules struct {
	limit     int64
	tooLarge  string // code of a body over limit
	badDigest string // code of a Content-MD5 that does not match
}

var (
	ciBody  = bodyRules{limit: 1 << 20, tooLarge: "InvalidArgument", badDigest: "InvalidContent"}
	cosBody = bodyRules{limit: 5 << 20, tooLarge: "EntityTooLarge", badDigest: "BadDigest"}
)

// readBody streams r's body into dst, refusing more than rules.limit
// bytes and a Content-MD5 (when sent) that does not match. It returns the
// body's length and MD5.
func readBody(r *http.Request, rules bodyRules, dst io.Writer) (int64, [md5.Size]byte, *apiError) {
	var sum [md5.Size]byte
	if r.ContentLength > rules.limit {
		return 0, sum, errorf(http.StatusBadRequest, rules.tooLarge,
			"body: %d bytes, over the %d-byte limit", r.ContentLength, rules.limit)
	}
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(h, dst), http.MaxBytesReader(nil, r.Body, rules.limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return 0, sum, errorf(http.StatusBadRequest, rules.tooLarge, "body: over the %d-byte limit", rules.limit)
		}
		return 0, sum, errorf(http.StatusBadRequest, "IncompleteBody", "read body: %v", err)
	}
	h.Sum(sum[:0])
	if want := r.Header.Get("Content-MD5"); want != "" {
		if got := base64.StdEncoding.EncodeToString(sum[:]); got != want {
			return 0, sum, errorf(http.StatusBadRequest, rules.badDigest,
				"Content-MD5 %s does not match the body (MD5 %s)", want, got)
		}
	}
	return n, sum, nil
}
