package ciemu

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/cosclient/cossign"
)

func triggerCall(obj string) testCall {
	return testCall{method: "POST", target: "/triggerworkflow?workflowId=" + testWF + "&object=" + obj}
}

func TestInjectedErrors(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		status int
		code   string
		kind   FaultKind
	}{
		{"default error", Faults{ErrorRate: 1}, 503, "ServiceUnavailable", FaultError},
		{"500", Faults{ErrorRate: 1, ErrorStatus: 500}, 500, "InternalError", FaultError},
		{"custom code", Faults{ErrorRate: 1, ErrorStatus: 400, ErrorCode: "CIRoleNotExist"}, 400, "CIRoleNotExist", FaultError},
		{"throttle", Faults{ThrottleRate: 1}, 503, "SlowDown", FaultThrottle},
		{"throttle 429", Faults{ThrottleRate: 1, ThrottleStatus: 429}, 429, "SlowDown", FaultThrottle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, srv := newTestServer(t, Options{Faults: tt.faults})
			wantError(t, triggerCall("a").do(t, srv), tt.status, tt.code)
			if n := e.TotalTriggers(); n != 0 {
				t.Errorf("a faulted trigger was counted (%d)", n)
			}
			calls := e.Calls()
			if len(calls) != 1 || calls[0].Fault != tt.kind || calls[0].Status != tt.status || calls[0].Code != tt.code {
				t.Errorf("call log %+v", calls)
			}
			// Faults come before authentication: an unsigned call gets them too.
			wantError(t, testCall{method: "GET", target: "/inventorytriggerjob", noAuth: true}.do(t, srv), tt.status, tt.code)
			e.SetFaults(Faults{})
			if a := triggerCall("a").do(t, srv); a.status != 200 {
				t.Errorf("after SetFaults(Faults{}): %d %s", a.status, a.body)
			}
		})
	}
}

func TestInjectedReset(t *testing.T) {
	e, srv := newTestServer(t, Options{Faults: Faults{ResetRate: 1}})
	req, err := http.NewRequest("POST", srv.URL+"/triggerworkflow?workflowId="+testWF+"&object=a", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = testHost
	req.Header.Set("Authorization", cossign.Authorization(req, DefaultSecretID, DefaultSecretKey, cossign.NewWindow(time.Now(), time.Minute, time.Minute)))
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer %d, want a reset", resp.StatusCode)
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("err = %v, want ECONNRESET", err)
	}
	calls := e.Calls()
	if len(calls) != 1 || calls[0].Fault != FaultReset || calls[0].Status != 0 {
		t.Errorf("call log %+v", calls)
	}
	if e.TotalTriggers() != 0 {
		t.Error("a reset trigger was counted: resets must happen before processing")
	}
}

func TestResetWithoutHijackDegradesToError(t *testing.T) {
	e := New(Options{Faults: Faults{ResetRate: 1}})
	rec := httptest.NewRecorder() // cannot be hijacked
	e.ServeHTTP(rec, httptest.NewRequest("GET", "http://"+testHost+"/inventorytriggerjob", nil))
	if rec.Code != 503 {
		t.Errorf("status %d, want 503", rec.Code)
	}
}

func TestInjectedLatency(t *testing.T) {
	e, srv := newTestServer(t, Options{Faults: Faults{Latency: time.Millisecond}})
	if a := triggerCall("a").do(t, srv); a.status != 200 {
		t.Fatalf("status %d", a.status)
	}
	if c := e.Calls(); len(c) != 1 || c[0].Latency != time.Millisecond || c[0].Fault != FaultNone {
		t.Errorf("call log %+v", c)
	}
}

// TestLatencyHonoursContext: a client that gives up ends the sleep; the
// handler must not hold the request for the configured hour.
func TestLatencyHonoursContext(t *testing.T) {
	e, srv := newTestServer(t, Options{Faults: Faults{Latency: time.Hour}})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/inventorytriggerjob", nil)
	done := make(chan error, 1)
	go func() {
		resp, err := srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	waitFor(t, func() bool { return e.inFlight.Load() == 1 })
	cancel()
	if err := <-done; err == nil {
		t.Fatal("request succeeded despite an hour of latency")
	}
	waitFor(t, func() bool { c := e.Calls(); return len(c) == 1 && c[0].Fault == FaultCancelled })
}

func TestMaxInFlight(t *testing.T) {
	const n = 5
	e, srv := newTestServer(t, Options{Faults: Faults{Latency: time.Hour}})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/inventorytriggerjob", nil)
			if resp, err := srv.Client().Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	waitFor(t, func() bool { return e.inFlight.Load() == n })
	cancel()
	wg.Wait()
	waitFor(t, func() bool { return e.inFlight.Load() == 0 })
	if got := e.MaxInFlight(); got != n {
		t.Errorf("MaxInFlight = %d, want %d", got, n)
	}
	e.Reset()
	e.SetFaults(Faults{})
	triggerCall("a").do(t, srv)
	if got := e.MaxInFlight(); got != 1 {
		t.Errorf("after Reset and one call, MaxInFlight = %d, want 1", got)
	}
}

// TestSeededFaultsAreReproducible: the same seed gives the same fault
// sequence, and the observed rate is near the configured one.
func TestSeededFaultsAreReproducible(t *testing.T) {
	run := func(seed uint64) []int {
		e := New(Options{Seed: seed, Faults: Faults{ErrorRate: 0.3}})
		var statuses []int
		for i := 0; i < 200; i++ {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "http://"+testHost+"/inventorytriggerjob", nil)
			req.Header.Set("Authorization", cossign.Authorization(req, DefaultSecretID, DefaultSecretKey, cossign.NewWindow(time.Now(), time.Minute, time.Minute)))
			e.ServeHTTP(rec, req)
			statuses = append(statuses, rec.Code)
		}
		return statuses
	}
	a, b := run(7), run(7)
	errs := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d: %d vs %d with the same seed", i, a[i], b[i])
		}
		if a[i] == 503 {
			errs++
		} else if a[i] != 200 {
			t.Fatalf("call %d: status %d", i, a[i])
		}
	}
	if errs < 40 || errs > 80 {
		t.Errorf("%d/200 errors at rate 0.3", errs)
	}
}

// waitFor polls cond for up to 10 s: a bound on a wait, not a timed
// assertion.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestLostAnswersOnTheWire: a state-changing call whose answer is lost
// took effect all the same, whichever way the answer was lost; the cut
// 200 carries half the body and none of the operation's own headers.
func TestLostAnswersOnTheWire(t *testing.T) {
	e, srv := newTestServer(t, Options{Seed: 5, Faults: Faults{LostAnswerRate: 1}})
	seen := map[FaultKind]bool{}
	for i := 0; len(seen) < 3; i++ {
		if i == 50 {
			t.Fatalf("50 calls drew only %v", seen)
		}
		key := fmt.Sprintf("k%d", i)
		a, err := putCall(key, "body").send(t, srv, nil)
		kind := e.Calls()[i].Fault
		seen[kind] = true
		switch kind {
		case FaultLostReset:
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("%s: reset answered %+v, %v", key, a, err)
			}
		case FaultLostError:
			if err != nil || a.status != 500 || a.errorBody(t).Code != "InternalError" {
				t.Errorf("%s: lost error answered %+v, %v", key, a, err)
			}
		case FaultLostBody:
			if err != nil || a.status != 200 || a.header.Get("ETag") != "" || a.header.Get("x-cos-hash-crc64ecma") != "" {
				t.Errorf("%s: cut answer %+v, %v", key, a, err)
			}
		default:
			t.Fatalf("%s: fault %q", key, kind)
		}
	}
	if n := len(e.Objects(testBucket)); n != len(e.Calls()) {
		t.Errorf("%d objects stored by %d PUTs that all ran", n, len(e.Calls()))
	}

	// The cut body of a trigger is half its XML: it does not parse.
	e.Reset()
	for i := 0; ; i++ {
		if i == 50 {
			t.Fatal("50 triggers drew no cut answer")
		}
		a, err := triggerCall(fmt.Sprint("t", i)).send(t, srv, nil)
		if e.Calls()[i].Fault != FaultLostBody {
			continue
		}
		if err != nil || a.status != 200 || !strings.HasPrefix(string(a.body), "<Response><InstanceId>i") {
			t.Errorf("cut trigger answer %+v, %v", a, err)
		}
		var out cosclient.TriggerWorkflowOutput
		if xml.Unmarshal(a.body, &out) == nil {
			t.Errorf("cut body %q parses", a.body)
		}
		break
	}
}
