package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// knownStatuses are every status the API may answer; 500 is not among
// them, so a recovered panic fails the fuzzer too.
var knownStatuses = map[int]bool{
	200: true, 202: true, 301: true, 307: true, 308: true,
	400: true, 401: true, 403: true, 404: true, 405: true, 413: true, 415: true, 429: true, 502: true,
}

// FuzzAPI sends random requests, with no token configured, with the
// token, and in dry-run mode, to the API in front of a client pointed at a
// closed port: the API never panics, always answers JSON (the error shape
// for errors) and a status from a known set.
func FuzzAPI(f *testing.F) {
	seeds := []struct {
		method, path, query, body string
		mode                      uint8
	}{
		{"GET", "/v1/health", "", "", 0},
		{"POST", "/v1/trigger", "", `{"workflowId":"` + testWF + `","object":"a"}`, 1},
		{"POST", "/v1/trigger", "", `{"workflowId":"` + testWF + `","object":"a"}`, 2},
		{"POST", "/v1/jobs", "", `{"name":"n","input":{"prefix":"p"},"operation":{"workflowIds":"` + testWF + `","jobParam":{"a":[{"b":1}]}}}`, 2},
		{"POST", "/v1/jobs", "", `{"name":"n","type":"Job","input":{"prefix":"p"},"operation":{"tag":"T","jobParam":{"1":2}}}`, 1},
		{"GET", "/v1/jobs", "size=2&states=Running,Failed&nextToken=x", "", 1},
		{"GET", "/v1/jobs/b1", "bucket=examplebucket-1250000000&region=ap-guangzhou", "", 1},
		{"POST", "/v1/jobs/b1/cancel", "", "", 2},
		{"DELETE", "/v1/jobs", "", "", 1},
		{"GET", "/v1//jobs/../x", "%zz", "", 1},
		{"POST", "/v1/trigger", "", "{\"object\":\"\xff\"}", 1},
		{"PATCH", "/", "", strings.Repeat("[", 100), 0},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, []byte(s.body), s.mode)
	}
	endpoint := closedPortURL(f)
	envs := map[uint8]*testEnv{}
	for mode, edit := range map[uint8]func(*Options){
		0: func(o *Options) { o.Token = "" },
		1: nil,
		2: func(o *Options) { o.DryRun = true },
	} {
		envs[mode] = newEnvAt(f, nil, endpoint, nil, edit)
	}
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte, mode uint8) {
		env := envs[mode%3]
		u := &url.URL{Scheme: "http", Host: "api.example", Path: path, RawQuery: query}
		req, err := http.NewRequest(method, u.String(), bytes.NewReader(body))
		if err != nil {
			t.Skip("not a request a server could receive")
		}
		req.RequestURI = u.RequestURI()
		if mode%3 != 0 {
			req.Header.Set("Authorization", "Bearer "+testToken)
		}
		rec := httptest.NewRecorder()
		env.handler.ServeHTTP(rec, req)
		if !knownStatuses[rec.Code] {
			t.Fatalf("%s %s?%s: status %d: %s", method, path, query, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s %s: Content-Type %q", method, path, ct)
		}
		var answer map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
			t.Fatalf("%s %s: answer is not a JSON object: %q", method, path, rec.Body)
		}
		if rec.Code >= 300 {
			var e errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" || len(answer) != 1 {
				t.Fatalf("%s %s: %d is not the error shape: %s", method, path, rec.Code, rec.Body)
			}
		}
		if mode%3 == 0 && path != "/v1/health" && rec.Code != http.StatusForbidden {
			t.Fatalf("%s %s with no token configured = %d, want 403", method, path, rec.Code)
		}
	})
}
