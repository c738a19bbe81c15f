package cossign

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary Authorization values to Parse: it must never
// panic, and whatever it accepts must satisfy the invariants the emulator
// relies on before it spends an HMAC on the request.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"garbage",
		"q-sign-algorithm=sha1&q-ak=AKIDx&q-sign-time=1557989753;1557996953&q-key-time=1557989753;1557996953&q-header-list=content-length;host&q-url-param-list=cancel&q-signature=86d4c6488166ac1f42ae2180ae10b43153381e01",
		"q-sign-algorithm=sha1&q-ak=a&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=0",
		"q-sign-algorithm=sha1&q-ak=a&q-sign-time=2;1&q-key-time=1;2&q-signature=x",
		"q-sign-algorithm=sha1&q-ak=a&q-sign-time=-1;99999999999999999999&q-key-time=1;2&q-signature=x",
		"q-sign-algorithm=sha1&&q-ak=&q-sign-time=;&q-signature==",
		"q-sign-algorithm=sha1&q-ak=a&q-ak=b&q-sign-time=1;2&q-key-time=1;2&q-signature=x&unknown=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			if a.Algorithm != "" || a.SecretID != "" || a.Signature != "" {
				t.Fatalf("Parse(%q) failed (%v) but returned a partial Auth %+v", s, err, a)
			}
			return
		}
		switch {
		case a.Algorithm != Algorithm:
			t.Fatalf("Parse(%q) accepted algorithm %q", s, a.Algorithm)
		case a.SecretID == "" || a.Signature == "":
			t.Fatalf("Parse(%q) accepted an empty q-ak or q-signature: %+v", s, a)
		case a.SignTime == (Window{}) || a.KeyTime == (Window{}):
			t.Fatalf("Parse(%q) accepted a missing window: %+v", s, a)
		case a.SignTime.Start > a.SignTime.End || a.KeyTime.Start > a.KeyTime.End:
			t.Fatalf("Parse(%q) accepted a window ending before it starts: %+v", s, a)
		}
		// Parsing is a pure function of its input.
		b, err := Parse(s)
		if err != nil || b.Signature != a.Signature || b.SecretID != a.SecretID ||
			strings.Join(b.HeaderList, ";") != strings.Join(a.HeaderList, ";") ||
			strings.Join(b.ParamList, ";") != strings.Join(a.ParamList, ";") {
			t.Fatalf("Parse(%q) is not deterministic: %+v then %+v (%v)", s, a, b, err)
		}
	})
}

// FuzzSignVerify signs a random request, parses the header it produced and
// verifies it: the right key must always pass, any other key must fail, and
// nothing may panic whatever the method, path, query or header holds.
func FuzzSignVerify(f *testing.F) {
	f.Add("PUT", "/inventorytriggerjob/b3deffea2f84911ec9cb15254008618d9", "cancel", "Content-Length", "0", "examplebucket-1250000000.ci.ap-beijing.myqcloud.com", int64(1557989753))
	f.Add("GET", "/exampleobject(腾讯云)", "response-content-type=application%2Foctet-stream&response-cache-control=max-age%3D600", "X-Cos-Meta-A", "b c", "examplebucket-1250000000.cos.ap-beijing.myqcloud.com", int64(0))
	f.Add("POST", "/triggerworkflow", "workflowId=w0123&object=a%2Fb+c.jpg&name=x&name=y", "x-ci-security-token", "tok", "h", int64(1))
	f.Add("post", "/a%2Fb/../c", "=&&a==b&%zz&A=1&a=2", "content-type", "application/xml; charset=utf-8", "", int64(-5))
	f.Add("", "", "", "", "", "", int64(1<<62))
	f.Fuzz(func(t *testing.T, method, path, rawQuery, hname, hvalue, host string, start int64) {
		r := &http.Request{
			Method: method,
			URL:    &url.URL{Path: path, RawQuery: rawQuery},
			Host:   host,
			Header: http.Header{},
		}
		if hname != "" {
			r.Header[http.CanonicalHeaderKey(hname)] = []string{hvalue}
		}
		if start < 0 {
			start = -start
		}
		if start < 0 { // math.MinInt64
			start = 0
		}
		w := Window{Start: start, End: start}
		if start < 1<<62 {
			w.End = start + 3600
		}
		const id, key = "AKIDfuzz", "fuzzSecretKey"
		auth := Authorization(r, id, key, w)
		a, err := Parse(auth)
		if err != nil {
			t.Fatalf("Parse(Authorization(...)) = %v for %q", err, auth)
		}
		if a.SecretID != id || a.KeyTime != w || a.SignTime != w {
			t.Fatalf("round trip lost fields: %+v (window %v)", a, w)
		}
		if !Valid(r, a, key) {
			t.Fatalf("Valid rejects its own signature: method %q path %q query %q header %q=%q host %q", method, path, rawQuery, hname, hvalue, host)
		}
		if Valid(r, a, key+"x") || Valid(r, a, "") {
			t.Fatal("Valid accepts a signature under another key")
		}
	})
}
