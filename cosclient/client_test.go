package cosclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
		{"bad region", Options{Region: "Guangzhou", Bucket: testBucket, Credentials: creds}, "Region"},
		{"no region", Options{Bucket: testBucket, Credentials: creds}, "Region"},
		{"bad bucket", Options{Region: testRegion, Bucket: "nobucketappid", Credentials: creds}, "Bucket"},
		{"no credentials", Options{Region: testRegion, Bucket: testBucket}, "Credentials"},
		{"bad endpoint scheme", Options{Region: testRegion, Credentials: creds, Endpoint: "ftp://x"}, "Endpoint"},
		{"endpoint with path", Options{Region: testRegion, Credentials: creds, Endpoint: "http://127.0.0.1:1/x"}, "Endpoint"},
		{"negative attempts", Options{Region: testRegion, Credentials: creds, Retry: RetryOptions{MaxAttempts: -1}}, "Retry.MaxAttempts"},
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
			if err == nil || !strings.Contains(err.Error(), "option "+tt.wantErr) {
				t.Fatalf("err = %v, want one naming option %s", err, tt.wantErr)
			}
		})
	}
}

func TestSessionTokenHeadersSigned(t *testing.T) {
	f := newFakeCI(t, xmlReply(200, triggerOK))
	c := f.client(t, func(o *Options) {
		o.Credentials = StaticCredentials{SecretID: testSecretID, SecretKey: testSecret, SessionToken: "tok-123"}
	})
	if _, err := c.TriggerWorkflow(bg, &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a.jpg"}); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if r.Header.Get("x-cos-security-token") != "tok-123" || r.Header.Get("x-ci-security-token") != "tok-123" || !r.SigOK {
		t.Fatalf("token headers %v sigOK %v", r.Header, r.SigOK)
	}
	a, err := cossignParse(r.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"content-length", "host", "x-ci-security-token", "x-cos-security-token"}
	if !reflect.DeepEqual(a.HeaderList, want) {
		t.Errorf("signed headers %v, want %v", a.HeaderList, want)
	}
}

func TestEnvCredentialsReadPerRequest(t *testing.T) {
	f := newFakeCI(t, xmlReply(200, triggerOK))
	c := f.client(t, func(o *Options) { o.Credentials = EnvCredentials{} })
	in := &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a.jpg"}

	t.Setenv(EnvSecretID, testSecretID)
	t.Setenv(EnvSecretKey, testSecret)
	t.Setenv(EnvSessionToken, "first")
	if _, err := c.TriggerWorkflow(bg, in); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvSecretID, "AKIDrotated")
	t.Setenv(EnvSessionToken, "second")
	if _, err := c.TriggerWorkflow(bg, in); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if reqs[0].Header.Get("x-cos-security-token") != "first" || reqs[1].Header.Get("x-cos-security-token") != "second" {
		t.Errorf("tokens %q then %q", reqs[0].Header.Get("x-cos-security-token"), reqs[1].Header.Get("x-cos-security-token"))
	}
	a, _ := cossignParse(reqs[1].Header.Get("Authorization"))
	if a.SecretID != "AKIDrotated" {
		t.Errorf("second call signed by %q", a.SecretID)
	}

	t.Setenv(EnvSecretKey, "")
	_, err := c.TriggerWorkflow(bg, in)
	if !errors.Is(err, ErrMissingCredentials) || !strings.Contains(err.Error(), EnvSecretKey) {
		t.Fatalf("err = %v, want ErrMissingCredentials naming %s", err, EnvSecretKey)
	}
	if len(f.requests()) != 2 {
		t.Errorf("a request without credentials reached the server")
	}
}

func TestWithBucketOverridesHost(t *testing.T) {
	f := newFakeCI(t, xmlReply(200, triggerOK))
	c := f.client(t, func(o *Options) { o.Bucket = "" })
	in := &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a.jpg"}
	var ve *ValidationError
	if _, err := c.TriggerWorkflow(bg, in); !errors.As(err, &ve) || ve.Field != "bucket" {
		t.Fatalf("no bucket: err = %v", err)
	}
	if _, err := c.TriggerWorkflow(bg, in, WithBucket("other-1300000000", "na-siliconvalley")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TriggerWorkflow(bg, in, WithBucket("Bad_Bucket-1", "na-siliconvalley")); !errors.As(err, &ve) || ve.Field != "bucket" {
		t.Fatalf("bad bucket: err = %v", err)
	}
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].Host != "other-1300000000.ci.na-siliconvalley.myqcloud.com" || !reqs[0].SigOK {
		t.Fatalf("requests = %+v", reqs)
	}
}

// TestEndpointOverrideCustomTransport covers an http.Client whose
// Transport is not an *http.Transport: the URL is rewritten per request,
// the Host header still names the bucket.
func TestEndpointOverrideCustomTransport(t *testing.T) {
	f := newFakeCI(t, xmlReply(200, triggerOK))
	var urls []string
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		urls = append(urls, r.URL.String())
		return http.DefaultTransport.RoundTrip(r)
	})
	c := f.client(t, func(o *Options) { o.HTTPClient = &http.Client{Transport: rt} })
	if _, err := c.TriggerWorkflow(bg, &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a"}); err != nil {
		t.Fatal(err)
	}
	if r := f.requests()[0]; r.Host != testHost || !r.SigOK {
		t.Errorf("host %q sigOK %v", r.Host, r.SigOK)
	}
	if len(urls) != 1 || !strings.HasPrefix(urls[0], f.srv.URL+"/triggerworkflow?") {
		t.Errorf("urls = %v", urls)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestStackOrder(t *testing.T) {
	c, err := New(Options{Region: testRegion, Bucket: testBucket, Credentials: StaticCredentials{SecretID: "a", SecretKey: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	p := c.newPipeline("TriggerWorkflow")
	got := p.stack.List()
	want := []string{"TriggerWorkflow",
		"Initialize stack step", StepValidate,
		"Serialize stack step", StepSerialize,
		"Build stack step",
		"Finalize stack step", StepRetry, StepSign,
		"Deserialize stack step", StepDeserialize}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stack = %q\nwant %q", got, want)
	}
}

// TestStackRunOrder checks the order the steps actually run in, and that
// Sign runs once per attempt (inside Retry), with a probe before each step.
func TestStackRunOrder(t *testing.T) {
	f := newFakeCI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.WriteHeader(503)
			return
		}
		xmlReply(200, triggerOK)(n, w, r)
	})
	c := f.client(t)
	p := c.newPipeline("TriggerWorkflow")
	var trace []string
	probe := func(id string) {
		trace = append(trace, id)
	}
	st := p.stack
	st.Initialize.Insert(middleware.InitializeMiddlewareFunc("probe"+StepValidate, func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		probe(StepValidate)
		return next.HandleInitialize(ctx, in)
	}), StepValidate, middleware.Before)
	st.Serialize.Insert(middleware.SerializeMiddlewareFunc("probe"+StepSerialize, func(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
		probe(StepSerialize)
		return next.HandleSerialize(ctx, in)
	}), StepSerialize, middleware.Before)
	st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("probe"+StepRetry, func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		probe(StepRetry)
		return next.HandleFinalize(ctx, in)
	}), StepRetry, middleware.Before)
	st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("probe"+StepSign, func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		probe(StepSign)
		return next.HandleFinalize(ctx, in)
	}), StepSign, middleware.Before)
	st.Deserialize.Insert(middleware.DeserializeMiddlewareFunc("probe"+StepDeserialize, func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
		probe(StepDeserialize)
		return next.HandleDeserialize(ctx, in)
	}), StepDeserialize, middleware.Before)
	cl := &call{op: &c.ops[opTriggerWorkflow], bucket: testBucket, region: testRegion, host: testHost,
		input: &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a"}, out: &TriggerWorkflowOutput{}}
	if err := c.run(bg, p, cl); err != nil {
		t.Fatal(err)
	}
	want := []string{StepValidate, StepSerialize, StepRetry, StepSign, StepDeserialize, StepSign, StepDeserialize}
	if !reflect.DeepEqual(trace, want) {
		t.Fatalf("ran %v\nwant %v", trace, want)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].Header.Get("Authorization") == "" || !reqs[1].SigOK {
		t.Fatalf("requests = %+v", reqs)
	}
}

func TestDebugLogHasNoSecrets(t *testing.T) {
	f := newFakeCI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.WriteHeader(500)
			return
		}
		xmlReply(200, triggerOK)(n, w, r)
	})
	var buf bytes.Buffer
	c := f.client(t, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.Credentials = StaticCredentials{SecretID: testSecretID, SecretKey: testSecret, SessionToken: "sessiontok"}
	})
	if _, err := c.TriggerWorkflow(bg, &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a"}); err != nil {
		t.Fatal(err)
	}
	log := buf.String()
	if n := strings.Count(log, "ci attempt"); n != 2 {
		t.Errorf("%d attempt lines, want 2:\n%s", n, log)
	}
	for _, want := range []string{"op=TriggerWorkflow", "attempt=2", "status=200", "ciRequestId=req-2", "durationMs="} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	for _, secret := range []string{testSecretID, testSecret, "sessiontok", "q-signature", "Authorization"} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains %q", secret)
		}
	}
}

func TestNoEndpointUsesHTTPSVirtualHost(t *testing.T) {
	var got *http.Request
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r
		return &http.Response{StatusCode: 200, Header: http.Header{"X-Ci-Request-Id": {"rid"}},
			Body: io.NopCloser(strings.NewReader(triggerOK)), Request: r}, nil
	})
	c, err := New(Options{Region: testRegion, Bucket: testBucket, HTTPClient: &http.Client{Transport: rt},
		Credentials: StaticCredentials{SecretID: testSecretID, SecretKey: testSecret}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.TriggerWorkflow(bg, &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a b"})
	if err != nil {
		t.Fatal(err)
	}
	want := "https://" + testHost + "/triggerworkflow?workflowId=" + testWorkflow + "&object=a%20b"
	if got.URL.String() != want || out.Meta.RequestID != "rid" {
		t.Errorf("url %s, want %s", got.URL, want)
	}
}

// TestConcurrentCalls shares one Client between goroutines: pooled stacks
// must never run two calls at once (run with -race).
func TestConcurrentCalls(t *testing.T) {
	var mu sync.Mutex
	failed := map[string]bool{}
	f := newFakeCI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !failed[r.URL.RawQuery]
		failed[r.URL.RawQuery] = true
		mu.Unlock()
		if first && n%3 == 0 { // some calls retry too
			w.WriteHeader(503)
			return
		}
		xmlReply(200, triggerOK)(n, w, r)
	})
	c := f.client(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				in := &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: fmt.Sprintf("g%d/%d.jpg", g, i)}
				if _, err := c.TriggerWorkflow(bg, in); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	objects := map[string]bool{}
	for _, r := range f.requests() {
		if !r.SigOK {
			t.Fatalf("bad signature on %s", r.RawQuery)
		}
		objects[r.RawQuery] = true
	}
	if len(objects) != 8*15 {
		t.Errorf("%d distinct requests, want %d", len(objects), 8*15)
	}
}
