package cosclient

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/cosflow/cosflow/cosclient/cossign"
)

const (
	testBucket   = "examplebucket-1250000000"
	testRegion   = "ap-guangzhou"
	testHost     = "examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com"
	testCOSHost  = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
	testSecretID = "AKIDtestsecretid"
	testSecret   = "testsecretkey"
	testWorkflow = "w0123456789abcdef0123456789abcdef"
	testJobID    = "b3deffea2f84911ec9cb15254008618d9"
	testRunID    = "i0123456789abcdef0123456789abcdef"
)

// seen is one request as the fake CI received it.
type seen struct {
	Method   string
	Path     string
	RawQuery string
	Host     string
	Header   http.Header
	Body     string
	Auth     cossign.Auth // the parsed Authorization header
	SigOK    bool         // the q-sign signature verifies with testSecret
}

// fakeCI is a loopback CI that records requests and answers with reply.
// Every answer carries x-ci-request-id "req-<n>".
type fakeCI struct {
	srv   *httptest.Server
	mu    sync.Mutex
	reqs  []seen
	reply func(n int, w http.ResponseWriter, r *http.Request) // n counts from 1
}

func newFakeCI(t testing.TB, reply func(n int, w http.ResponseWriter, r *http.Request)) *fakeCI {
	t.Helper()
	f := &fakeCI{reply: reply}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := seen{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			Host: r.Host, Header: r.Header.Clone(), Body: string(body)}
		if a, err := cossign.Parse(r.Header.Get("Authorization")); err == nil {
			s.Auth = a
			s.SigOK = cossign.Valid(r, a, testSecret) && a.SecretID == testSecretID
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, s)
		n := len(f.reqs)
		f.mu.Unlock()
		w.Header().Set("x-ci-request-id", "req-"+strconv.Itoa(n))
		f.reply(n, w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCI) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

// client returns a Client aimed at f through the endpoint override, with
// tiny backoffs so retry tests stay fast.
func (f *fakeCI) client(t testing.TB, mod ...func(*Options)) *Client {
	t.Helper()
	return newTestClient(t, append([]func(*Options){func(o *Options) { o.Endpoint = f.srv.URL }}, mod...)...)
}

// newTestClient returns a Client for the test bucket, signing with the
// test credentials, changed by mod.
func newTestClient(t testing.TB, mod ...func(*Options)) *Client {
	t.Helper()
	o := Options{
		Region:      testRegion,
		Bucket:      testBucket,
		Credentials: StaticCredentials{SecretID: testSecretID, SecretKey: testSecret},
		Retry:       RetryOptions{BaseDelay: 1e5, MaxDelay: 1e6}, // 0.1 ms .. 1 ms
	}
	for _, m := range mod {
		m(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// answer is how the fake answers one request.
type answer func(w http.ResponseWriter, r *http.Request)

// always answers every request the same way.
func always(a answer) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, r *http.Request) { a(w, r) }
}

// failThen answers the first n requests with fail, the rest with ok.
func failThen(n int, fail, ok answer) func(int, http.ResponseWriter, *http.Request) {
	return func(i int, w http.ResponseWriter, r *http.Request) {
		if i <= n {
			fail(w, r)
			return
		}
		ok(w, r)
	}
}

// xmlAnswer answers status with an XML body.
func xmlAnswer(status int, body string) answer {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// errorAnswer answers status with CI's <Error> body for code.
func errorAnswer(status int, code string) answer { return xmlAnswer(status, errorXML(code)) }

func errorXML(code string) string {
	return `<Error><Code>` + code + `</Code><Message>m-` + code + `</Message><RequestId>body-rid</RequestId><TraceId>trace-1</TraceId></Error>`
}

// hangUp closes the connection once the whole request is read, without an
// answer: a failure after the request was sent.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// truncated answers 200 promising more body than it sends, then hangs up.
func truncated(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Length", "1000")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, "<Response><InstanceId>")
	w.(http.Flusher).Flush()
	hangUp(w, nil)
}

const triggerOK = `<Response><InstanceId>` + testRunID + `</InstanceId><RequestId>body-req</RequestId></Response>`

var okTrigger = xmlAnswer(http.StatusOK, triggerOK)

var trigger = &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a.jpg"}

// fixture reads testdata/name.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ptr(s string) *string { return &s }

var bg = context.Background()

// endingCtx is a caller's context that the fake server ends while it holds
// the request, with err (context.Canceled or context.DeadlineExceeded): a
// caller that gives up mid-call, without a timer.
type endingCtx struct {
	context.Context // Background, for values
	done            chan struct{}
	once            sync.Once
	err             error
}

func newEndingCtx(err error) *endingCtx {
	return &endingCtx{Context: context.Background(), done: make(chan struct{}), err: err}
}

func (c *endingCtx) end()                  { c.once.Do(func() { close(c.done) }) }
func (c *endingCtx) Done() <-chan struct{} { return c.done }

func (c *endingCtx) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// holdUntilGone is the server side of an endingCtx: it ends the caller's
// context, then holds the request until the client has gone.
func holdUntilGone(ctx *endingCtx) answer {
	return func(_ http.ResponseWriter, r *http.Request) {
		ctx.end()
		<-r.Context().Done()
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// credentialsFunc is a CredentialsProvider of the test's own.
type credentialsFunc func(context.Context) (Credentials, error)

func (f credentialsFunc) Credentials(ctx context.Context) (Credentials, error) { return f(ctx) }
