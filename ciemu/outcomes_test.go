package ciemu

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestOutcomeMixRate: the mix chooses about FailRate of all objects, and
// another seed chooses others.
func TestOutcomeMixRate(t *testing.T) {
	const n = 20_000
	for _, rate := range []float64{0, 0.2, 0.5, 1} {
		m, other := OutcomeMix{FailRate: rate, Seed: 1}, OutcomeMix{FailRate: rate, Seed: 2}
		chosen, differ := 0, 0
		for i := range n {
			k := triggerKey{testBucket, testWF, fmt.Sprintf("o/%d", i)}
			if m.chosen(k) {
				chosen++
			}
			if m.chosen(k) != other.chosen(k) {
				differ++
			}
		}
		if got := float64(chosen) / n; math.Abs(got-rate) > 0.02 {
			t.Errorf("rate %v: chose %v", rate, got)
		}
		if want := 2 * rate * (1 - rate); math.Abs(float64(differ)/n-want) > 0.02 {
			t.Errorf("rate %v: seeds differ on %d of %d, want about %v", rate, differ, n, want)
		}
	}
}

// TestCallbacksAcrossForgetting: the callback cursor finds its place in
// the execution store after the store wrapped around and forgot runs; a
// run forgotten before it ended posts nothing.
func TestCallbacksAcrossForgetting(t *testing.T) {
	clock := newFakeClock()
	e, srv := newTestServer(t, Options{Now: clock.Now, RunningFor: 2 * time.Second, MaxExecutions: 3})
	sink := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(sink.Close)
	if err := e.SetCallback(testBucket, testWF, sink.URL, ""); err != nil {
		t.Fatal(err)
	}
	var posted []string
	deliver := func() {
		for _, cb := range e.DeliverCallbacks(context.Background()) {
			posted = append(posted, cb.Object)
		}
	}
	for i := range 8 {
		triggerCall(fmt.Sprint(i)).at(clock.Now()).do(t, srv)
		clock.Advance(time.Second)
		deliver()
	}
	// Runs 0..6 ended while held; 7 is held and ends later.
	if want := "[0 1 2 3 4 5 6]"; fmt.Sprint(posted) != want {
		t.Errorf("posted %v, want %s", posted, want)
	}
	for range 5 { // these push 7 out before it ends
		triggerCall("late").at(clock.Now()).do(t, srv)
	}
	clock.Advance(10 * time.Second)
	posted = nil
	deliver()
	if want := "[late late late]"; fmt.Sprint(posted) != want {
		t.Errorf("then posted %v, want %s", posted, want)
	}
}
