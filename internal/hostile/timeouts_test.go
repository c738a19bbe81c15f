package hostile_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/hostile"
)

// TestSilentServer: a server that never sends headers ends each attempt
// after ResponseHeaderTimeout with a *TimeoutError under a
// *ConnectionError sent whole: retried now (idempotent calls), ambiguous,
// so a call that changes state is not retried and may have taken effect.
func TestSilentServer(t *testing.T) {
	t.Parallel()
	for _, c := range calls {
		t.Run(c.op, func(t *testing.T) {
			t.Parallel()
			s := hostile.Start(t, hostile.Silent())
			err := c.call(bounded(t), newClient(t, s, quickHeaders))
			attempts := 2
			if changesState[c.op] {
				attempts = 1
			}
			checkTimeout(t, err, false)
			if cosclient.Classify(err) != cosclient.RetryNow || !cosclient.Ambiguous(err) || cosclient.Accepted(err) ||
				cosclient.MayHaveTakenEffect(err) != changesState[c.op] {
				t.Errorf("Classify %v, Ambiguous %v, Accepted %v, MayHaveTakenEffect %v",
					cosclient.Classify(err), cosclient.Ambiguous(err), cosclient.Accepted(err), cosclient.MayHaveTakenEffect(err))
			}
			if cosclient.ErrorAttempts(err) != attempts || s.Requests() != attempts {
				t.Errorf("%d attempts, %d requests, want %d", cosclient.ErrorAttempts(err), s.Requests(), attempts)
			}
		})
	}
}

// checkTimeout checks err is the client's own timeout, on the headers or
// on the body, and not the caller's context.
func checkTimeout(t *testing.T, err error, body bool) {
	t.Helper()
	var te *cosclient.TimeoutError
	var ce *cosclient.ConnectionError
	if !errors.As(err, &te) || te.Body != body || te.After != stallAfter || !errors.As(err, &ce) || !ce.Sent {
		t.Fatalf("err = %v, want a *TimeoutError (body %v) under a *ConnectionError", err, body)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		t.Errorf("err = %v reads as the caller's context ending", err)
	}
}

// TestStalledBody: an answer whose body stops coming ends after
// IdleBodyTimeout: under a 2xx it is Accepted (the call took effect) and
// final; under a 500 it is retried as any broken answer.
func TestStalledBody(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		status   int
		class    cosclient.Retry
		attempts int
	}{{200, cosclient.RetryNever, 1}, {500, cosclient.RetryNow, 2}} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			s := hostile.Start(t, hostile.Stall(tt.status, "<Response><RequestId>r</RequestId></Response>", 12))
			_, err := newClient(t, s, quickBody).ListObjects(bounded(t), nil)
			checkTimeout(t, err, true)
			if cosclient.Classify(err) != tt.class || cosclient.Accepted(err) != (tt.status == 200) || !cosclient.Ambiguous(err) ||
				cosclient.ErrorAttempts(err) != tt.attempts || cosclient.ErrorStatus(err) != tt.status {
				t.Errorf("Classify %v, Accepted %v, %d attempts, status %d", cosclient.Classify(err), cosclient.Accepted(err),
					cosclient.ErrorAttempts(err), cosclient.ErrorStatus(err))
			}
		})
	}
}

// TestTrickledBody: a body trickled slower than IdleBodyTimeout ends with
// the client's timeout; one trickled faster is bounded by the caller's
// context alone, and ends with it.
func TestTrickledBody(t *testing.T) {
	t.Parallel()
	body := "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"
	t.Run("slower than the idle timeout", func(t *testing.T) {
		t.Parallel()
		s := hostile.Start(t, hostile.Trickle(200, body, 3*stallAfter))
		_, err := newClient(t, s, quickBody).ListObjects(bounded(t), nil)
		checkTimeout(t, err, true)
	})
	t.Run("faster, bounded by the caller", func(t *testing.T) {
		t.Parallel()
		// A byte every 50 ms against a 5 s idle timeout: a margin no
		// load on a shared machine closes; the body takes seconds whole.
		s := hostile.Start(t, hostile.Trickle(200, body, stallAfter/4))
		ctx, cancel := context.WithTimeout(bounded(t), 3*stallAfter)
		defer cancel()
		_, err := newClient(t, s, nil).ListObjects(ctx, nil)
		if !errors.Is(err, context.DeadlineExceeded) || cosclient.Classify(err) != cosclient.RetryLater {
			t.Fatalf("err = %v (%v), want the caller's deadline", err, cosclient.Classify(err))
		}
	})
}

// TestTimeoutOptions: zero takes the defaults, a negative value is
// refused, and a call can set its own.
func TestTimeoutOptions(t *testing.T) {
	t.Parallel()
	s := hostile.Start(t, hostile.Silent())
	o := newClient(t, s, func(o *cosclient.Options) { o.ResponseHeaderTimeout, o.IdleBodyTimeout = 0, 0 }).Options()
	if o.ResponseHeaderTimeout != cosclient.DefaultResponseHeaderTimeout || o.IdleBodyTimeout != cosclient.DefaultIdleBodyTimeout {
		t.Errorf("defaults: %v, %v", o.ResponseHeaderTimeout, o.IdleBodyTimeout)
	}
	for _, edit := range []func(*cosclient.Options){
		func(o *cosclient.Options) { o.ResponseHeaderTimeout = -time.Second },
		func(o *cosclient.Options) { o.IdleBodyTimeout = -time.Second },
	} {
		o := cosclient.Options{Credentials: cosclient.StaticCredentials{SecretID: "id", SecretKey: "key"}}
		edit(&o)
		if _, err := cosclient.New(o); err == nil {
			t.Errorf("New(%+v) took a negative timeout", o)
		}
	}
	_, err := newClient(t, s, nil).ListObjects(bounded(t), nil, func(o *cosclient.Options) { o.ResponseHeaderTimeout = stallAfter })
	checkTimeout(t, err, false)
}
