package ciemu

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient/cossign"
)

// Status codes and error codes for signature checks. CI documents the 401
// family (MissingAuthorization, InvalidAuthorization, SecretidNotExist) and
// COS hosts answer SignatureDoesNotMatch and RequestTimeTooSkewed with 403;
// the emulator uses each where the documentation places it.

// authenticate checks r's Authorization header against the configured keys
// at time now and returns the SecretID that signed it.
func (e *Emulator) authenticate(r *http.Request, now time.Time) (string, *apiError) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return "", errorf(http.StatusUnauthorized, "MissingAuthorization",
			"the request carries no Authorization header")
	}
	a, err := cossign.Parse(header)
	if err != nil {
		return "", errorf(http.StatusUnauthorized, "InvalidAuthorization",
			"the Authorization header cannot be read: %v", err)
	}
	secretKey, ok := e.credentials[a.SecretID]
	if !ok {
		return "", errorf(http.StatusUnauthorized, "SecretidNotExist",
			"SecretId %s does not exist", a.SecretID)
	}
	if !a.SignTime.Contains(now) || !a.KeyTime.Contains(now) {
		return "", errorf(http.StatusForbidden, "RequestTimeTooSkewed",
			"server time %d is outside the signature window %s", now.Unix(), a.SignTime)
	}
	if !slices.Contains(a.HeaderList, "host") {
		return "", errorf(http.StatusForbidden, "AccessDenied",
			"q-header-list must include host")
	}
	for name := range r.URL.Query() {
		if enc := strings.ToLower(cossign.Escape(name)); !slices.Contains(a.ParamList, enc) {
			return "", errorf(http.StatusForbidden, "AccessDenied",
				"query parameter %q is not in q-url-param-list", name)
		}
	}
	for _, token := range []string{"x-cos-security-token", "x-ci-security-token"} {
		if r.Header.Get(token) != "" && !slices.Contains(a.HeaderList, token) {
			return "", errorf(http.StatusForbidden, "AccessDenied",
				"header %s is present but not in q-header-list", token)
		}
	}
	if !cossign.Valid(r, a, secretKey) {
		// Never echo the expected signature: it would let a caller forge
		// requests for any key.
		return "", errorf(http.StatusForbidden, "SignatureDoesNotMatch",
			"the request signature we calculated does not match the signature you provided; check your key and signing method")
	}
	return a.SecretID, nil
}
