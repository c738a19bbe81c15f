package cosclient

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cosflow/cosflow/cosclient/cossign"
)

// listJobs is an idempotent call: the retry tests' subject wherever
// TriggerWorkflow (or a cancel) would not be retried.
func listJobs(c *Client, optFns ...func(*Options)) (*DescribeInventoryTriggerJobsOutput, error) {
	return c.DescribeInventoryTriggerJobs(bg, &DescribeInventoryTriggerJobsInput{}, optFns...)
}

func TestRetriesThenSucceeds(t *testing.T) {
	tests := []struct {
		name   string
		fail   answer
		pacing PacingOptions
		cost   int // of each retry, from the budget
	}{
		{"503", errorAnswer(503, "ServiceUnavailable"), PacingOptions{}, retryCost},
		{"500 empty body", xmlAnswer(500, ""), PacingOptions{}, retryCost},
		{"429", xmlAnswer(429, ""), PacingOptions{}, throttleCost},
		{"SlowDown code", errorAnswer(400, "SlowDown"), PacingOptions{}, throttleCost},
		{"429, pacing disabled", xmlAnswer(429, ""), PacingOptions{Disabled: true}, retryCost},
		{"connection closed", hangUp, PacingOptions{}, retryCostNoResp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, failThen(2, tt.fail, okTrigger))
			c := f.client(t, func(o *Options) { o.Pacing = tt.pacing })
			out, err := listJobs(c)
			if err != nil {
				t.Fatal(err)
			}
			attempts, _ := GetAttemptsMetadata(out.ResultMetadata)
			id, _ := GetRequestIDMetadata(out.ResultMetadata)
			if attempts != 3 || id != "req-3" {
				t.Errorf("attempts %d, request ID %q", attempts, id)
			}
			reqs := f.requests()
			if len(reqs) != 3 {
				t.Fatalf("%d requests", len(reqs))
			}
			for i, r := range reqs {
				if !r.SigOK {
					t.Errorf("attempt %d not validly signed", i+1)
				}
			}
			if got, want := c.budget.available(), min(DefaultRetryBudget-2*tt.cost+successRefund, DefaultRetryBudget); got != want {
				t.Errorf("budget = %d, want %d", got, want)
			}
		})
	}
}

// TestRetryResendsBody: a retried call sends its whole body again (the
// stream is rewound), signed afresh.
func TestRetryResendsBody(t *testing.T) {
	f := newFakeCI(t, failThen(1, errorAnswer(503, "SlowDown"), xmlAnswer(200, `<Response><JobsDetail><JobId>b1</JobId></JobsDetail></Response>`)))
	in := &CreateInventoryTriggerJobInput{Name: "n", Input: JobInput{Prefix: ptr("p/")}, Operation: JobOperation{WorkflowIDs: testWorkflow}}
	if _, err := f.client(t).CreateInventoryTriggerJob(bg, in); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].Body == "" || reqs[0].Body != reqs[1].Body ||
		reqs[1].Header.Get("Content-Length") != reqs[0].Header.Get("Content-Length") || !reqs[1].SigOK {
		t.Fatalf("requests %+v", reqs)
	}
}

// TestRetryAttemptsStartFresh: every attempt starts from the request as
// Build left it, so a caller's step inside the retry loop that adds a
// header adds it once to each attempt, not once more on every retry.
func TestRetryAttemptsStartFresh(t *testing.T) {
	f := newFakeCI(t, failThen(2, errorAnswer(503, "ServiceUnavailable"), okTrigger))
	addProbe := func(s *middleware.Stack) error {
		return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("probe", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			in.Request.(*smithyhttp.Request).Header.Add("X-Probe", "1")
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
	}
	if _, err := listJobs(f.client(t), func(o *Options) { o.APIOptions = append(o.APIOptions, addProbe) }); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, r := range reqs {
		if got := r.Header.Values("X-Probe"); len(got) != 1 || !r.SigOK {
			t.Errorf("attempt %d: X-Probe %q, signature valid %v", i+1, got, r.SigOK)
		}
	}
}

func TestMaxAttempts(t *testing.T) {
	tests := []struct {
		name   string
		client func(*Options)
		call   []func(*Options)
		want   int
	}{
		{"default", nil, nil, DefaultMaxAttempts},
		{"client's", func(o *Options) { o.Retry.MaxAttempts = 3 }, nil, 3},
		{"one call's", func(o *Options) { o.Retry.MaxAttempts = 3 }, []func(*Options){func(o *Options) { o.Retry.MaxAttempts = 1 }}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, always(xmlAnswer(503, "")))
			mod := func(*Options) {}
			if tt.client != nil {
				mod = tt.client
			}
			_, err := listJobs(f.client(t, mod), tt.call...)
			if ErrorAttempts(err) != tt.want || len(f.requests()) != tt.want || Classify(err) != RetryNow || ErrorStatus(err) != 503 {
				t.Fatalf("err = %v after %d attempts, %d requests; want %d", err, ErrorAttempts(err), len(f.requests()), tt.want)
			}
		})
	}
	// A call's options are checked as the client's are.
	f := newFakeCI(t, always(okTrigger))
	_, err := listJobs(f.client(t), func(o *Options) { o.Retry.Budget = -1 })
	if err == nil || !strings.Contains(err.Error(), "option Retry.Budget") || len(f.requests()) != 0 {
		t.Errorf("bad call option: err = %v, %d requests", err, len(f.requests()))
	}
}

func TestRetryBudgetExhausted(t *testing.T) {
	f := newFakeCI(t, failThen(4, xmlAnswer(503, ""), okTrigger))
	c := f.client(t, func(o *Options) {
		o.Retry.MaxAttempts = 10
		o.Retry.Budget = 2 * retryCost // two retries' worth
	})
	_, err := listJobs(c)
	if !errors.Is(err, ErrRetryBudgetExhausted) || ErrorStatus(err) != 503 || ErrorAttempts(err) != 3 || Classify(err) != RetryLater {
		t.Fatalf("err = %v after %d attempts, want ErrRetryBudgetExhausted after 3", err, ErrorAttempts(err))
	}
	// The budget is the Client's: the next call gets no retry at all.
	_, err = listJobs(c)
	if !errors.Is(err, ErrRetryBudgetExhausted) || ErrorAttempts(err) != 1 {
		t.Errorf("second call: %v after %d attempts", err, ErrorAttempts(err))
	}
	if n := len(f.requests()); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
	// A success refunds, up to the capacity.
	c.budget.refund(2*retryCost - 1)
	if _, err := listJobs(c); err != nil || c.budget.available() != 2*retryCost {
		t.Errorf("after a success: %v, budget %d", err, c.budget.available())
	}
	if _, err := listJobs(c); err != nil || c.budget.available() != 2*retryCost {
		t.Errorf("budget %d beyond its capacity", c.budget.available())
	}
}

// TestRetryNeverSleepsPastDeadline: when the backoff would end past the
// caller's deadline, the call returns the last answer at once (a test
// that failed would sleep for an hour).
func TestRetryNeverSleepsPastDeadline(t *testing.T) {
	f := newFakeCI(t, always(errorAnswer(503, "ServiceUnavailable")))
	c := f.client(t, func(o *Options) {
		o.Retry = RetryOptions{MaxAttempts: 5, BaseDelay: time.Hour, MaxDelay: time.Hour}
	})
	c.jitter = func(d time.Duration) time.Duration { return d } // the longest backoff
	ctx, cancel := context.WithTimeout(bg, time.Minute)
	defer cancel()
	_, err := c.CancelInventoryTriggerJob(ctx, &CancelInventoryTriggerJobInput{JobID: testJobID})
	if ErrorStatus(err) != 503 || errors.Is(err, context.DeadlineExceeded) || ErrorAttempts(err) != 1 {
		t.Fatalf("err = %v, want the 503 at once", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if got := c.budget.available(); got != DefaultRetryBudget {
		t.Errorf("budget %d: a retry that never happened was charged", got)
	}
}

// TestRetryStopsWhenContextEnds: a caller that gives up, while an attempt
// is in flight or during the backoff after it, gets the last answer and
// no further attempt (a test that failed would sleep for an hour).
func TestRetryStopsWhenContextEnds(t *testing.T) {
	tests := []struct {
		name string
		// cancelAt returns the fake's answer and the logger that sees each
		// attempt, given the call's cancel.
		cancelAt func(cancel context.CancelFunc) (answer, *slog.Logger)
	}{
		{"while the attempt is in flight", func(cancel context.CancelFunc) (answer, *slog.Logger) {
			return func(w http.ResponseWriter, r *http.Request) {
				cancel()
				errorAnswer(503, "ServiceUnavailable")(w, r)
			}, nil
		}},
		{"during the backoff", func(cancel context.CancelFunc) (answer, *slog.Logger) {
			// The attempt line is logged between the answer and the sleep.
			return errorAnswer(503, "ServiceUnavailable"), slog.New(cancelHandler{cancel})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(bg)
			defer cancel()
			a, logger := tt.cancelAt(cancel)
			f := newFakeCI(t, always(a))
			c := f.client(t, func(o *Options) {
				o.Retry = RetryOptions{MaxAttempts: 5, BaseDelay: time.Hour, MaxDelay: time.Hour}
				o.Logger = logger
			})
			c.jitter = func(d time.Duration) time.Duration { return d }
			_, err := c.CancelInventoryTriggerJob(ctx, &CancelInventoryTriggerJobInput{JobID: testJobID})
			if err == nil || ErrorAttempts(err) != 1 || len(f.requests()) != 1 {
				t.Fatalf("err = %v after %d attempts, %d requests; want one", err, ErrorAttempts(err), len(f.requests()))
			}
		})
	}
}

// cancelHandler is a debug slog.Handler that cancels a context at the
// first line it sees.
type cancelHandler struct{ cancel context.CancelFunc }

func (h cancelHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h cancelHandler) Handle(context.Context, slog.Record) error {
	h.cancel()
	return nil
}
func (h cancelHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h cancelHandler) WithGroup(string) slog.Handler      { return h }

// skewedServer answers RequestTimeTooSkewed, with its own Date, to every
// request not signed for its clock, two hours ahead of ours.
func skewedServer(n int, w http.ResponseWriter, r *http.Request) {
	serverNow := time.Now().Add(2 * time.Hour).UTC()
	a, err := cossign.Parse(r.Header.Get("Authorization"))
	if err != nil || !a.SignTime.Contains(serverNow) {
		w.Header().Set("Date", serverNow.Format(http.TimeFormat))
		errorAnswer(403, "RequestTimeTooSkewed")(w, r)
		return
	}
	okTrigger(w, r)
}

// TestClockSkewRetriedOnceResigned: a RequestTimeTooSkewed answer corrects
// the signing clock from its Date and the call is re-signed and retried
// at once (the backoff is an hour), even TriggerWorkflow.
func TestClockSkewRetriedOnceResigned(t *testing.T) {
	f := newFakeCI(t, skewedServer)
	c := f.client(t, func(o *Options) { o.Retry = RetryOptions{BaseDelay: time.Hour, MaxDelay: time.Hour} })
	c.jitter = func(d time.Duration) time.Duration { return d }
	out, err := c.TriggerWorkflow(bg, trigger)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := GetAttemptsMetadata(out.ResultMetadata); n != 2 {
		t.Errorf("attempts = %d, want 2", n)
	}
	reqs := f.requests()
	if reqs[0].Auth.SignTime == reqs[1].Auth.SignTime || !reqs[1].SigOK {
		t.Errorf("the retry was not signed afresh: %v then %v", reqs[0].Auth.SignTime, reqs[1].Auth.SignTime)
	}
	// With the clock corrected the next call passes at once.
	out, err = c.TriggerWorkflow(bg, trigger)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := GetAttemptsMetadata(out.ResultMetadata); n != 1 {
		t.Errorf("second call: %d attempts", n)
	}
}

func TestClockSkewRetriedOnlyOnce(t *testing.T) {
	f := newFakeCI(t, always(errorAnswer(403, "RequestTimeTooSkewed")))
	_, err := f.client(t).TriggerWorkflow(bg, trigger)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "RequestTimeTooSkewed" || ErrorAttempts(err) != 2 || len(f.requests()) != 2 {
		t.Fatalf("err = %v after %d attempts, %d requests; want 2", err, ErrorAttempts(err), len(f.requests()))
	}
}

func TestBackoffCapped(t *testing.T) {
	c := &Client{jitter: func(d time.Duration) time.Duration { return d }}
	r := RetryOptions{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for attempt, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond,
		5: time.Second, 31: time.Second, 80: time.Second} {
		if got := c.backoff(r, attempt); got != want {
			t.Errorf("backoff(%d) = %v, want %v", attempt, got, want)
		}
	}
	for range 100 {
		if d := fullJitter(time.Second); d < 0 || d > time.Second {
			t.Fatalf("jitter %v out of [0, 1s]", d)
		}
	}
	if d := fullJitter(0); d != 0 {
		t.Errorf("fullJitter(0) = %v", d)
	}
}

// TestRedirectIsAnError: a 3xx is reported, never followed (following
// would send the call again, maybe elsewhere).
func TestRedirectIsAnError(t *testing.T) {
	var elsewhere []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere = append(elsewhere, r.Method+" "+r.URL.String())
		okTrigger(w, r)
	}))
	defer other.Close()
	tests := []struct {
		name string
		hc   *http.Client
	}{
		{"default client", nil},
		{"caller's client", &http.Client{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			elsewhere = nil
			f := newFakeCI(t, always(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", other.URL+"/elsewhere")
				errorAnswer(http.StatusTemporaryRedirect, "TemporaryRedirect")(w, r)
			}))
			_, err := f.client(t, func(o *Options) { o.HTTPClient = tt.hc }).TriggerWorkflow(bg, trigger)
			var ae *APIError
			if ErrorStatus(err) != 307 || !errors.As(err, &ae) || ae.Code != "TemporaryRedirect" || Classify(err) != RetryNever {
				t.Fatalf("err = %v", err)
			}
			if n := len(f.requests()); n != 1 || len(elsewhere) != 0 {
				t.Errorf("%d requests, and %q elsewhere", n, elsewhere)
			}
		})
	}
}
