package ciemu

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient/cossign"
)

func TestAuthentication(t *testing.T) {
	clock := newFakeClock()
	e, srv := newTestServer(t, Options{Now: clock.Now, Credentials: map[string]string{"AKIDone": "keyOne", "AKIDtwo": "keyTwo"}})
	now := clock.Now()
	trigger := "/triggerworkflow?workflowId=" + testWF + "&object=a.jpg"
	past := cossign.Window{Start: now.Add(-20 * time.Minute).Unix(), End: now.Add(-10 * time.Minute).Unix()}
	future := cossign.Window{Start: now.Add(time.Minute).Unix(), End: now.Add(10 * time.Minute).Unix()}

	tests := []struct {
		name   string
		call   testCall
		tamper func(r *http.Request) // applied after signing
		status int
		code   string
		inMsg  string
	}{
		{name: "good", call: testCall{secretID: "AKIDone", secretKey: "keyOne"}, status: 200},
		{name: "second key", call: testCall{secretID: "AKIDtwo", secretKey: "keyTwo"}, status: 200},
		{name: "missing", call: testCall{noAuth: true}, status: 401, code: "MissingAuthorization"},
		{name: "demo key not configured", call: testCall{}, status: 401, code: "SecretidNotExist"},
		{name: "wrong key", call: testCall{secretID: "AKIDone", secretKey: "keyTwo"}, status: 403, code: "SignatureDoesNotMatch"},
		{name: "expired", call: testCall{secretID: "AKIDone", secretKey: "keyOne", window: &past}, status: 403, code: "RequestTimeTooSkewed"},
		{name: "not yet valid", call: testCall{secretID: "AKIDone", secretKey: "keyOne", window: &future}, status: 403, code: "RequestTimeTooSkewed"},
		{
			name: "unparsable", call: testCall{noAuth: true, header: map[string]string{"Authorization": "Bearer abc"}},
			status: 401, code: "InvalidAuthorization",
		},
		{
			name: "query changed after signing", call: testCall{secretID: "AKIDone", secretKey: "keyOne"},
			tamper: func(r *http.Request) { r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "a.jpg", "b.jpg", 1) },
			status: 403, code: "SignatureDoesNotMatch",
		},
		{
			name: "unsigned query parameter", call: testCall{secretID: "AKIDone", secretKey: "keyOne"},
			tamper: func(r *http.Request) { r.URL.RawQuery += "&name=extra" },
			status: 403, code: "AccessDenied", inMsg: "name",
		},
		{
			name: "host not signed", call: testCall{secretID: "AKIDone", secretKey: "keyOne"},
			tamper: func(r *http.Request) {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "q-header-list=host", "q-header-list=", 1))
			},
			status: 403, code: "AccessDenied", inMsg: "host",
		},
		{
			name: "token header not signed", call: testCall{secretID: "AKIDone", secretKey: "keyOne"},
			tamper: func(r *http.Request) { r.Header.Set("x-cos-security-token", "tok") },
			status: 403, code: "AccessDenied", inMsg: "x-cos-security-token",
		},
		{
			name: "signed token header", call: testCall{secretID: "AKIDone", secretKey: "keyOne",
				header: map[string]string{"x-ci-security-token": "tok", "x-cos-security-token": "tok"}},
			status: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.call
			c.method, c.target, c.now = "POST", trigger, now
			a := c.doTampered(t, srv, tt.tamper)
			if tt.status == 200 {
				if a.status != 200 {
					t.Fatalf("status %d: %s", a.status, a.body)
				}
				return
			}
			eb := wantError(t, a, tt.status, tt.code)
			if !strings.Contains(eb.Message, tt.inMsg) {
				t.Errorf("message %q does not mention %q", eb.Message, tt.inMsg)
			}
			if strings.Contains(string(a.body), "keyOne") {
				t.Errorf("error body leaks a secret: %s", a.body)
			}
		})
	}
	if got := e.TotalTriggers(); got != 3 {
		t.Errorf("TotalTriggers = %d, want 3 (only the accepted calls)", got)
	}
}

// TestAuthWindowFollowsClock checks the window is judged by Options.Now,
// not the wall clock.
func TestAuthWindowFollowsClock(t *testing.T) {
	clock := newFakeClock()
	_, srv := newTestServer(t, Options{Now: clock.Now})
	c := testCall{method: "GET", target: "/inventorytriggerjob", now: clock.Now()}
	if a := c.do(t, srv); a.status != 200 {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	clock.Advance(time.Hour)
	wantError(t, c.do(t, srv), 403, "RequestTimeTooSkewed")
}
