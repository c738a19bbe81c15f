package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/internal/logx"
)

// A sweep that stops with work left (maxTriggers spent, or its deadline
// near) goes on at once instead of at the next tick: the tick invokes
// the function again, asynchronously, with a timer event of its own
// tick (SCF's Invoke API, InvocationType Event, the event as
// ClientContext: https://www.tencentcloud.com/document/api/583/17243).
// The pass's tick is kept in its cursor, so the continuation goes on
// with the pass under way from its marker, as the next tick would; the
// event's Message holds only the sweeps that stopped, so that no
// backfill job is looked up again. The lease is released before the
// continuation is sent; should it land while another tick holds the
// pass, it answers busy and the holder goes on. A continuation that is
// lost (Invoke failed, the event dropped) costs nothing but time: the
// next tick goes on with the pass.

// Continuer starts a new invocation of this function with event, asynchronously
// (SCF Invoke, InvocationType Event): how a sweep with work left goes on at once
// instead of at the next tick.
type Continuer interface {
	Continue(ctx context.Context, event []byte) error
}

// WithContinuer has the Handler continue its sweeps through c (nil: they wait for the next tick).
func WithContinuer(c Continuer) Option {
	return func(h *Handler) { h.continuer = c }
}

// maxContinuations bounds one tick's chain of continuations, so that a
// bug (a sweep that stops without moving on) cannot invoke the function
// for ever. A 10M-object pass needs about 10 to 25 invocations of 120 s,
// a backlog of 100,000 at maxTriggers 1000 needs 100; past the bound the
// next tick goes on, and starts a chain of its own.
const maxContinuations = 100

// continueSweeps invokes the function again for the sweeps of tick ev
// that stopped with work left (see above) and records it in res. A
// failed Continue is logged, and is no invocation error: the next tick
// goes on with the pass.
func (h *Handler) continueSweeps(ctx context.Context, ev *events.TimerEvent, sweeps []timerSpec, res *TimerResult) {
	if h.continuer == nil || h.cfg.DryRun {
		// A dry run keeps no cursor: a continuation would plan the same
		// pass from its start again.
		return
	}
	var specs []*ReconcileSpec
	for _, ts := range sweeps {
		if unfinished(ts.spec.Reconcile.Name, res.Reconcile) {
			specs = append(specs, ts.spec.Reconcile)
		}
	}
	if len(specs) == 0 {
		return
	}
	log := logx.From(ctx, h.logger)
	depth := ev.CosflowContinuation + 1
	if depth > maxContinuations {
		log.Warn("sweep not continued: its chain reached the bound, the next tick goes on",
			slog.Int("depth", ev.CosflowContinuation), slog.Int("maxContinuations", maxContinuations))
		return
	}
	event, err := continuationEvent(ev, specs, depth)
	if err == nil {
		err = h.continuer.Continue(ctx, event)
	}
	if err != nil {
		log.Warn("sweep not continued: the next tick goes on", slog.Int("depth", depth), slog.String("error", err.Error()))
		return
	}
	res.Continued = true
	log.Info("sweep continued", slog.Int("depth", depth), slog.Int("sweeps", len(specs)), slog.String("tick", ev.Time))
}

// unfinished reports whether a rule of spec name stopped with work left:
// truncated and not failed (a rule another invocation holds, busy, is
// never truncated: its holder goes on).
func unfinished(name string, results []ReconcileResult) bool {
	for _, r := range results {
		if r.Name == name && r.Truncated && r.Error == "" {
			return true
		}
	}
	return false
}

// continuationEvent is the timer event that continues specs of tick ev,
// the depth-th continuation: ev's type, trigger and time, and a Message
// of the specs alone (an array when there are several).
func continuationEvent(ev *events.TimerEvent, specs []*ReconcileSpec, depth int) ([]byte, error) {
	var msg []byte
	var err error
	if len(specs) == 1 {
		msg, err = json.Marshal(specs[0])
	} else {
		msg, err = json.Marshal(specs)
	}
	if err != nil {
		return nil, fmt.Errorf("encode the sweeps to continue: %w", err)
	}
	out, err := json.Marshal(events.TimerEvent{Type: ev.Type, TriggerName: ev.TriggerName, Time: ev.Time, Message: string(msg), CosflowContinuation: depth})
	if err != nil {
		return nil, fmt.Errorf("encode the continuation: %w", err)
	}
	return out, nil
}
