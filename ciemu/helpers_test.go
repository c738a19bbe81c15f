package ciemu

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/cosclient/cossign"
)

const (
	testBucket  = "examplebucket-1250000000"
	testHost    = testBucket + ".ci.ap-guangzhou.myqcloud.com"
	testCOSHost = testBucket + ".cos.ap-guangzhou.myqcloud.com"
	testWF      = "w1234567890abcdef1234567890abcdef"
)

// fakeClock is an injectable clock tests step by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTestServer starts e on a loopback httptest server.
func newTestServer(t *testing.T, opts Options) (*Emulator, *httptest.Server) {
	t.Helper()
	e := New(opts)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, srv
}

// testCall is one request a test makes with cossign, as a client would.
type testCall struct {
	method, target, body string // target is path?query
	host                 string // default testHost
	secretID, secretKey  string // default the demo pair
	window               *cossign.Window
	now                  time.Time // window centre when window is nil; default time.Now
	header               map[string]string
	noAuth               bool
}

// at is c signed at now.
func (c testCall) at(now time.Time) testCall {
	c.now = now
	return c
}

type testAnswer struct {
	status  int
	header  http.Header
	body    []byte
	service string // of the host called: which ID headers to expect
}

// errorBody decodes an error answer.
func (a testAnswer) errorBody(t *testing.T) cosclient.ErrorBody {
	t.Helper()
	var eb cosclient.ErrorBody
	if err := xml.Unmarshal(a.body, &eb); err != nil {
		t.Fatalf("decode error body %q: %v", a.body, err)
	}
	return eb
}

func (a testAnswer) decode(t *testing.T, v any) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d, body %s", a.status, a.body)
	}
	if err := xml.Unmarshal(a.body, v); err != nil {
		t.Fatalf("decode %q: %v", a.body, err)
	}
}

func (c testCall) do(t *testing.T, srv *httptest.Server) testAnswer {
	t.Helper()
	return c.doTampered(t, srv, nil)
}

// doTampered is do with tamper applied to the signed request before it goes.
func (c testCall) doTampered(t *testing.T, srv *httptest.Server, tamper func(*http.Request)) testAnswer {
	t.Helper()
	a, err := c.send(t, srv, tamper)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.target, err)
	}
	return a
}

// send is doTampered that returns a transport failure (a reset) instead
// of failing the test.
func (c testCall) send(t *testing.T, srv *httptest.Server, tamper func(*http.Request)) (testAnswer, error) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, srv.URL+c.target, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = testHost
	if c.host != "" {
		req.Host = c.host
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/xml")
		req.Header.Set("Content-Length", strconv.Itoa(len(c.body)))
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if !c.noAuth {
		id, key := DefaultSecretID, DefaultSecretKey
		if c.secretID != "" {
			id, key = c.secretID, c.secretKey
		}
		now := c.now
		if now.IsZero() {
			now = time.Now()
		}
		w := cossign.NewWindow(now, time.Minute, 10*time.Minute)
		if c.window != nil {
			w = *c.window
		}
		req.Header.Set("Authorization", cossign.Authorization(req, id, key, w))
	}
	if tamper != nil {
		tamper(req)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		return testAnswer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return testAnswer{}, err
	}
	_, service, _ := bucketFromHost(req.Host)
	a := testAnswer{status: resp.StatusCode, header: resp.Header, body: b, service: service}
	id, _ := a.idHeaders()
	for _, h := range []string{"x-ci-request-id", "x-cos-request-id"} {
		if got := resp.Header.Get(h); (got != "") != (h == id) {
			t.Errorf("%s %s to %s: header %s is %q", c.method, c.target, req.Host, h, got)
		}
	}
	return a, nil
}

// idHeaders names the request- and trace-ID headers the answer should
// carry: the called service's.
func (a testAnswer) idHeaders() (requestID, traceID string) {
	return idHeaders(a.service)
}

// wantError checks an error answer's status, code and headers.
func wantError(t *testing.T, a testAnswer, status int, code string) cosclient.ErrorBody {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d; body %s", a.status, status, a.body)
	}
	eb := a.errorBody(t)
	if eb.Code != code {
		t.Fatalf("code %q, want %q (message %q)", eb.Code, code, eb.Message)
	}
	idHeader, traceHeader := a.idHeaders()
	if eb.RequestID == "" || eb.RequestID != a.header.Get(idHeader) {
		t.Errorf("RequestId %q vs header %s %q", eb.RequestID, idHeader, a.header.Get(idHeader))
	}
	if eb.TraceID == "" || eb.TraceID != a.header.Get(traceHeader) {
		t.Errorf("TraceId %q vs header %s %q", eb.TraceID, traceHeader, a.header.Get(traceHeader))
	}
	if ct := a.header.Get("Content-Type"); ct != "application/xml" {
		t.Errorf("Content-Type %q", ct)
	}
	return eb
}

// workflowJobBody is a minimal valid CreateInventoryTriggerJob body.
func workflowJobBody(name, prefix string) string {
	return "<Request><Name>" + name + "</Name><Type>Workflow</Type><Input><Prefix>" + prefix +
		"</Prefix></Input><Operation><WorkflowIds>" + testWF + "</WorkflowIds></Operation></Request>"
}

// createJob creates a job through the wire and returns its detail.
func createJob(t *testing.T, srv *httptest.Server, now time.Time, body string) cosclient.JobDetail {
	t.Helper()
	var out cosclient.CreateInventoryTriggerJobOutput
	testCall{method: "POST", target: "/inventorytriggerjob", body: body, now: now}.do(t, srv).decode(t, &out)
	if out.JobsDetail == nil {
		t.Fatal("create answered no JobsDetail")
	}
	return *out.JobsDetail
}
