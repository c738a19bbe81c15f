package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
)

// pacingTimeout is the invocations' deadline: the function's timeout in
// serverless.yml (120 s), so that a delivery that pacing stretches meets
// the deadline it would meet on SCF.
const pacingTimeout = 120 * time.Second

// pacingDeliveries is how many deliveries land on one instance at once in
// the concurrent measurement: issue 21 measured 100 of them putting 227
// calls in flight at CI.
const pacingDeliveries = 100

// pacingRun is one measured invocation (or set of invocations at once)
// against the emulator.
type pacingRun struct {
	Wall        time.Duration       // Invoke sent → the last answer received
	Failed      int                 // records not triggered
	Twice       int                 // records triggered more than once
	Calls       map[string]*opCalls // by operation
	MaxInFlight int                 // the emulator's peak of concurrent requests
	Errors      []string            // the invocations' errors, distinct
}

// pacingRows measures issue 21's pacing goal: the deploy binary handling a
// cfg.records-record upload against the emulator limited to cfg.qps calls
// a second on every operation (each its own bucket, as CI's limits are per
// API), with cfg.latency per call, against the ideal records ÷ QPS; the
// same delivery without the limit as the baseline; and pacingDeliveries
// smaller deliveries at once on one instance against the limit, for the
// calls in flight at CI.
func pacingRows(ctx context.Context, cfg config, exe string) ([]row, error) {
	limited := ciemu.Faults{Latency: cfg.latency, QPS: cfg.qps}
	event, err := uploadEvent(cfg.fixture, cfg.records)
	if err != nil {
		return nil, err
	}
	paced, err := pacingInvoke(ctx, exe, limited, [][]byte{event}, cfg.records)
	if err != nil {
		return nil, fmt.Errorf("paced delivery: %w", err)
	}
	base, err := pacingInvoke(ctx, exe, ciemu.Faults{Latency: cfg.latency}, [][]byte{event}, cfg.records)
	if err != nil {
		return nil, fmt.Errorf("baseline delivery: %w", err)
	}
	// Half the records in all, to keep the run short: the limit is the
	// same, and in flight is what this run is for.
	per := max(cfg.records/(2*pacingDeliveries), 1)
	events := make([][]byte, pacingDeliveries)
	for i := range events {
		if events[i], err = uploadEventFrom(cfg.fixture, i*per, per); err != nil {
			return nil, err
		}
	}
	together, err := pacingInvoke(ctx, exe, limited, events, pacingDeliveries*per)
	if err != nil {
		return nil, fmt.Errorf("concurrent deliveries: %w", err)
	}

	ideal := time.Duration(float64(cfg.records) / cfg.qps * float64(time.Second))
	ratio := float64(paced.Wall) / float64(ideal)
	idealTogether := time.Duration(float64(pacingDeliveries*per) / cfg.qps * float64(time.Second))
	return []row{
		{Metric: fmt.Sprintf("Pacing: one %d-record upload through the deploy binary, CI limited to %.0f QPS per API, %v per call: failed records; wall vs ideal records ÷ QPS = %s",
			cfg.records, cfg.qps, cfg.latency, fmtDur(float64(ideal))),
			Value: fmt.Sprintf("%d failed; %s = %.2f× ideal; %s; baseline without the limit, same run: %d failed, %s (paced / baseline %.2f×)",
				paced.Failed, fmtDur(float64(paced.Wall)), ratio, paced.describe(), base.Failed, fmtDur(float64(base.Wall)), float64(paced.Wall)/float64(base.Wall)),
			Goal: fmt.Sprintf("0 failed, 0 twice, ≤ %.1f×", cfg.maxPacingRatio),
			Met:  verdict(paced.Failed == 0 && paced.Twice == 0 && ratio <= cfg.maxPacingRatio)},
		{Metric: fmt.Sprintf("Pacing: %d uploads of %d record(s) each at once on one instance, same limit: peak calls in flight at CI; failed records; wall vs ideal %s",
			pacingDeliveries, per, fmtDur(float64(idealTogether))),
			Value: fmt.Sprintf("peak in flight %d; %d failed; %s = %.2f× ideal; %s",
				together.MaxInFlight, together.Failed, fmtDur(float64(together.Wall)), float64(together.Wall)/float64(idealTogether), together.describe()),
			Goal: fmt.Sprintf("≤ %d in flight (cosclient.DefaultMaxInFlight), 0 failed, 0 twice", cosclient.DefaultMaxInFlight),
			Met:  verdict(together.MaxInFlight <= cosclient.DefaultMaxInFlight && together.Failed == 0 && together.Twice == 0)},
	}, nil
}

// opCalls counts the calls of one operation the emulator answered.
type opCalls struct{ calls, throttled int }

// describe is what a run's row says beyond failures and wall time: the
// calls by operation, the share throttled, the peak in flight.
func (r *pacingRun) describe() string {
	var all opCalls
	var ops []string
	for _, op := range slices.Sorted(maps.Keys(r.Calls)) {
		c := r.Calls[op]
		all.calls, all.throttled = all.calls+c.calls, all.throttled+c.throttled
		ops = append(ops, fmt.Sprintf("%s %d (%d throttled)", op, c.calls, c.throttled))
	}
	s := fmt.Sprintf("%d calls, %d throttled (%.0f%%): %s; peak in flight %d",
		all.calls, all.throttled, 100*float64(all.throttled)/float64(max(all.calls, 1)), strings.Join(ops, ", "), r.MaxInFlight)
	if r.Twice > 0 {
		s += fmt.Sprintf(", %d triggered twice", r.Twice)
	}
	if len(r.Errors) > 0 {
		s += "; invocation errors: " + strings.Join(r.Errors, "; ")
	}
	return s
}

// pacingInvoke invokes a fresh function process with events at once against
// a fresh emulator with faults, and counts from the emulator what became
// of the records (benchKey(0) to benchKey(records-1)): one not triggered
// has failed (its invocation failed retryable, and the error is kept).
func pacingInvoke(ctx context.Context, exe string, faults ciemu.Faults, events [][]byte, records int) (*pacingRun, error) {
	emu := ciemu.New(ciemu.Options{Seed: 1, Faults: faults, MaxTriggerKeys: 2 * records, MaxCalls: 20 * records})
	srv, err := emu.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	defer srv.Close()
	invs, err := invokeTogether(ctx, exe, functionEnv(srv.URL()), events, pacingTimeout)
	if err != nil {
		return nil, err
	}
	run := &pacingRun{MaxInFlight: emu.MaxInFlight(), Calls: map[string]*opCalls{}}
	seen := map[string]bool{}
	for _, inv := range invs {
		run.Wall = max(run.Wall, inv.wall) // all were sent at once
		if e := inv.resp.Error; e != nil && !seen[e.Message] {
			seen[e.Message] = true
			run.Errors = append(run.Errors, e.Message)
		}
	}
	for _, c := range emu.Calls() {
		oc := run.Calls[c.Operation]
		if oc == nil {
			oc = &opCalls{}
			run.Calls[c.Operation] = oc
		}
		oc.calls++
		if c.Fault == ciemu.FaultThrottle {
			oc.throttled++
		}
	}
	for i := range records {
		switch n := emu.TriggerCount(benchBucket, benchWorkflow, benchKey(i)); {
		case n == 0:
			run.Failed++
		case n > 1:
			run.Twice++
		}
	}
	return run, nil
}
