package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/internal/logx/logxtest"
)

const (
	testToken  = "s3cr3t-api-token-for-tests"
	testBucket = citest.Bucket
	testRegion = citest.Region
	testWF     = "w0123456789abcdef0123456789abcdef"
)

// testEnv is the API in front of a real cosclient.Client talking to a real
// CI emulator on loopback.
type testEnv struct {
	emu     *ciemu.Emulator
	ci      *cosclient.Client
	handler http.Handler
	logs    *logxtest.Buffer
}

// newEnv starts an emulator and the API; edit adjusts the API options
// (the token, defaults and a logger are set first).
func newEnv(t *testing.T, emuOpts ciemu.Options, edit func(*Options)) *testEnv {
	t.Helper()
	emu, url := citest.Emulator(t, emuOpts)
	return newEnvAt(t, emu, url, nil, edit)
}

// newEnvAt builds the API with a client pointed at endpoint; editCI
// adjusts the client's options.
func newEnvAt(t testing.TB, emu *ciemu.Emulator, endpoint string, editCI func(*cosclient.Options), edit func(*Options)) *testEnv {
	t.Helper()
	ci := citest.Client(t, endpoint, editCI)
	logs := &logxtest.Buffer{}
	opts := Options{Token: testToken, Bucket: testBucket, Region: testRegion, Logger: logx.New(logs, slog.LevelDebug)}
	if edit != nil {
		edit(&opts)
	}
	return &testEnv{emu: emu, ci: ci, handler: New(ci, opts), logs: logs}
}

// result is one answer of the API.
type result struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the answer into v, failing the test when it is not JSON.
func (r result) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer is not JSON: %q: %v", r.body, err)
	}
}

// apiErr decodes an error answer and checks its shape.
func (r result) apiErr(t *testing.T) errorDetail {
	t.Helper()
	var b struct {
		Error *errorDetail `json:"error"`
	}
	r.json(t, &b)
	if b.Error == nil || b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("answer %d is not an error with code and message: %s", r.status, r.body)
	}
	return *b.Error
}

// do sends one request with the test token and a JSON body (when not "").
func (e *testEnv) do(t *testing.T, method, target, body string) result {
	t.Helper()
	return e.doAuth(t, method, target, body, "Bearer "+testToken)
}

// doAuth sends one request with the given Authorization header ("" for
// none).
func (e *testEnv) doAuth(t *testing.T, method, target, body, auth string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: Content-Type %q, want JSON (body %s)", method, target, ct, rec.Body)
	}
	return result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// callsOf counts the emulator's logged calls of one operation.
func (e *testEnv) callsOf(op string) []ciemu.Call {
	var out []ciemu.Call
	for _, c := range e.emu.Calls() {
		if c.Operation == op {
			out = append(out, c)
		}
	}
	return out
}
