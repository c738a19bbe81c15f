package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/logx"
)

// stubAPI is a tiny stand-in for the API: it echoes what it received.
func stubAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := new(bytes.Buffer)
		_, _ = body.ReadFrom(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "path": r.URL.Path, "query": r.URL.Query(), "body": body.String(),
			"remote": r.RemoteAddr, "auth": r.Header.Get("Authorization") != "",
			"hasLogger": logx.From(r.Context(), nil) != nil,
		})
	})
}

// scfEnv serves h to HTTP invocations.
type scfEnv struct{ scf *SCF }

func httpEnv(*testing.T) *scfEnv { return &scfEnv{NewSCF(stubAPI(), nil)} }

// http decodes payload as the handler does and answers it.
func (e *scfEnv) http(t *testing.T, payload string) *events.HTTPResponse {
	t.Helper()
	ev, err := events.Parse([]byte(payload))
	switch {
	case err == nil && ev.Kind != events.KindHTTP:
		t.Fatalf("%s is a %v event", clip.String(payload, 80), ev.Kind)
	case err != nil:
		return e.scf.Refuse(context.Background(), err)
	}
	return e.scf.ServeEvent(context.Background(), ev.HTTP)
}

func TestHTTPAdaptation(t *testing.T) {
	env := httpEnv(t)
	tests := []struct {
		name    string
		payload string
		check   map[string]any
	}{
		{"gateway", `{"httpMethod":"post","path":"/v1/trigger","headers":{"Content-Type":"application/json"},"queryString":{"a":"1","b":["x","y"],"flag":true},"body":"{\"k\":1}","isBase64Encoded":false,"requestContext":{"sourceIp":"203.0.113.9","requestId":"g"}}`,
			map[string]any{"method": "POST", "path": "/v1/trigger", "body": `{"k":1}`, "remote": "203.0.113.9:0", "query": map[string]any{"a": []any{"1"}, "b": []any{"x", "y"}, "flag": []any{""}}}},
		{"function URL", `{"httpMethod":"GET","path":"/v1/jobs","headers":{"x-scf-remote-addr":"198.51.100.23","authorization":"Bearer t"},"queryString":{"size":"10"},"body":""}`,
			map[string]any{"method": "GET", "remote": "198.51.100.23:0", "auth": true, "hasLogger": true}},
		{"base64 body", `{"httpMethod":"PUT","path":"/x","body":"` + base64.StdEncoding.EncodeToString([]byte("héllo")) + `","isBase64Encoded":true,"requestContext":{}}`,
			map[string]any{"body": "héllo", "remote": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := env.http(t, tt.payload)
			if resp.StatusCode != 200 || resp.IsBase64Encoded {
				t.Fatalf("response %+v", resp)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.check {
				g, _ := json.Marshal(got[k])
				w, _ := json.Marshal(want)
				if string(g) != string(w) {
					t.Errorf("%s = %s, want %s", k, g, w)
				}
			}
		})
	}
}

func TestHTTPRefusals(t *testing.T) {
	env := httpEnv(t)
	big := strings.Repeat("a", MaxBodyBytes+1)
	bigB64 := base64.StdEncoding.EncodeToString([]byte(big))
	tests := []struct {
		name, payload string
		status        int
	}{
		{"body over 1 MiB", `{"httpMethod":"POST","path":"/x","body":"` + big + `"}`, 413},
		{"base64 body over 1 MiB", `{"httpMethod":"POST","path":"/x","body":"` + bigB64 + `","isBase64Encoded":true}`, 413},
		{"bad base64", `{"httpMethod":"POST","path":"/x","body":"!!!","isBase64Encoded":true}`, 400},
		{"relative path", `{"httpMethod":"GET","path":"x/y"}`, 400},
		{"control char in path", `{"httpMethod":"GET","path":"/x\r\nSet-Cookie: a"}`, 400},
		{"bad method", `{"httpMethod":"GE T","path":"/x"}`, 400},
		{"missing path", `{"httpMethod":"GET"}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := env.http(t, tt.payload)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d (%s)", resp.StatusCode, tt.status, resp.Body)
			}
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
				t.Errorf("body %q is not the {\"error\":{...}} shape", resp.Body)
			}
		})
	}
}

func TestHTTPResponseCapture(t *testing.T) {
	env := &scfEnv{NewSCF(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write([]byte{0x89, 'P', 'N', 'G', 0, 0xff})
		case "/huge":
			chunk := make([]byte, 1<<20)
			for range 8 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case "/panic":
			panic("boom")
		default:
			w.Header().Add("X-Multi", "a")
			w.Header().Add("X-Multi", "b")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte("created"))
		}
	}), nil)}
	resp := env.http(t, `{"httpMethod":"GET","path":"/png"}`)
	if !resp.IsBase64Encoded || resp.Body != base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G', 0, 0xff}) {
		t.Errorf("binary body: %+v", resp)
	}
	resp = env.http(t, `{"httpMethod":"GET","path":"/text"}`)
	if resp.StatusCode != 201 || resp.Body != "created" || resp.IsBase64Encoded || resp.Headers["X-Multi"] != "a, b" {
		t.Errorf("text response: %+v", resp)
	}
	if resp = env.http(t, `{"httpMethod":"GET","path":"/huge"}`); resp.StatusCode != 500 {
		t.Errorf("oversized response: status %d", resp.StatusCode)
	}
	if resp = env.http(t, `{"httpMethod":"GET","path":"/panic"}`); resp.StatusCode != 500 {
		t.Errorf("panicking API: status %d", resp.StatusCode)
	}
}

func FuzzAdapt(f *testing.F) {
	f.Add(`{"httpMethod":"GET","path":"/v1/jobs","queryString":{"a":["1","2"],"f":true},"headers":{"x-scf-remote-addr":"::1"}}`, false)
	f.Add(`{"httpMethod":"POST","path":"/","body":"aGVsbG8=","isBase64Encoded":true,"requestContext":{"sourceIp":"1.2.3.4"}}`, true)
	f.Add(`{"httpMethod":"x","path":"/%zz?#"}`, false)
	f.Fuzz(func(t *testing.T, payload string, _ bool) {
		ev, err := events.Parse([]byte(payload))
		if err != nil || ev.Kind != events.KindHTTP {
			return
		}
		r, e := adapt(context.Background(), ev.HTTP)
		if e != nil {
			return
		}
		if r.Context() == nil || r.URL == nil || r.Method == "" || r.ContentLength > MaxBodyBytes {
			t.Errorf("inconsistent request: %+v", r)
		}
	})
}

// TestHTTPLimits: the path, the headers and the query each take up to 8 KB
// and are refused beyond with HTTP's own status for it.
func TestHTTPLimits(t *testing.T) {
	env := httpEnv(t)
	request := func(path, header, query string) string {
		b, _ := json.Marshal(map[string]any{
			"httpMethod": "GET", "path": path,
			"headers":     map[string]string{"x-big": header},
			"queryString": map[string]string{"q": query},
		})
		return string(b)
	}
	const header = len("x-big") // a header's name counts with its value
	const query = len("q=")
	tests := []struct {
		name    string
		payload string
		status  int
		code    string
	}{
		{"path of 8 KB", request("/"+strings.Repeat("p", MaxPathBytes-1), "", ""), 200, ""},
		{"path over 8 KB", request("/"+strings.Repeat("p", MaxPathBytes), "", ""), 414, "URITooLong"},
		{"headers of 8 KB", request("/x", strings.Repeat("h", MaxHeaderBytes-header), ""), 200, ""},
		{"headers over 8 KB", request("/x", strings.Repeat("h", MaxHeaderBytes-header+1), ""), 431, "HeadersTooLarge"},
		{"query of 8 KB", request("/x", "", strings.Repeat("q", MaxQueryBytes-query)), 200, ""},
		{"query over 8 KB", request("/x", "", strings.Repeat("q", MaxQueryBytes-query+1)), 400, "InvalidRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := env.http(t, tt.payload)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.status, clip.String(resp.Body, 200))
			}
			if tt.code == "" {
				return
			}
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body.Error.Code != tt.code {
				t.Errorf("body %s, want error code %s", clip.String(resp.Body, 200), tt.code)
			}
		})
	}
}

// TestHTTPErrorsEchoLittle: whatever a refused request holds, its error
// answer stays under 8 KB and repeats at most 200 characters of it.
func TestHTTPErrorsEchoLittle(t *testing.T) {
	env := httpEnv(t)
	long := strings.Repeat("Z", 9000)
	tests := []struct {
		name    string
		payload map[string]any
	}{
		{"long path", map[string]any{"httpMethod": "GET", "path": "/" + long}},
		{"long header", map[string]any{"httpMethod": "GET", "path": "/x", "headers": map[string]string{"x": long}}},
		{"long header name", map[string]any{"httpMethod": "GET", "path": "/x", "headers": map[string]string{long: "v"}}},
		{"long query", map[string]any{"httpMethod": "GET", "path": "/x", "queryString": map[string]string{"q": long}}},
		{"long method", map[string]any{"httpMethod": long, "path": "/x"}},
		{"long relative path", map[string]any{"httpMethod": "GET", "path": long[:4000]}},
		{"long path with a control character", map[string]any{"httpMethod": "GET", "path": "/" + long[:4000] + "\n"}},
		{"long bad base64 body", map[string]any{"httpMethod": "POST", "path": "/x", "body": long[:4000] + "!", "isBase64Encoded": true}},
		{"long query key of the wrong type", map[string]any{"httpMethod": "GET", "path": "/x", "queryString": map[string]any{long[:4000]: map[string]int{"b": 1}}}},
		{"long query value of the wrong type", map[string]any{"httpMethod": "GET", "path": "/x", "queryString": map[string]any{"q": map[string]string{"b": long}}}},
		{"long query array of the wrong type", map[string]any{"httpMethod": "GET", "path": "/x", "queryString": map[string]any{"q": []any{long, 1}}}},
		{"long header of the wrong type", map[string]any{"httpMethod": "GET", "path": "/x", "headers": map[string]any{long[:4000]: 1}}},
		{"method of the wrong type", map[string]any{"httpMethod": []string{long[:4000]}, "path": "/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload, err := json.Marshal(tt.payload)
			if err != nil {
				t.Fatal(err)
			}
			resp := env.http(t, string(payload))
			if resp.StatusCode < 400 {
				t.Fatalf("status %d, want a refusal", resp.StatusCode)
			}
			if n := len(resp.Body); n >= 8<<10 {
				t.Errorf("error body of %d bytes", n)
			}
			if strings.Contains(resp.Body, long[:201]) {
				t.Errorf("error body echoes more than 200 characters: %s…", clip.String(resp.Body, 300))
			}
		})
	}
}
