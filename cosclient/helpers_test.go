package cosclient

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cosflow/cosflow/cosclient/cossign"
)

const (
	testBucket   = "examplebucket-1250000000"
	testRegion   = "ap-guangzhou"
	testHost     = "examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com"
	testSecretID = "AKIDtestsecretid"
	testSecret   = "testsecretkey"
	testWorkflow = "w0123456789abcdef0123456789abcdef"
)

// seen is one request as the fake CI received it.
type seen struct {
	Method   string
	Path     string
	RawPath  string
	RawQuery string
	Host     string
	Header   http.Header
	Body     string
	SigOK    bool // the q-sign signature verifies with testSecret
}

// fakeCI is a loopback CI that records requests and answers with reply.
type fakeCI struct {
	t     *testing.T
	srv   *httptest.Server
	mu    sync.Mutex
	reqs  []seen
	reply func(n int, w http.ResponseWriter, r *http.Request) // n counts from 1
}

func newFakeCI(t *testing.T, reply func(n int, w http.ResponseWriter, r *http.Request)) *fakeCI {
	t.Helper()
	f := &fakeCI{t: t, reply: reply}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := seen{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery,
			Host: r.Host, Header: r.Header.Clone(), Body: string(body)}
		if a, err := cossign.Parse(r.Header.Get("Authorization")); err == nil {
			s.SigOK = cossign.Valid(r, a, testSecret) && a.SecretID == testSecretID
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, s)
		n := len(f.reqs)
		f.mu.Unlock()
		w.Header().Set("x-ci-request-id", "req-"+itoa(n))
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
func (f *fakeCI) client(t *testing.T, mod ...func(*Options)) *Client {
	t.Helper()
	o := Options{
		Region:      testRegion,
		Bucket:      testBucket,
		Credentials: StaticCredentials{SecretID: testSecretID, SecretKey: testSecret},
		Endpoint:    f.srv.URL,
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

func xmlReply(status int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

const triggerOK = `<Response><InstanceId>i0123456789abcdef0123456789abcdef</InstanceId><RequestId>body-req</RequestId></Response>`

func ptr(s string) *string { return &s }

var bg = context.Background()

func has(s, sub string) bool { return strings.Contains(s, sub) }

var cossignParse = cossign.Parse
