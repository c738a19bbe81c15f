package api

import (
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
)

func TestAuth(t *testing.T) {
	triggerBody := `{"workflowId":"` + testWF + `","object":"a.jpg"}`
	tests := []struct {
		name       string
		token      string // configured
		auth       string // Authorization header sent
		wantStatus int
	}{
		{"no token configured", "", "Bearer " + testToken, http.StatusForbidden},
		{"no token configured, no header", "", "", http.StatusForbidden},
		{"missing header", testToken, "", http.StatusUnauthorized},
		{"wrong token", testToken, "Bearer " + strings.Repeat("x", len(testToken)), http.StatusUnauthorized},
		{"shorter token", testToken, "Bearer " + testToken[:5], http.StatusUnauthorized},
		{"longer token", testToken, "Bearer " + testToken + "x", http.StatusUnauthorized},
		{"empty token", testToken, "Bearer ", http.StatusUnauthorized},
		{"scheme only", testToken, "Bearer", http.StatusUnauthorized},
		{"basic scheme", testToken, "Basic " + testToken, http.StatusUnauthorized},
		{"token without scheme", testToken, testToken, http.StatusUnauthorized},
		{"right token", testToken, "Bearer " + testToken, http.StatusOK},
		{"lower-case scheme (RFC 7235: case-insensitive)", testToken, "bearer " + testToken, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, ciemu.Options{}, func(o *Options) { o.Token = tt.token })
			res := env.doAuth(t, http.MethodPost, "/v1/trigger", triggerBody, tt.auth)
			if res.status != tt.wantStatus {
				t.Fatalf("status %d %s, want %d", res.status, res.body, tt.wantStatus)
			}
			calls := len(env.emu.Calls())
			switch tt.wantStatus {
			case http.StatusOK:
				if calls != 1 {
					t.Errorf("%d CI calls, want 1", calls)
				}
				return
			case http.StatusUnauthorized:
				got := res.header.Get("WWW-Authenticate")
				if !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate %q, want a Bearer challenge", got)
				}
				// A token that was presented but is wrong is invalid_token
				// (RFC 6750); a missing one gets the bare challenge.
				_, presented := bearerToken(tt.auth)
				if strings.Contains(got, "invalid_token") != presented {
					t.Errorf("WWW-Authenticate %q for header %q", got, tt.auth)
				}
			case http.StatusForbidden:
				if e := res.apiErr(t); !strings.Contains(e.Message, "COSFLOW_API_TOKEN") {
					t.Errorf("message %q does not say how to enable the API", e.Message)
				}
			}
			res.apiErr(t)
			if calls != 0 {
				t.Errorf("an unauthorised request made %d CI calls", calls)
			}
		})
	}
}

// Every route but health is behind the token, unknown ones included.
func TestAuthCoversEveryRoute(t *testing.T) {
	env := newEnv(t, ciemu.Options{}, nil)
	for _, rt := range []struct{ method, target string }{
		{http.MethodPost, "/v1/trigger"},
		{http.MethodPost, "/v1/jobs"},
		{http.MethodGet, "/v1/jobs"},
		{http.MethodGet, "/v1/jobs/b1"},
		{http.MethodPost, "/v1/jobs/b1/cancel"},
		{http.MethodGet, "/v1/runs?workflowId=" + testWF},
		{http.MethodGet, "/v1/runs/i1"},
		{http.MethodGet, "/v1/unknown"},
	} {
		res := env.doAuth(t, rt.method, rt.target, "", "Bearer wrong")
		if res.status != http.StatusUnauthorized {
			t.Errorf("%s %s without the token = %d, want 401", rt.method, rt.target, res.status)
		}
	}
	if n := len(env.emu.Calls()); n != 0 {
		t.Errorf("%d CI calls, want 0", n)
	}
}

// tokenMatches must hash both tokens whatever their lengths, so that a
// presented token of another length takes the same path (no early return
// on a length mismatch, which would leak the expected length).
func TestTokenMatchesHashesBoth(t *testing.T) {
	orig := digest
	t.Cleanup(func() { digest = orig })
	var hashed []string
	digest = func(b []byte) [sha256.Size]byte {
		hashed = append(hashed, string(b))
		return orig(b)
	}
	tests := []struct {
		presented string
		want      bool
	}{
		{testToken, true},
		{"", false},
		{"x", false},
		{testToken[:len(testToken)-1], false},
		{testToken + "x", false},
		{strings.Repeat("a", 10_000), false},
		{strings.ToUpper(testToken), false},
	}
	for _, tt := range tests {
		hashed = nil
		if got := tokenMatches(tt.presented, testToken); got != tt.want {
			t.Errorf("tokenMatches(%.20q) = %v, want %v", tt.presented, got, tt.want)
		}
		if len(hashed) != 2 || hashed[0] != tt.presented || hashed[1] != testToken {
			t.Errorf("tokenMatches(%.20q) hashed %d values, want the presented and the configured token", tt.presented, len(hashed))
		}
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header, token string
		ok            bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer abc", "abc", true},
		{"BEARER abc", "abc", true},
		{"Bearer   abc", "abc", true},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Basic abc", "", false},
		{"abc", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		token, ok := bearerToken(tt.header)
		if token != tt.token || ok != tt.ok {
			t.Errorf("bearerToken(%q) = %q, %v; want %q, %v", tt.header, token, ok, tt.token, tt.ok)
		}
	}
}

// readCounter records whether anything read the body.
type readCounter struct{ n int }

func (r *readCounter) Read(p []byte) (int, error) {
	r.n++
	return 0, io.EOF
}

// The token is checked before the body is read: an anonymous caller
// cannot make the API read (or buffer) anything.
func TestAuthBeforeBody(t *testing.T) {
	env := newEnv(t, ciemu.Options{}, nil)
	body := &readCounter{}
	req := httptest.NewRequest(http.MethodPost, "/v1/jobs", body)
	req.Header.Set("Content-Type", "text/plain") // would be a 415 after auth
	rec := httptest.NewRecorder()
	env.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized || body.n != 0 {
		t.Errorf("= %d after %d body reads, want 401 before any", rec.Code, body.n)
	}
}
