package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/scf"
	"github.com/cosflow/cosflow/scf/messages"
	"github.com/cosflow/cosflow/scfapi/scfapitest"
)

// The sweep at scale (issue 21): the deploy binary sweeping a synthetic
// bucket (ciemu.Synthesize: N objects under a prefix, 1% of them in the
// window), driven as SCF drives it: a tick every 5 minutes, each a fresh
// process invoked with the function's timeout as its deadline, and each
// continuation the function asks for (the SCF API's Invoke, served on
// loopback by scfapitest, which checks its signature) run at once as a
// fresh process too, until the pass is done. A tick's chain runs to its
// end before the next tick is sent: a tick that would land during it
// finds the pass held and answers busy, or goes on with it between two
// invocations, and the pass time counts the chain's own. The real figures (80 ms a CI call, serverless.yml's
// timeout of 120 s) are divided by one factor, -sweep-scale, so that 10M
// objects take minutes: the latency injected and the deadline alike. CPU
// is not scaled, so a scaled invocation spends a larger share of its
// deadline on CPU than a real one and gets through less of the bucket:
// the invocations counted are an upper bound of the real ones.
const (
	sweepLatency = 80 * time.Millisecond // a CI call, real terms
	sweepTimeout = 120 * time.Second     // serverless.yml's timeout
	sweepTick    = 5 * time.Minute       // serverless.yml's sweep cron
	sweepEvery   = time.Hour             // the spec's "every": the window a pass must fit in
	sweepRecent  = 100                   // every 100th object is in the window: 1%
	// sweepLostEvery: of the recent objects, every 1000th never ran (its
	// delivery was lost); the others have a Success run in the ledger.
	sweepLostEvery = 1000
	// sweepMaxTicks bounds one pass's ticks (a pass that needs more has
	// failed its goal by far).
	sweepMaxTicks = 400
)

// sweepSpec is the timer's argument, serverless.yml's sweep, with
// maxTriggers to fill in.
const sweepSpec = `{"name":"sweep","reconcile":{"window":"6h","lag":"5m","every":"1h","maxTriggers":%d}}`

// sweepMaxTriggers is serverless.yml's maxTriggers.
const sweepMaxTriggers = 1000

// sweepPrefix is where the synthetic objects are.
const sweepPrefix = "uploads/"

// sweepPass is what the ticks of one pass did.
type sweepPass struct {
	objects       int
	ticks         int           // ticks sent until the pass was done
	continuations int           // invocations the function asked for
	invocations   int           // ticks and continuations that swept (took the pass)
	busy          int           // answered busy (a killed holder's lease)
	longest       time.Duration // the longest invocation, wall (scaled)
	// real is the pass's time in real terms: each tick's chain scaled
	// back, at least the 5 minutes to the next tick but for the last.
	real      time.Duration
	peakRSS   int64         // the worst VmHWM
	cpu       time.Duration // user + system, all invocations
	calls     handler.SweepCalls
	checked   int // candidates settled, over the invocations
	triggered int
	// killedAt is how long into its deadline the lost invocation was
	// killed, when one was; kept counts the candidates it had settled up
	// to its last cursor write, which no later tick checked again.
	killedAt time.Duration
	kept     int
}

// sweepScenario is one pass's bucket and driving.
type sweepScenario struct {
	objects     int
	lostEvery   int  // of the recent objects; 1: none ran (a backlog)
	maxTriggers int  // the spec's
	kill        bool // kill the second invocation halfway through its deadline
}

// runSweepPass seeds an emulator with sc's bucket and ticks the deploy
// binary exe until the pass is done, scale being the factor real times
// are divided by. It checks that every recent object that had not run was
// triggered exactly once.
func runSweepPass(ctx context.Context, exe string, sc sweepScenario, scale int) (*sweepPass, error) {
	latency, timeout := sweepLatency/time.Duration(scale), sweepTimeout/time.Duration(scale)
	recent := (sc.objects + sweepRecent - 1) / sweepRecent
	emu := ciemu.New(ciemu.Options{Seed: 1, Faults: ciemu.Faults{Latency: latency},
		MaxExecutions: 2*recent + 1000, MaxTriggerKeys: 2*recent + 1000, MaxCalls: 1000})
	srv, err := emu.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	defer srv.Close()
	// The pass's tick, in the past: the runs the sweep starts (at the
	// emulator's real clock) are then after every upload, as they would be.
	t0 := time.Now().Add(-24 * time.Hour).Truncate(time.Hour)
	if err := emu.Synthesize(ciemu.Synthetic{Bucket: benchBucket, Prefix: sweepPrefix, Suffix: ".mp4", Count: sc.objects, Size: 1 << 20,
		Old: t0.Add(-30 * 24 * time.Hour), RecentEvery: sweepRecent, RecentFrom: t0.Add(-6*time.Hour + time.Minute), RecentTo: t0.Add(-10 * time.Minute),
		WorkflowID: benchWorkflow, LostEvery: sc.lostEvery}); err != nil {
		return nil, err
	}
	// The SCF API: every continuation the function asks for is queued
	// here and run by the loop below once the invocation that asked ends.
	queued := make(chan scfapitest.Invocation, 4)
	api := scfapitest.New(cosclient.Credentials{SecretID: ciemu.DefaultSecretID, SecretKey: ciemu.DefaultSecretKey},
		func(inv scfapitest.Invocation) { queued <- inv })
	defer api.Close()
	pass := &sweepPass{objects: sc.objects}
	env := append(functionEnv(srv.URL()), handler.EnvSCFEndpoint+"="+api.URL)
	for done := false; !done && pass.ticks < sweepMaxTicks; {
		tick := t0.Add(time.Duration(pass.ticks) * sweepTick)
		pass.ticks++
		payload, err := json.Marshal(map[string]string{"Type": "Timer", "TriggerName": "sweep", "Time": tick.UTC().Format(time.RFC3339), "Message": fmt.Sprintf(sweepSpec, sc.maxTriggers)})
		if err != nil {
			return nil, err
		}
		var chain time.Duration // this tick's invocations, wall (scaled)
		for payload != nil && !done {
			killAfter := time.Duration(0)
			if sc.kill && pass.invocations == 1 && pass.killedAt == 0 {
				killAfter = timeout / 2
			}
			res, inv, err := sweepTickOnce(ctx, exe, env, payload, timeout, killAfter)
			if err != nil {
				return nil, fmt.Errorf("tick %d: %w", pass.ticks, err)
			}
			payload = nil
			pass.peakRSS = max(pass.peakRSS, inv.peakRSS)
			pass.cpu += inv.cpu
			chain += inv.wall
			if res == nil { // killed: its continuation is lost with it
				pass.invocations++
				pass.longest = max(pass.longest, inv.wall)
				pass.killedAt = inv.wall
				break
			}
			r := &res.Reconcile[0]
			if r.Error != "" {
				return nil, fmt.Errorf("tick %d: the sweep failed: %s", pass.ticks, r.Error)
			}
			if r.Busy {
				// Only a killed holder's lease: it expires a minute (not
				// scaled) after the holder's deadline, which in real terms
				// is before the next tick. Wait for it and send the tick
				// again.
				pass.busy++
				pass.ticks--
				chain = 0
				until, err := cosclient.ParseTime(r.BusyUntil)
				if err != nil || time.Until(until) > 2*time.Minute {
					return nil, fmt.Errorf("tick %d: busy until %q", pass.ticks, r.BusyUntil)
				}
				time.Sleep(time.Until(until) + time.Second)
				break
			}
			pass.invocations++
			pass.longest = max(pass.longest, inv.wall)
			pass.checked += r.Checked
			pass.triggered += len(r.Triggered)
			c := &pass.calls
			c.List, c.Ledger, c.Trigger, c.Read, c.State = c.List+r.Calls.List, c.Ledger+r.Calls.Ledger, c.Trigger+r.Calls.Trigger,
				c.Read+r.Calls.Read, c.State+r.Calls.State
			if pass.killedAt > 0 && !r.Resumed {
				return nil, fmt.Errorf("tick %d after the kill did not resume the pass: %+v", pass.ticks, r)
			}
			if r.NextPass != "" {
				return nil, fmt.Errorf("tick %d: no pass due (next %s), though this one is not done", pass.ticks, r.NextPass)
			}
			done = !r.Truncated
			if res.Continued && done {
				return nil, fmt.Errorf("tick %d: the pass is done, yet it continued", pass.ticks)
			}
			// Truncated and not continued (the chain's bound, a failed
			// Invoke): the next tick goes on.
			if res.Continued {
				select {
				case next := <-queued:
					pass.continuations++
					payload = []byte(next.ClientContext)
				case <-time.After(10 * time.Second):
					return nil, fmt.Errorf("tick %d: the function continued, but no Invoke reached the SCF API", pass.ticks)
				}
			}
		}
		spent := chain * time.Duration(scale)
		if !done && chain > 0 {
			spent = max(spent, sweepTick)
		}
		pass.real += spent
	}
	// Exactly once: every recent object that had not run, once; no other
	// run started.
	lost := 0
	for i := 0; i < sc.objects; i += sweepRecent {
		if j := i / sweepRecent; sc.lostEvery > 0 && j%sc.lostEvery != 0 {
			continue
		}
		lost++
		key := fmt.Sprintf("%s%010d.mp4", sweepPrefix, i)
		if n := emu.TriggerCount(benchBucket, benchWorkflow, key); n != 1 {
			return nil, fmt.Errorf("%s was triggered %d times, want once", key, n)
		}
	}
	if seeded := recent - lost; emu.TotalTriggers() != seeded+lost {
		return nil, fmt.Errorf("%d runs in all, want %d seeded and %d triggered", emu.TotalTriggers(), seeded, lost)
	}
	// The killed invocation answered nothing: the candidates it settled
	// are missing from checked, but for those after its last cursor
	// write, which the next tick settled again.
	pass.kept = recent - pass.checked
	return pass, nil
}

// cpuPerKey is the CPU of all the pass's invocations per object listed.
func (p *sweepPass) cpuPerKey() time.Duration {
	return p.cpu / time.Duration(p.objects)
}

// sweepInvocation is one tick's process: its wall time, peak RSS and CPU.
type sweepInvocation struct {
	wall    time.Duration
	peakRSS int64
	cpu     time.Duration
}

// sweepTickOnce invokes a fresh process of exe with one timer event (a
// tick or a continuation), deadline timeout away, and returns its result,
// of one rule; with killAfter set it kills the process that long into the
// invocation instead (a lost invocation) and returns no result.
func sweepTickOnce(ctx context.Context, exe string, env []string, payload []byte, timeout, killAfter time.Duration) (*handler.TimerResult, *sweepInvocation, error) {
	p, err := startFunction(exe, env)
	if err != nil {
		return nil, nil, err
	}
	defer p.stop()
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := waitPing(pingCtx, p.addr, p.exited); err != nil {
		return nil, nil, err
	}
	c, err := scf.Dial(ctx, p.addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dial function: %w", err)
	}
	defer c.Close()
	req := &messages.InvokeRequest{Payload: payload, RequestId: "bench-sweep", Deadline: messages.TimestampOf(time.Now().Add(timeout)),
		MemoryLimitInMb: 128, TimeLimitInMs: int32(timeout / time.Millisecond), FunctionName: "cosflow", Namespace: "default",
		FunctionVersion: "$LATEST", TencentcloudRegion: benchRegion}
	invCtx := ctx
	inv := &sweepInvocation{}
	// measure reads the process's peak RSS and CPU time while it lives.
	measure := func() (err error) {
		if inv.peakRSS, err = peakRSS(p.cmd.Process.Pid); err != nil {
			return err
		}
		inv.cpu, err = cpuTime(p.cmd.Process.Pid)
		return err
	}
	killed := make(chan error, 1)
	if killAfter > 0 {
		var stop context.CancelFunc
		invCtx, stop = context.WithCancel(ctx)
		defer stop()
		time.AfterFunc(killAfter, func() {
			killed <- measure()
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			stop()
		})
	}
	t0 := time.Now()
	resp, err := c.Invoke(invCtx, req)
	inv.wall = time.Since(t0)
	if killAfter > 0 {
		if err == nil {
			return nil, nil, fmt.Errorf("the invocation to kill ended first, after %s", inv.wall)
		}
		return nil, inv, <-killed
	}
	if err != nil {
		return nil, nil, fmt.Errorf("invoke: %w", err)
	}
	if err := measure(); err != nil {
		return nil, nil, err
	}
	if resp.Error != nil {
		return nil, nil, fmt.Errorf("function error: %s", resp.Error.Message)
	}
	var res handler.TimerResult
	if err := json.Unmarshal(resp.Payload, &res); err != nil {
		return nil, nil, fmt.Errorf("decode result: %w", err)
	}
	if len(res.Reconcile) != 1 {
		return nil, nil, fmt.Errorf("%d sweep results, want 1 (one rule): %s", len(res.Reconcile), resp.Payload)
	}
	return &res, inv, nil
}

// clockTicks is the unit of /proc/<pid>/stat's CPU times: USER_HZ, 100 on
// every Linux the report runs on (sysconf(_SC_CLK_TCK)).
const clockTicks = 100

// cpuTime reads a live process's user and system CPU time from /proc.
func cpuTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("CPU time (Linux /proc only): %w", err)
	}
	// Fields after the command, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// sweepRows sweeps a pass at each of cfg.sweepSizes (the first with a
// lost invocation, when cfg.sweepKill), then drains a backlog of
// cfg.sweepBacklog objects that never ran, and reports them against
// issue 21's goals.
func sweepRows(ctx context.Context, cfg config, exe string, log io.Writer) ([]row, error) {
	sizes, err := parseSizes(cfg.sweepSizes)
	if err != nil {
		return nil, err
	}
	scale := cfg.sweepScale
	realTimeout := fmtDur(float64(sweepTimeout))
	var rows []row
	var passes []*sweepPass
	for i, n := range sizes {
		fmt.Fprintf(log, "   pass over %d objects\n", n)
		sc := sweepScenario{objects: n, lostEvery: sweepLostEvery, maxTriggers: sweepMaxTriggers, kill: cfg.sweepKill && i == 0}
		p, err := runSweepPass(ctx, exe, sc, scale)
		if err != nil {
			return nil, fmt.Errorf("sweep of %d objects: %w", n, err)
		}
		passes = append(passes, p)
		longest := p.longest * time.Duration(scale)
		pt := p.real
		c := p.calls
		rows = append(rows,
			row{Metric: fmt.Sprintf("Sweep pass, %s objects (1%% in the 6 h window, 0.1%% of those never ran), %v per CI call, timeout %s, a tick every 5 min, "+
				"each invocation with work left continuing at once (SCF Invoke, loopback), times ÷%d (real terms shown): invocations to complete the pass; "+
				"the longest against the timeout", countLabel(n), sweepLatency, realTimeout, scale),
				Value: fmt.Sprintf("%d invocations (%d ticks, %d continuations); longest %s (%s scaled)", p.invocations, p.ticks, p.continuations,
					fmtDur(float64(longest)), fmtDur(float64(p.longest))),
				Goal: "none over " + realTimeout, Met: verdict(longest <= sweepTimeout)},
			row{Metric: fmt.Sprintf("Sweep pass, %s objects: pass time in real terms (each tick's chain of invocations scaled back, at least the 5 min to the next tick but for the last)", countLabel(n)),
				Value: fmt.Sprintf("%s; %d triggered (each lost delivery once, nothing twice); CI calls: list %d, ledger %d, trigger %d, state %d",
					fmtMinutes(pt), p.triggered, c.List, c.Ledger, c.Trigger, c.State),
				Goal: "within " + fmtMinutes(sweepEvery), Met: verdict(pt <= sweepEvery)},
		)
		if sc.kill {
			rows = append(rows, row{Metric: fmt.Sprintf("Sweep pass, %s objects: a lost invocation (the 2nd, killed %s into its %s scaled deadline)",
				countLabel(n), fmtDur(float64(p.killedAt)), fmtDur(float64(sweepTimeout/time.Duration(scale)))),
				Value: fmt.Sprintf("the next tick answered busy %d× until the lease expired (its 1 min grace is not scaled), then resumed from the cursor: "+
					"%d candidates the lost invocation had settled were not checked again; every lost delivery triggered once, nothing twice", p.busy, p.kept),
				Goal: "resumed, 0 twice", Met: verdict(p.kept > 0)})
		}
	}
	if len(passes) >= 2 {
		a, b := passes[0], passes[len(passes)-1]
		var rss []string
		var worst int64
		for _, p := range passes {
			rss = append(rss, countLabel(p.objects)+" "+fmtBytes(float64(p.peakRSS)))
			worst = max(worst, p.peakRSS)
		}
		ratio := float64(b.cpuPerKey()) / float64(a.cpuPerKey())
		rows = append(rows,
			row{Metric: "Sweep pass: peak RSS (VmHWM, the worst invocation) at two sizes",
				Value: strings.Join(rss, "; "), Goal: "≤ " + fmtBytes(float64(cfg.maxHostileRSSBytes)) + " at any size",
				Met: verdict(worst <= cfg.maxHostileRSSBytes)},
			row{Metric: "Sweep pass: CPU per object listed (user + system, all invocations) at two sizes",
				Value: fmt.Sprintf("%s %s; %s %s: %.2f×", countLabel(a.objects), fmtDur(float64(a.cpuPerKey())), countLabel(b.objects), fmtDur(float64(b.cpuPerKey())), ratio),
				Goal:  "linear: ≤ 1.3×", Met: verdict(ratio <= 1.3)},
		)
	}
	if cfg.sweepBacklog > 0 {
		fmt.Fprintf(log, "   backlog of %d objects\n", cfg.sweepBacklog)
		p, err := runSweepPass(ctx, exe, sweepScenario{objects: cfg.sweepBacklog * sweepRecent, lostEvery: 1, maxTriggers: sweepMaxTriggers}, scale)
		if err != nil {
			return nil, fmt.Errorf("backlog of %d: %w", cfg.sweepBacklog, err)
		}
		pt := p.real
		perHour := float64(p.triggered) / pt.Hours()
		// What CI takes: concurrency calls at a time, sweepLatency each.
		ciRate := float64(cfg.concurrency) / sweepLatency.Hours()
		rows = append(rows, row{Metric: fmt.Sprintf("Sweep backlog: %d objects never ran (in %s), maxTriggers %d, %v per CI call, a tick every 5 min, "+
			"continuing at once, times ÷%d: invocations and real time to drain; objects an hour against the CI rate (concurrency %d: %.0f/h)",
			cfg.sweepBacklog, countLabel(p.objects), sweepMaxTriggers, sweepLatency, scale, cfg.concurrency, ciRate),
			Value: fmt.Sprintf("%d invocations (%d ticks, %d continuations), %s: %.0f objects/h (%.2f× the CI rate); CI calls: list %d, ledger %d, trigger %d",
				p.invocations, p.ticks, p.continuations, fmtMinutes(pt), perHour, perHour/ciRate, p.calls.List, p.calls.Ledger, p.calls.Trigger),
			Goal: "the CI rate, not 1,000/h", Met: verdict(perHour >= 0.75*ciRate)})
	}
	return rows, nil
}

// parseSizes reads a comma list of object counts.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-sweep-sizes: %q is not a positive count", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// countLabel writes an object count as 10M, 100k or 2500.
func countLabel(n int) string {
	switch {
	case n >= 1e6 && n%1e6 == 0:
		return fmt.Sprintf("%dM", n/1e6)
	case n >= 1e3 && n%1e3 == 0:
		return fmt.Sprintf("%dk", n/1e3)
	}
	return strconv.Itoa(n)
}

// fmtMinutes prints a real-terms duration in minutes.
func fmtMinutes(d time.Duration) string {
	return fmt.Sprintf("%.1f min", d.Minutes())
}
