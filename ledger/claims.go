package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cosstate"
)

// Claims make "start attempt n of this upload" happen at most once,
// whoever decides it: two paths redrive a failed run (the sweep and CI's
// completion callback), on any instance, possibly at the same moment, and
// CI's execution list is not a lock (check-then-trigger is not atomic, and
// a new run may be listed late). Before a redrive triggers attempt n, it
// claims n by creating a small state object that only one creator can
// create (cosstate.Store.Create, COS's x-cos-forbid-overwrite); the loser
// does not trigger. The upload's first run is not claimed: the upload
// path and the sweep keep it single as they always have.
//
// A claim whose winner died before its run was listed would hold attempt
// n forever; a claim older than StaleClaim, while the history still shows
// no attempt n, is therefore superseded by the next generation of the
// same claim (another exclusive create), at most maxGenerations times;
// then Claim fails with ErrClaimsExhausted.
//
// On a bucket with versioning, COS is reported to ignore the header
// (internal/cosstate): Create says so (cosstate.ErrVersioned) and Claim
// fails, so nothing is redriven there until the bucket keeps no versions.
type Claims struct {
	store  *cosstate.Store
	prefix string
	now    func() time.Time
}

// StaleClaim is how old a claim must be before another claimant may
// supersede it: far longer than one invocation (SCF's most is 900 s) plus
// the time CI may take to list a new run.
const StaleClaim = 30 * time.Minute

// maxGenerations bounds how often one attempt's claim is superseded:
// twelve stale claims span 6 h at StaleClaim each, the sweep's default
// window, past which no path redrives the upload anyway.
const maxGenerations = 12

// ErrClaimsExhausted is Claim's error when every generation of an
// attempt's claim is held and stale: each claimant died or failed before
// its run was listed. The attempt is never started; the error makes the
// upload show among a sweep's failures instead of waiting unseen.
var ErrClaimsExhausted = errors.New("every claim of this attempt was taken and went stale without a run: not redriven")

// NewClaims keeps claims under prefix (the state prefix, e.g.
// ".cosflow/") in store's bucket. now tells a stale claim; nil means
// time.Now.
func NewClaims(store *cosstate.Store, prefix string, now func() time.Time) *Claims {
	if now == nil {
		now = time.Now
	}
	return &Claims{store: store, prefix: prefix, now: now}
}

// claim is a claim object's value.
type claim struct {
	ClaimedAt time.Time `json:"claimedAt"`
	Attempt   int       `json:"attempt"`
	Key       string    `json:"key"`
}

// Claim claims attempt (the run number about to be started, 2 or more)
// of the upload of key at uploaded, for workflowID, as token (the same
// token for the same claimant: calling again with it after an error
// settles whether it won). It reports whether this claimant may trigger.
func (c *Claims) Claim(ctx context.Context, workflowID, key string, uploaded time.Time, attempt int, token string) (bool, error) {
	base := c.path(workflowID, key, uploaded, attempt)
	for gen := 0; gen < maxGenerations; gen++ {
		name := base + "/" + strconv.Itoa(gen)
		won, err := c.store.Create(ctx, name, token, claim{ClaimedAt: c.now().UTC(), Attempt: attempt, Key: key})
		if err != nil || won {
			return won, err
		}
		var held claim
		if err := c.store.Read(ctx, name, &held); err != nil {
			if errors.Is(err, cosstate.ErrNotFound) {
				return false, fmt.Errorf("claim attempt %d of %q: held, then gone: %w", attempt, key, err)
			}
			return false, fmt.Errorf("claim attempt %d of %q: %w", attempt, key, err)
		}
		if c.now().Sub(held.ClaimedAt) < StaleClaim {
			return false, nil // another claimant holds it
		}
	}
	return false, fmt.Errorf("claim attempt %d of %q: %w", attempt, key, ErrClaimsExhausted)
}

// path names attempt's claim of one upload: the upload is key as uploaded
// at uploaded (whole seconds, as both redrive paths read it from the
// bucket listing), hashed so that any key fits in an object name.
func (c *Claims) path(workflowID, key string, uploaded time.Time, attempt int) string {
	sum := sha256.Sum256([]byte(key + "\x00" + uploaded.UTC().Truncate(time.Second).Format(time.RFC3339)))
	return c.prefix + "claims/" + workflowID + "/" + hex.EncodeToString(sum[:16]) + "/" + strconv.Itoa(attempt)
}

// Redrive starts the next attempt of an upload whose history h Decide
// answered Redrive for: it claims attempt len(h)+1 as token and, when the
// claim is won, triggers in.WorkflowID for in.Object (Trigger, with its
// policy after an ambiguous failure). claimed is false when another
// claimant holds the attempt: nothing was triggered, and that is not an
// error. After an ambiguous failure, the lookup never takes a run of h
// for the new one. The sweep and CI's completion callback both redrive
// through it.
func (l *Ledger) Redrive(ctx context.Context, claims *Claims, in *cosclient.TriggerWorkflowInput, uploaded time.Time, h History, token string, opts ...func(*cosclient.Options)) (o Outcome, claimed bool, err error) {
	attempt := len(h) + 1
	claimed, err = claims.Claim(ctx, in.WorkflowID, in.Object, uploaded, attempt, token)
	if err != nil || !claimed {
		return o, false, err
	}
	o, err = l.trigger(ctx, in, uploaded, h, opts...)
	return o, true, err
}
