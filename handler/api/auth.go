package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/cosflow/cosflow/doctor"
)

// digest hashes a token before comparison; a variable so a test can see
// that both tokens are always hashed.
var digest = sha256.Sum256

// tokenMatches compares the presented token with the configured one in
// constant time. Both are hashed first, so tokens of different lengths
// take the same path as equal-length ones and the comparison never
// reveals the expected length.
func tokenMatches(presented, want string) bool {
	p := digest([]byte(presented))
	w := digest([]byte(want))
	return subtle.ConstantTimeCompare(p[:], w[:]) == 1
}

// bearerToken extracts the token of an "Authorization: Bearer <token>"
// header. The scheme is case-insensitive (RFC 7235 §2.1).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(token, " ")
	return token, token != ""
}

// authenticate lets a request through only with the configured bearer
// token; GET /v1/health is open, and the callback route checks its own.
// It runs before routing and before any body is read, so nothing reaches
// CI unless the caller is authorised.
func (a *api) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/health" || r.URL.Path == doctor.CallbackPath {
			next.ServeHTTP(w, r)
			return
		}
		if a.opts.Token == "" {
			writeError(w, &apiError{status: http.StatusForbidden, code: codeAPIDisabled,
				message: "the API is disabled: set COSFLOW_API_TOKEN to enable it, then send Authorization: Bearer <token>"})
			return
		}
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cosflow"`)
			writeError(w, &apiError{status: http.StatusUnauthorized, code: codeUnauthorized,
				message: "a bearer token is required (Authorization: Bearer <token>)"})
			return
		}
		if !tokenMatches(token, a.opts.Token) {
			// RFC 6750 §3: a presented but wrong token is invalid_token.
			w.Header().Set("WWW-Authenticate", `Bearer realm="cosflow", error="invalid_token"`)
			writeError(w, &apiError{status: http.StatusUnauthorized, code: codeUnauthorized,
				message: "the bearer token is not valid"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
