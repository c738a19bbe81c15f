package cosclient

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// TestStackOrder: every call's stack has the documented steps, in order.
func TestStackOrder(t *testing.T) {
	var got [][]string
	f := newFakeCI(t, always(xmlAnswer(http.StatusOK, "")))
	c := f.client(t, func(o *Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			got = append(got, s.List())
			return nil
		})
	})
	for _, in := range []interface{ Validate() error }{validTrigger(), &ListObjectsInput{}} {
		_ = send(c, in)
	}
	steps := func(op string) []string {
		return []string{op,
			"Initialize stack step", IDValidation,
			"Serialize stack step", IDResolveEndpoint, IDSerializer,
			"Build stack step", IDContentLength,
			"Finalize stack step", IDRetry, IDSigning,
			"Deserialize stack step", IDErrorWrapper, IDDeserializer}
	}
	want := [][]string{steps("TriggerWorkflow"), steps("ListObjects")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stacks = %q\nwant %q", got, want)
	}
}

// probe returns an APIOptions function that inserts, before the
// middleware id of step, one that records id in trace when it runs.
func probe(trace *[]string, step, id string) func(*middleware.Stack) error {
	record := func() { *trace = append(*trace, id) }
	pid := "probe" + id
	return func(s *middleware.Stack) error {
		switch step {
		case "Initialize":
			return s.Initialize.Insert(middleware.InitializeMiddlewareFunc(pid, passOn(record, middleware.InitializeHandler.HandleInitialize)), id, middleware.Before)
		case "Serialize":
			return s.Serialize.Insert(middleware.SerializeMiddlewareFunc(pid, passOn(record, middleware.SerializeHandler.HandleSerialize)), id, middleware.Before)
		case "Build":
			return s.Build.Insert(middleware.BuildMiddlewareFunc(pid, passOn(record, middleware.BuildHandler.HandleBuild)), id, middleware.Before)
		case "Finalize":
			return s.Finalize.Insert(middleware.FinalizeMiddlewareFunc(pid, passOn(record, middleware.FinalizeHandler.HandleFinalize)), id, middleware.Before)
		default:
			return s.Deserialize.Insert(middleware.DeserializeMiddlewareFunc(pid, passOn(record, middleware.DeserializeHandler.HandleDeserialize)), id, middleware.Before)
		}
	}
}

// passOn is a middleware function of any step that calls do and passes
// the call on to the next handler.
func passOn[In, Out, Next any](do func(), handle func(Next, context.Context, In) (Out, middleware.Metadata, error)) func(context.Context, In, Next) (Out, middleware.Metadata, error) {
	return func(ctx context.Context, in In, next Next) (Out, middleware.Metadata, error) {
		do()
		return handle(next, ctx, in)
	}
}

// TestStackRunOrder checks the order the steps run in, with a probe
// before each: Signing and the deserializers run once per attempt, inside
// Retry; the rest once per call.
func TestStackRunOrder(t *testing.T) {
	f := newFakeCI(t, failThen(1, xmlAnswer(http.StatusTooManyRequests, ""), okTrigger))
	var trace []string
	var probes []func(*middleware.Stack) error
	for _, p := range [][2]string{{"Initialize", IDValidation}, {"Serialize", IDResolveEndpoint}, {"Serialize", IDSerializer},
		{"Build", IDContentLength}, {"Finalize", IDRetry}, {"Finalize", IDSigning},
		{"Deserialize", IDErrorWrapper}, {"Deserialize", IDDeserializer}} {
		probes = append(probes, probe(&trace, p[0], p[1]))
	}
	c := f.client(t, func(o *Options) { o.APIOptions = probes })
	if _, err := c.TriggerWorkflow(bg, trigger); err != nil {
		t.Fatal(err)
	}
	attempt := []string{IDSigning, IDErrorWrapper, IDDeserializer}
	want := append([]string{IDValidation, IDResolveEndpoint, IDSerializer, IDContentLength, IDRetry}, append(attempt, attempt...)...)
	if !reflect.DeepEqual(trace, want) {
		t.Fatalf("ran %v\nwant %v", trace, want)
	}
	reqs := f.requests()
	if len(reqs) != 2 || !reqs[0].SigOK || !reqs[1].SigOK {
		t.Fatalf("requests = %+v", reqs)
	}
}

// TestAPIOptions: a caller's steps, of the client or of one call, run in
// every call; a header added at Build is sent and signed on every attempt.
func TestAPIOptions(t *testing.T) {
	f := newFakeCI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.WriteHeader(http.StatusTooManyRequests) // the first call is retried
			return
		}
		okTrigger(w, r)
	})
	var mu sync.Mutex
	var ops []string
	recordOp := func(s *middleware.Stack) error {
		op := s.ID()
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("RecordOperation", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			mu.Lock()
			ops = append(ops, op+" "+reflect.TypeOf(in.Parameters).Elem().Name())
			mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	}
	addHeader := func(s *middleware.Stack) error {
		return s.Build.Add(middleware.BuildMiddlewareFunc("TraceHeader", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				req.Header.Set("x-cos-meta-trace", "t-1")
			}
			return next.HandleBuild(ctx, in)
		}), middleware.After)
	}
	c := f.client(t, func(o *Options) { o.APIOptions = []func(*middleware.Stack) error{recordOp} })
	withHeader := func(o *Options) { o.APIOptions = append(o.APIOptions, addHeader) }
	for _, in := range []interface{ Validate() error }{validTrigger(), &ListObjectsInput{}, &DescribeWorkflowExecutionsInput{WorkflowID: testWorkflow}} {
		_ = send(c, in, withHeader)
	}
	_ = send(c, &CancelInventoryTriggerJobInput{JobID: testJobID}) // without the header
	wantOps := []string{"TriggerWorkflow TriggerWorkflowInput", "ListObjects ListObjectsInput",
		"DescribeWorkflowExecutions DescribeWorkflowExecutionsInput", "CancelInventoryTriggerJob CancelInventoryTriggerJobInput"}
	if !reflect.DeepEqual(ops, wantOps) {
		t.Errorf("recorded %q\nwant %q", ops, wantOps)
	}
	reqs := f.requests()
	if len(reqs) != 5 {
		t.Fatalf("%d requests, want 5", len(reqs))
	}
	for i, r := range reqs {
		withHeader := i < 4
		if got := r.Header.Get("x-cos-meta-trace"); (got == "t-1") != withHeader || !r.SigOK ||
			slices.Contains(r.Auth.HeaderList, "x-cos-meta-trace") != withHeader {
			t.Errorf("request %d: header %q, sigOK %v, signed %q", i+1, got, r.SigOK, r.Auth.HeaderList)
		}
	}

	// A step that fails to install fails the call, before sending.
	_, err := c.TriggerWorkflow(bg, trigger, func(o *Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Finalize.Insert(middleware.FinalizeMiddlewareFunc("x", nil), "NoSuchStep", middleware.After)
		})
	})
	if err == nil || !strings.Contains(err.Error(), "apply APIOptions") || len(f.requests()) != 5 {
		t.Errorf("err = %v", err)
	}
	// A step can end the call with its own error, which Classify leaves
	// for later.
	stop := errors.New("stopped by the caller's step")
	_, err = c.TriggerWorkflow(bg, trigger, func(o *Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("Stop", func(context.Context, middleware.InitializeInput, middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return middleware.InitializeOutput{}, middleware.Metadata{}, stop
			}), middleware.Before)
		})
	})
	if !errors.Is(err, stop) || Classify(err) != RetryLater || len(f.requests()) != 5 {
		t.Errorf("err = %v, Classify %v", err, Classify(err))
	}
}

// TestCallerStepsAndTheCall: a caller's step that hands on a context not
// derived from its own gets a clear error, not a panic, and one that
// swaps the input has the answer read against what was sent.
func TestCallerStepsAndTheCall(t *testing.T) {
	const swapped = "b0123456789abcdef0123456789abcdef"
	tests := []struct {
		name  string
		step  func(*middleware.Stack) error
		paths []string // of the requests sent
		check func(error) bool
	}{
		{"fresh context at Initialize", func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("Fresh", func(_ context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(context.Background(), in)
			}), middleware.Before)
		}, nil, func(err error) bool { return errors.Is(err, errNoCall) }},
		{"fresh context at Deserialize", func(s *middleware.Stack) error {
			return s.Deserialize.Add(middleware.DeserializeMiddlewareFunc("Fresh", func(_ context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				return next.HandleDeserialize(context.Background(), in)
			}), middleware.Before)
		}, []string{"/inventorytriggerjob/" + testJobID}, func(err error) bool { return errors.Is(err, errNoCall) }},
		{"input swapped at Initialize", func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("Swap", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				in.Parameters = &DescribeInventoryTriggerJobInput{JobID: swapped}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
		}, []string{"/inventorytriggerjob/" + swapped}, func(err error) bool {
			var nf *NotFoundError
			return errors.As(err, &nf) && nf.ID == swapped
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, always(xmlAnswer(http.StatusOK, "<Response/>"))) // no such job
			_, err := f.client(t).DescribeInventoryTriggerJob(bg, &DescribeInventoryTriggerJobInput{JobID: testJobID},
				func(o *Options) { o.APIOptions = append(o.APIOptions, tt.step) })
			var paths []string
			for _, r := range f.requests() {
				paths = append(paths, r.Path)
			}
			if !tt.check(err) || !slices.Equal(paths, tt.paths) {
				t.Errorf("err = %v after requests to %q, want %q", err, paths, tt.paths)
			}
		})
	}
}
