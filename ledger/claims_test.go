package ledger

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
	"github.com/cosflow/cosflow/internal/cosstate"
)

// TestClaimOnce: of claimants racing for the same attempt of one upload,
// exactly one wins; the same claimant asking again (its token) still
// holds it; another attempt, another upload time or another key is a
// claim of its own.
func TestClaimOnce(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{})
	claims := NewClaims(cosstate.New(citest.Client(t, url, nil)), ".cosflow/", nil)
	uploaded := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			won, err := claims.Claim(bg, wf, "a.mp4", uploaded, 2, "claimant-"+string(rune('a'+i)))
			if err != nil {
				t.Error(err)
			}
			if won {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d claimants won attempt 2, want 1", wins.Load())
	}

	for _, c := range []struct {
		name     string
		key      string
		uploaded time.Time
		attempt  int
		token    string
		want     bool
	}{
		{"the loser again", "a.mp4", uploaded, 2, "claimant-z", false},
		{"the next attempt", "a.mp4", uploaded, 3, "claimant-z", true},
		{"the next attempt, another claimant", "a.mp4", uploaded, 3, "claimant-y", false},
		{"the next attempt, its claimant again", "a.mp4", uploaded, 3, "claimant-z", true},
		{"a later upload of the key", "a.mp4", uploaded.Add(time.Hour), 2, "claimant-y", true},
		{"within the same second", "a.mp4", uploaded.Add(time.Hour + 300*time.Millisecond), 2, "claimant-x", false},
		{"another key", "b.mp4", uploaded, 2, "claimant-y", true},
	} {
		won, err := claims.Claim(bg, wf, c.key, c.uploaded, c.attempt, c.token)
		if err != nil || won != c.want {
			t.Errorf("%s: won %v, %v; want %v", c.name, won, err, c.want)
		}
	}
	for _, o := range emu.Objects(citest.Bucket) {
		if !strings.HasPrefix(o.Key, ".cosflow/claims/"+wf+"/") {
			t.Errorf("claim object %q outside the state prefix", o.Key)
		}
	}
}

// TestClaimStale: a claim whose claimant died holds its attempt for
// StaleClaim; after that the next claimant supersedes it, a bounded
// number of times.
func TestClaimStale(t *testing.T) {
	_, url := citest.Emulator(t, ciemu.Options{})
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	claims := NewClaims(cosstate.New(citest.Client(t, url, nil)), ".cosflow/", func() time.Time { return now })
	uploaded := now.Add(-time.Hour)
	claim := func(token string) bool {
		t.Helper()
		won, err := claims.Claim(bg, wf, "a.mp4", uploaded, 2, token)
		if err != nil {
			t.Fatal(err)
		}
		return won
	}
	if !claim("dead") {
		t.Fatal("first claim lost")
	}
	now = now.Add(StaleClaim - time.Second)
	if claim("next") {
		t.Fatal("a fresh claim was superseded")
	}
	for gen := 1; gen < maxGenerations; gen++ {
		now = now.Add(StaleClaim)
		if !claim("next" + strconv.Itoa(gen)) {
			t.Fatalf("generation %d: a stale claim was not superseded", gen)
		}
	}
	now = now.Add(StaleClaim)
	won, err := claims.Claim(bg, wf, "a.mp4", uploaded, 2, "last")
	if won || !errors.Is(err, ErrClaimsExhausted) {
		t.Errorf("a claim superseded %d times: won %v, error %v; want ErrClaimsExhausted", maxGenerations-1, won, err)
	}
}

// TestRedriveOnce: two paths that see the same failure at the same time
// (a sweep and a callback, say) start one redrive between them.
func TestRedriveOnce(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{RunningFor: -1})
	ci := citest.Client(t, url, nil)
	l := New(ci, RetriggerAfterLookup)
	claims := NewClaims(cosstate.New(ci), ".cosflow/", nil)
	emu.StageRuns(citest.Bucket, wf, "a.mp4", ciemu.Staging{Next: []ciemu.Outcome{ciemu.Fail("InternalError", "boom")}})
	uploaded := time.Now().Add(-time.Minute)
	trigger(t, ci, "a.mp4")
	h, _, err := l.History(bg, wf, "a.mp4", uploaded)
	if err != nil || Decide(h, DefaultMaxAttempts) != Redrive {
		t.Fatalf("history %+v, %v", h, err)
	}
	in := &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "a.mp4"}
	var started atomic.Int32
	var wg sync.WaitGroup
	for _, token := range []string{"sweep", "callback"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, claimed, err := l.Redrive(bg, claims, in, uploaded, h, token)
			if err != nil {
				t.Error(err)
			}
			if claimed && o.InstanceID != "" {
				started.Add(1)
			}
		}()
	}
	wg.Wait()
	if started.Load() != 1 || emu.TriggerCount(citest.Bucket, wf, "a.mp4") != 2 {
		t.Errorf("%d redrives started, %d runs in all; want 1 and 2", started.Load(), emu.TriggerCount(citest.Bucket, wf, "a.mp4"))
	}
}

// TestRedriveAmbiguousNotTheFailedRun: a redrive whose trigger fails
// ambiguously looks its run up, and the run it follows (listed, and
// counting for the upload) is not taken for it: with every trigger
// refused before it ran, the redrive fails, and says no instance.
func TestRedriveAmbiguousNotTheFailedRun(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{RunningFor: -1})
	ci := citest.Client(t, url, nil)
	l := New(ci, RetriggerAfterLookup)
	claims := NewClaims(cosstate.New(ci), ".cosflow/", nil)
	emu.StageRuns(citest.Bucket, wf, "a.mp4", ciemu.Staging{Next: []ciemu.Outcome{ciemu.Fail("InternalError", "boom")}})
	uploaded := time.Now().Add(-time.Minute)
	failed := trigger(t, ci, "a.mp4")["a.mp4"]
	h, _, err := l.History(bg, wf, "a.mp4", uploaded)
	if err != nil || Decide(h, DefaultMaxAttempts) != Redrive {
		t.Fatalf("history %+v, %v", h, err)
	}
	emu.SetFaults(ciemu.Faults{ErrorRate: 1, Ops: []string{ciemu.OpTriggerWorkflow}})
	o, claimed, err := l.Redrive(bg, claims, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "a.mp4"}, uploaded, h, "sweep")
	if !claimed || err == nil || o.Found || o.InstanceID != "" {
		t.Errorf("redrive: %+v, claimed %v, %v; want a failure and no instance (the failed run is %s)", o, claimed, err, failed)
	}
	if n := emu.TriggerCount(citest.Bucket, wf, "a.mp4"); n != 1 {
		t.Errorf("%d runs, want 1", n)
	}
}
