package cossign

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	docSecretID  = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"
	docSecretKey = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"
)

var docWindow = Window{Start: 1557989753, End: 1557996953}

// The worked examples published with the signature documentation.
func TestWorkedExamples(t *testing.T) {
	tests := []struct {
		name, method, url, host string
		header                  map[string]string
		wantHeaders, wantParams string
		wantSig                 string
	}{
		{
			name:        "cos get object",
			method:      "GET",
			url:         "/exampleobject(腾讯云)?response-content-type=application%2Foctet-stream&response-cache-control=max-age%3D600",
			host:        "examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
			wantHeaders: "host",
			wantParams:  "response-cache-control;response-content-type",
			wantSig:     "cf18ded2f669fcafa4b98e02c2a3fdb2b2e55c43",
		},
		{
			name:        "ci cancel",
			method:      "PUT",
			url:         "/inventorytriggerjob/b3deffea2f84911ec9cb15254008618d9?cancel",
			host:        "examplebucket-1250000000.ci.ap-beijing.myqcloud.com",
			header:      map[string]string{"Content-Length": "0"},
			wantHeaders: "content-length;host",
			wantParams:  "cancel",
			wantSig:     "86d4c6488166ac1f42ae2180ae10b43153381e01",
		},
		{
			name:        "ci list",
			method:      "GET",
			url:         "/inventorytriggerjob?size=10&states=Running%2CFailed&orderByTime=Desc",
			host:        "examplebucket-1250000000.ci.ap-beijing.myqcloud.com",
			wantHeaders: "host",
			wantParams:  "orderbytime;size;states",
			wantSig:     "e0d758c347576c404f1219e3c43c8e0b8c94326f",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(tt.method, "http://"+tt.host+tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			got := Authorization(r, docSecretID, docSecretKey, docWindow)
			a, err := Parse(got)
			if err != nil {
				t.Fatalf("Parse(%q): %v", got, err)
			}
			if a.Signature != tt.wantSig {
				t.Errorf("signature = %s, want %s", a.Signature, tt.wantSig)
			}
			if h := strings.Join(a.HeaderList, ";"); h != tt.wantHeaders {
				t.Errorf("header list = %q, want %q", h, tt.wantHeaders)
			}
			if p := strings.Join(a.ParamList, ";"); p != tt.wantParams {
				t.Errorf("param list = %q, want %q", p, tt.wantParams)
			}
			if !Valid(r, a, docSecretKey) {
				t.Error("Valid rejects the signature Authorization produced")
			}
			if Valid(r, a, docSecretKey+"x") {
				t.Error("Valid accepts a signature under another key")
			}
		})
	}
}

func TestSignKeyWorkedExample(t *testing.T) {
	if got, want := signKey(docSecretKey, []byte(docWindow.String())), "937914bf490e9e8c189836aad2052e4feeb35eaf"; string(got[:]) != want {
		t.Errorf("signKey = %s, want %s", got, want)
	}
}

func TestEscape(t *testing.T) {
	tests := map[string]string{
		"abc-_.~XYZ09": "abc-_.~XYZ09",
		"a b":          "a%20b",
		"a+b/c%":       "a%2Bb%2Fc%25",
		"腾":            "%E8%85%BE",
		"":             "",
	}
	for in, want := range tests {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"q-sign-algorithm=md5&q-ak=a&q-sign-time=1;2&q-key-time=1;2&q-signature=x",
		"q-sign-algorithm=sha1&q-sign-time=1;2&q-key-time=1;2&q-signature=x",
		"q-sign-algorithm=sha1&q-ak=a&q-sign-time=2;1&q-key-time=1;2&q-signature=x",
		"q-sign-algorithm=sha1&q-ak=a&q-sign-time=1;2&q-key-time=1;2",
		"q-sign-algorithm=sha1&q-ak=a&q-sign-time=x;2&q-key-time=1;2&q-signature=x",
		"garbage",
	} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded", s)
		}
	}
}

func TestWindow(t *testing.T) {
	now := time.Unix(1000, 0)
	w := NewWindow(now, 60*time.Second, 600*time.Second)
	if w != (Window{Start: 940, End: 1600}) {
		t.Fatalf("NewWindow = %+v", w)
	}
	if !w.Contains(now) || w.Contains(time.Unix(1601, 0)) || w.Contains(time.Unix(939, 0)) {
		t.Error("Contains is wrong at the edges")
	}
}
