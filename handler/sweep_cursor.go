package handler

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/cosflow/cosflow/internal/cosstate"
)

// A sweep's pass over a bucket spans invocations: its cursor, one small
// state object per (spec, rule) under COSFLOW_STATE_PREFIX, says which
// pass is under way (the tick whose window it sweeps), how far it has got
// (every key up to the marker is settled) and who holds it.
//
//	<state prefix>sweeps/<spec>/<rule>/cursor     the cursor (sweepCursor)
//	<state prefix>sweeps/<spec>/<rule>/lease/<n>  lease n (sweepLease)
//
// (names path-escaped, so that each is one segment.) SCF may run two
// ticks of one timer at once on different instances (asynchronous
// invocations are concurrent), and the cursor is written over: so one
// tick at a time holds the pass, by a lease. Lease n+1 is taken by
// creating its object exclusively (cosstate.Store.Create: one creator
// wins), and only once lease n has expired or been released; the holder
// writes the cursor and, when it ends, releases its lease. A lease expires
// a minute after its holder's deadline, past which SCF has ended the
// invocation: a lost invocation (killed, crashed) is recovered by the
// first tick after that, which goes on from the marker it last wrote.
// Nothing past the marker was taken as settled, and whatever the lost
// invocation had started there is in CI's execution list (or held by a
// claim), so redoing it starts nothing twice.
//
// Lease objects pile up, one per invocation that held the pass: a
// lifecycle rule on <state prefix>sweeps/ expiring objects a day after
// their last write removes them (the cursor is written at every tick
// that holds the pass, and a missing lease counts as expired).

// sweepCursor is a cursor object's value.
type sweepCursor struct {
	Spec string `json:"spec"`
	Rule string `json:"rule"`
	// Pass is the tick of the pass under way or last finished: its window
	// is [Pass - window, Pass - lag).
	Pass time.Time `json:"pass"`
	// Marker: every key up to it (in COS's listing order) is settled for
	// this pass; "" at its start.
	Marker string `json:"marker"`
	// Done is set when the pass reached the end of the listing, at
	// Finished.
	Done     bool      `json:"done"`
	Finished time.Time `json:"finished,omitzero"`
	// Lease is the generation of the latest lease taken; Holder and
	// Expires repeat it for whoever reads the cursor.
	Lease   int       `json:"lease"`
	Holder  string    `json:"holder,omitempty"`
	Expires time.Time `json:"expires,omitzero"`
	// Counters add up the pass's invocations (an object whose chunk is
	// redone after a lost invocation or a stop counts again).
	Counters sweepCounters `json:"counters"`
}

// sweepCounters are a pass's totals so far.
type sweepCounters struct {
	Invocations int `json:"invocations"`
	Checked     int `json:"checked"`
	AlreadyRan  int `json:"alreadyRan"`
	Triggered   int `json:"triggered"`
	Redriven    int `json:"redriven"`
	Exhausted   int `json:"exhausted"`
	Failed      int `json:"failed"`
}

// add counts one invocation's result.
func (c *sweepCounters) add(r *ReconcileResult) {
	c.Checked += r.Checked
	c.AlreadyRan += r.AlreadyRan
	c.Triggered += len(r.Triggered)
	c.Redriven += len(r.Redriven)
	c.Exhausted += len(r.Exhausted)
	c.Failed += len(r.Failed)
}

// sweepLease is a lease object's value.
type sweepLease struct {
	Holder  string    `json:"holder"`
	Expires time.Time `json:"expires"`
}

// leaseGrace is how long after its holder's deadline a lease expires.
const leaseGrace = time.Minute

// noDeadlineLease is a lease's length for an invocation without a
// deadline (the CLI): SCF's longest timeout.
const noDeadlineLease = 15 * time.Minute

// maxLeaseTries bounds the lease generations one tick tries to create.
const maxLeaseTries = 3

// sweepState is one (spec, rule)'s cursor and leases in the spec's bucket.
type sweepState struct {
	store *cosstate.Store
	base  string // <state prefix>sweeps/<spec>/<rule>/
	token string // this invocation's, for the exclusive creates
	calls *int   // the state calls made, counted in the rule's result
}

func newSweepState(store *cosstate.Store, statePrefix, spec, rule, token string, calls *int) *sweepState {
	return &sweepState{store: store, base: statePrefix + "sweeps/" + url.PathEscape(spec) + "/" + url.PathEscape(rule) + "/", token: token, calls: calls}
}

func (s *sweepState) cursorKey() string     { return s.base + "cursor" }
func (s *sweepState) leaseKey(n int) string { return s.base + "lease/" + strconv.Itoa(n) }

// readCursor reads the cursor; the zero cursor when there is none.
func (s *sweepState) readCursor(ctx context.Context) (sweepCursor, error) {
	var c sweepCursor
	*s.calls++
	err := s.store.Read(ctx, s.cursorKey(), &c)
	if errors.Is(err, cosstate.ErrNotFound) {
		return sweepCursor{}, nil
	}
	return c, err
}

// writeCursor writes c over the cursor.
func (s *sweepState) writeCursor(ctx context.Context, c *sweepCursor) error {
	*s.calls++
	return s.store.Write(ctx, s.cursorKey(), c)
}

// liveLease reads lease n: its expiry when it is held at now (zero when
// it is absent, expired or released).
func (s *sweepState) liveLease(ctx context.Context, n int, now time.Time) (time.Time, error) {
	var l sweepLease
	*s.calls++
	err := s.store.Read(ctx, s.leaseKey(n), &l)
	switch {
	case errors.Is(err, cosstate.ErrNotFound):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, err
	case now.Before(l.Expires):
		return l.Expires, nil
	}
	return time.Time{}, nil
}

// acquire takes the next lease for holder until expires, at now, and
// reads the cursor as it stands once the lease is held. busyUntil is set
// (and nothing held) when another invocation holds the pass.
func (s *sweepState) acquire(ctx context.Context, holder string, now, expires time.Time) (cur sweepCursor, busyUntil time.Time, err error) {
	cur, err = s.readCursor(ctx)
	if err != nil {
		return cur, time.Time{}, err
	}
	if cur.Lease > 0 {
		if until, err := s.liveLease(ctx, cur.Lease, now); err != nil || !until.IsZero() {
			return cur, until, err
		}
	}
	for n := cur.Lease + 1; n <= cur.Lease+maxLeaseTries; n++ {
		*s.calls++
		won, err := s.store.Create(ctx, s.leaseKey(n), s.token, sweepLease{Holder: holder, Expires: expires})
		if err != nil {
			return cur, time.Time{}, fmt.Errorf("take the sweep's lease: %w", err)
		}
		if !won {
			// Another tick took it; it holds the pass unless its lease
			// is over already.
			until, err := s.liveLease(ctx, n, now)
			if err != nil || !until.IsZero() {
				return cur, until, err
			}
			continue
		}
		// Held: the cursor as its last holder left it (it may have
		// written it after it was read above).
		if cur, err = s.readCursor(ctx); err != nil {
			return cur, time.Time{}, err
		}
		cur.Lease, cur.Holder, cur.Expires = n, holder, expires
		return cur, time.Time{}, nil
	}
	return cur, time.Time{}, fmt.Errorf("take the sweep's lease: leases %d to %d were all taken and expired", cur.Lease+1, cur.Lease+maxLeaseTries)
}

// release ends c's lease at now and clears it from the cursor (which
// the caller writes next).
func (s *sweepState) release(ctx context.Context, c *sweepCursor, now time.Time) error {
	*s.calls++
	err := s.store.Write(ctx, s.leaseKey(c.Lease), sweepLease{Holder: c.Holder, Expires: now})
	c.Holder, c.Expires = "", time.Time{}
	return err
}

// leaseExpiry is when a lease taken by an invocation ending at ctx's
// deadline expires, at now.
func leaseExpiry(ctx context.Context, now time.Time) time.Time {
	if deadline, ok := ctx.Deadline(); ok {
		return now.Add(time.Until(deadline) + leaseGrace)
	}
	return now.Add(noDeadlineLease)
}
