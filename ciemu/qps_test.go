package ciemu

import (
	"net/http"
	"testing"
	"time"
)

// TestQPSLimit: each operation has a bucket of QPSBurst calls refilled at
// QPS a second on the emulator's clock; a call that finds it empty is
// throttled before processing, as ThrottleRate's are.
func TestQPSLimit(t *testing.T) {
	clock := newFakeClock()
	e, srv := newTestServer(t, Options{Now: clock.Now, Faults: Faults{QPS: 2, QPSBurst: 3, ThrottleStatus: http.StatusTooManyRequests}})
	trigger := func(obj string) testAnswer { return triggerCall(obj).at(clock.Now()).do(t, srv) }
	list := testCall{method: "GET", target: "/inventorytriggerjob"}

	for i, obj := range []string{"a", "b", "c"} { // the burst
		if a := trigger(obj); a.status != http.StatusOK {
			t.Fatalf("call %d of the burst: %d %s", i+1, a.status, a.body)
		}
	}
	wantError(t, trigger("d"), http.StatusTooManyRequests, "SlowDown")
	if a := list.at(clock.Now()).do(t, srv); a.status != http.StatusOK {
		t.Errorf("another operation, its bucket full: %d %s", a.status, a.body)
	}
	clock.Advance(499 * time.Millisecond) // 0.998 of a call
	wantError(t, trigger("d"), http.StatusTooManyRequests, "SlowDown")
	clock.Advance(time.Millisecond)
	if a := trigger("d"); a.status != http.StatusOK {
		t.Errorf("after half a second at 2 QPS: %d %s", a.status, a.body)
	}
	wantError(t, trigger("e"), http.StatusTooManyRequests, "SlowDown")
	clock.Advance(time.Hour) // refilled up to the burst, not beyond
	for i, obj := range []string{"e", "f", "g"} {
		if a := trigger(obj); a.status != http.StatusOK {
			t.Fatalf("call %d after an hour: %d %s", i+1, a.status, a.body)
		}
	}
	wantError(t, trigger("h"), http.StatusTooManyRequests, "SlowDown")

	throttled := 0
	for _, c := range e.Calls() {
		if c.Fault == FaultThrottle {
			throttled++
		}
	}
	if throttled != 4 || e.TotalTriggers() != 7 {
		t.Errorf("%d calls logged throttled, %d triggers ran; want 4 and 7", throttled, e.TotalTriggers())
	}

	// SetFaults starts the buckets full again; Ops limits which are kept.
	e.SetFaults(Faults{QPS: 1, Ops: []string{OpTriggerWorkflow}})
	if a := trigger("i"); a.status != http.StatusOK {
		t.Errorf("after SetFaults: %d %s", a.status, a.body)
	}
	wantError(t, trigger("j"), http.StatusServiceUnavailable, "SlowDown") // the default burst: QPS, at least 1
	for range 3 {
		if a := list.at(clock.Now()).do(t, srv); a.status != http.StatusOK {
			t.Errorf("an operation outside Ops: %d %s", a.status, a.body)
		}
	}
}

// TestQPSWithLatency: a throttled call waits the injected latency too, as
// its answer still takes the round trip.
func TestQPSWithLatency(t *testing.T) {
	clock := newFakeClock()
	e, srv := newTestServer(t, Options{Now: clock.Now, Faults: Faults{QPS: 1, Latency: 20 * time.Millisecond}})
	if a := triggerCall("a").at(clock.Now()).do(t, srv); a.status != http.StatusOK {
		t.Fatalf("first call: %d %s", a.status, a.body)
	}
	wantError(t, triggerCall("b").at(clock.Now()).do(t, srv), http.StatusServiceUnavailable, "SlowDown")
	calls := e.Calls()
	if len(calls) != 2 || calls[1].Fault != FaultThrottle || calls[1].Latency != 20*time.Millisecond {
		t.Errorf("call log %+v", calls)
	}
}
