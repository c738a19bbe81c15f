package cosclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/smithy-go/middleware"
)

func TestNewValidatesOptions(t *testing.T) {
	creds := StaticCredentials{SecretID: "id", SecretKey: "key"}
	tests := []struct {
		name    string
		opts    Options
		wantErr string // option named in the error; "" = valid
	}{
		{"valid", Options{Region: testRegion, Bucket: testBucket, Credentials: creds}, ""},
		{"valid without bucket", Options{Region: "ap-beijing-1", Credentials: creds}, ""},
		{"valid without defaults: every call names its bucket", Options{Credentials: creds}, ""},
		{"valid endpoint", Options{Credentials: creds, Endpoint: "http://127.0.0.1:9100/"}, ""},
		{"bad region", Options{Region: "Guangzhou", Bucket: testBucket, Credentials: creds}, "Region"},
		{"no region", Options{Bucket: testBucket, Credentials: creds}, "Region"},
		{"bad bucket", Options{Region: testRegion, Bucket: "nobucketappid", Credentials: creds}, "Bucket"},
		{"no credentials", Options{Region: testRegion, Bucket: testBucket}, "Credentials"},
		{"bad endpoint scheme", Options{Region: testRegion, Credentials: creds, Endpoint: "ftp://x"}, "Endpoint"},
		{"endpoint without host", Options{Region: testRegion, Credentials: creds, Endpoint: "http://"}, "Endpoint"},
		{"endpoint with path", Options{Region: testRegion, Credentials: creds, Endpoint: "http://127.0.0.1:1/x"}, "Endpoint"},
		{"endpoint unparsable", Options{Region: testRegion, Credentials: creds, Endpoint: "http://[::1"}, "Endpoint"},
		// The one endpoint rule (ValidateEndpoint): no query, no user either.
		{"endpoint with query", Options{Region: testRegion, Credentials: creds, Endpoint: "http://127.0.0.1:1?x=1"}, "Endpoint"},
		{"endpoint with user", Options{Region: testRegion, Credentials: creds, Endpoint: "http://u:p@127.0.0.1:1"}, "Endpoint"},
		{"negative attempts", Options{Region: testRegion, Credentials: creds, Retry: RetryOptions{MaxAttempts: -1}}, "Retry.MaxAttempts"},
		{"negative base delay", Options{Region: testRegion, Credentials: creds, Retry: RetryOptions{BaseDelay: -1}}, "Retry.BaseDelay"},
		{"negative max delay", Options{Region: testRegion, Credentials: creds, Retry: RetryOptions{MaxDelay: -1}}, "Retry.MaxDelay"},
		{"negative budget", Options{Region: testRegion, Credentials: creds, Retry: RetryOptions{Budget: -1}}, "Retry.Budget"},
		{"cap below base", Options{Region: testRegion, Credentials: creds, Retry: RetryOptions{BaseDelay: 2e9, MaxDelay: 1e9}}, "Retry.MaxDelay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "option "+tt.wantErr+":") {
				t.Fatalf("err = %v, want one naming option %s", err, tt.wantErr)
			}
		})
	}
}

func TestOptionsDefaultsAndCopies(t *testing.T) {
	c := newTestClient(t, func(o *Options) { o.Retry = RetryOptions{} })
	got := c.Options().Retry
	want := RetryOptions{MaxAttempts: DefaultMaxAttempts, BaseDelay: DefaultBaseDelay, MaxDelay: DefaultMaxDelay, Budget: DefaultRetryBudget}
	if got != want {
		t.Errorf("Retry = %+v, want the defaults %+v", got, want)
	}
	if n := c.budget.available(); n != DefaultRetryBudget {
		t.Errorf("budget starts at %d, want %d", n, DefaultRetryBudget)
	}
	// The client keeps its own APIOptions: neither the caller's slice
	// nor a copy from Options() reaches it.
	noop := func(*middleware.Stack) error { return nil }
	apiOpts := []func(*middleware.Stack) error{noop}
	c = newTestClient(t, func(o *Options) { o.APIOptions = apiOpts })
	apiOpts[0] = nil
	o := c.Options()
	o.APIOptions[0] = nil
	if c.Options().APIOptions[0] == nil {
		t.Error("the client's APIOptions changed from outside")
	}
}

func TestSessionTokenHeadersSigned(t *testing.T) {
	f := newFakeCI(t, always(okTrigger))
	c := f.client(t, func(o *Options) {
		o.Credentials = StaticCredentials{SecretID: testSecretID, SecretKey: testSecret, SessionToken: "tok-123"}
	})
	if _, err := c.TriggerWorkflow(bg, trigger); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if r.Header.Get("x-cos-security-token") != "tok-123" || r.Header.Get("x-ci-security-token") != "tok-123" || !r.SigOK {
		t.Fatalf("token headers %v sigOK %v", r.Header, r.SigOK)
	}
	want := []string{"content-length", "host", "x-ci-security-token", "x-cos-security-token"}
	if !reflect.DeepEqual(r.Auth.HeaderList, want) {
		t.Errorf("signed headers %v, want %v", r.Auth.HeaderList, want)
	}
}

func TestEnvCredentialsReadPerRequest(t *testing.T) {
	f := newFakeCI(t, always(okTrigger))
	c := f.client(t, func(o *Options) { o.Credentials = EnvCredentials{} })

	t.Setenv(EnvSecretID, testSecretID)
	t.Setenv(EnvSecretKey, testSecret)
	t.Setenv(EnvSessionToken, "first")
	if _, err := c.TriggerWorkflow(bg, trigger); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvSecretID, "AKIDrotated")
	t.Setenv(EnvSessionToken, "")
	if _, err := c.TriggerWorkflow(bg, trigger); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if reqs[0].Header.Get("x-cos-security-token") != "first" || !reqs[0].SigOK {
		t.Errorf("first call: token %q sigOK %v", reqs[0].Header.Get("x-cos-security-token"), reqs[0].SigOK)
	}
	// Rotated to long-term credentials: no token headers are left over.
	if _, ok := reqs[1].Header["X-Cos-Security-Token"]; ok || reqs[1].Header.Get("x-ci-security-token") != "" {
		t.Errorf("second call sent token headers %v", reqs[1].Header)
	}
	if reqs[1].Auth.SecretID != "AKIDrotated" {
		t.Errorf("second call signed by %q", reqs[1].Auth.SecretID)
	}

	t.Setenv(EnvSecretKey, "")
	_, err := c.TriggerWorkflow(bg, trigger)
	if !errors.Is(err, ErrMissingCredentials) || !strings.Contains(err.Error(), EnvSecretKey) {
		t.Fatalf("err = %v, want ErrMissingCredentials naming %s", err, EnvSecretKey)
	}
	if len(f.requests()) != 2 {
		t.Errorf("a request without credentials reached the server")
	}
}

func TestStaticCredentials(t *testing.T) {
	for _, s := range []StaticCredentials{{}, {SecretID: "id"}, {SecretKey: "key"}} {
		if _, err := s.Credentials(bg); !errors.Is(err, ErrMissingCredentials) {
			t.Errorf("%+v: err = %v, want ErrMissingCredentials", s, err)
		}
	}
	s := StaticCredentials{SecretID: "id", SecretKey: "key", SessionToken: "tok"}
	if c, err := s.Credentials(bg); err != nil || c != Credentials(s) {
		t.Errorf("Credentials() = %+v, %v", c, err)
	}
}

func TestWithBucketOverridesHost(t *testing.T) {
	f := newFakeCI(t, always(okTrigger))
	c := f.client(t, func(o *Options) { o.Bucket, o.Region = "", "" })
	tests := []struct {
		name     string
		opts     []func(*Options)
		wantPath string // ParamError path; "" = sent
	}{
		{"no bucket", nil, "bucket"},
		{"other bucket", []func(*Options){WithBucket("other-1300000000", "na-siliconvalley")}, ""},
		{"bad bucket", []func(*Options){WithBucket("Bad_Bucket-1", "na-siliconvalley")}, "bucket"},
		{"bad region", []func(*Options){WithBucket("other-1300000000", "siliconvalley")}, "region"},
		{"bucket without region", []func(*Options){WithBucket("other-1300000000", "")}, "region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.TriggerWorkflow(bg, trigger, tt.opts...)
			if tt.wantPath == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			pes := ParamErrors(err)
			if len(pes) != 1 || pes[0].Path() != tt.wantPath || pes[0].Field() != "Options."+tt.wantPath {
				t.Fatalf("err = %v, want one ParamError for %s", err, tt.wantPath)
			}
		})
	}
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].Host != "other-1300000000.ci.na-siliconvalley.myqcloud.com" || !reqs[0].SigOK {
		t.Fatalf("requests = %+v", reqs)
	}
}

// TestEndpointOverride sends calls through the endpoint override with the
// default transport, a caller's *http.Transport (its dialer is kept) and a
// RoundTripper of the caller's own (the URL is rewritten per request):
// each time the connection goes to the endpoint while the Host header,
// and so the signature, name the bucket's virtual host.
func TestEndpointOverride(t *testing.T) {
	f := newFakeCI(t, always(okTrigger))
	var mu sync.Mutex
	var via []string // what the caller's transport saw
	record := func(s string) {
		mu.Lock()
		via = append(via, s)
		mu.Unlock()
	}
	seenVia := func() []string {
		mu.Lock()
		defer mu.Unlock()
		v := via
		via = nil
		return v
	}
	tests := []struct {
		name    string
		hc      *http.Client
		wantVia string
	}{
		{"default transport", nil, ""},
		{"caller's http.Transport", &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				record("dial " + addr)
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			},
		}}, "dial " + f.srv.Listener.Addr().String()},
		{"caller's RoundTripper", &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			record(r.URL.String())
			return http.DefaultTransport.RoundTrip(r)
		})}, f.srv.URL + "/triggerworkflow?workflowId=" + testWorkflow + "&object=a.jpg"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.client(t, func(o *Options) { o.HTTPClient = tt.hc })
			if _, err := c.TriggerWorkflow(bg, trigger); err != nil {
				t.Fatal(err)
			}
			if r := f.requests()[i]; r.Host != testHost || !r.SigOK {
				t.Errorf("host %q sigOK %v", r.Host, r.SigOK)
			}
			if via := seenVia(); tt.wantVia != "" && !reflect.DeepEqual(via, []string{tt.wantVia}) {
				t.Errorf("caller's transport saw %q, want %q", via, tt.wantVia)
			}
		})
	}
}

// TestNoEndpointUsesHTTPSVirtualHost: without an override, requests go to
// https://<bucket>.ci.<region>.myqcloud.com (and .cos. for listings).
func TestNoEndpointUsesHTTPSVirtualHost(t *testing.T) {
	var got []string
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.URL.String())
		body := triggerOK
		if r.Method == http.MethodGet {
			body = `<ListBucketResult/>`
		}
		return &http.Response{StatusCode: 200, Header: http.Header{"X-Ci-Request-Id": {"rid"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})
	c := newTestClient(t, func(o *Options) { o.HTTPClient = &http.Client{Transport: rt} })
	out, err := c.TriggerWorkflow(bg, &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a b"})
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := GetRequestIDMetadata(out.ResultMetadata); id != "rid" {
		t.Errorf("request ID %q", id)
	}
	if _, err := c.ListObjects(bg, &ListObjectsInput{Prefix: "p/"}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"https://" + testHost + "/triggerworkflow?workflowId=" + testWorkflow + "&object=a%20b",
		"https://" + testCOSHost + "/?prefix=p%2F",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("urls %q\nwant %q", got, want)
	}
}

// TestConcurrentCalls shares one Client between goroutines, some calls
// retrying (run with -race): each call's stack is its own.
func TestConcurrentCalls(t *testing.T) {
	var mu sync.Mutex
	failed := map[string]bool{}
	f := newFakeCI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !failed[r.URL.RawQuery]
		failed[r.URL.RawQuery] = true
		mu.Unlock()
		// Some calls retry too: one request in 20 is throttled, below the
		// share at which the client slows down (pacingDeadband), so that
		// the calls stay concurrent.
		if first && n%20 == 0 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		okTrigger(w, r)
	})
	c := f.client(t)
	const goroutines, calls = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				in := &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: fmt.Sprintf("g%d/%d.jpg", g, i)}
				if _, err := c.TriggerWorkflow(bg, in); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	objects := map[string]bool{}
	reqs := f.requests()
	for _, r := range reqs {
		if !r.SigOK {
			t.Fatalf("bad signature on %s", r.RawQuery)
		}
		objects[r.RawQuery] = true
	}
	if len(objects) != goroutines*calls || len(reqs) <= goroutines*calls {
		t.Errorf("%d distinct calls in %d requests, want %d calls and some retries", len(objects), len(reqs), goroutines*calls)
	}
}

func TestDebugLogHasNoSecrets(t *testing.T) {
	f := newFakeCI(t, failThen(1, errorAnswer(http.StatusTooManyRequests, "SlowDown"), okTrigger))
	var buf bytes.Buffer
	c := f.client(t, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.Credentials = StaticCredentials{SecretID: testSecretID, SecretKey: testSecret, SessionToken: "sessiontok"}
	})
	if _, err := c.TriggerWorkflow(bg, trigger); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := [][]string{
		{"level=DEBUG", `msg="ci attempt"`, "op=TriggerWorkflow", "attempt=1", "status=429", "ciRequestId=req-1", "durationMs=", "error=", "retry=now"},
		{"level=DEBUG", `msg="ci attempt"`, "op=TriggerWorkflow", "attempt=2", "status=200", "ciRequestId=req-2", "durationMs="},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, line := range lines {
		for _, w := range want[i] {
			if !strings.Contains(line, w) {
				t.Errorf("line %d lacks %q: %s", i+1, w, line)
			}
		}
	}
	for _, secret := range []string{testSecretID, testSecret, "sessiontok", "q-signature", "Authorization"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log contains %q", secret)
		}
	}

	// WithLogger sends one call's lines elsewhere; Info level drops them.
	var other bytes.Buffer
	quiet := slog.New(slog.NewTextHandler(&other, nil))
	buf.Reset()
	if _, err := c.TriggerWorkflow(bg, trigger, WithLogger(quiet)); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 || other.Len() != 0 {
		t.Errorf("logged %q and %q, want nothing", buf.String(), other.String())
	}
}
