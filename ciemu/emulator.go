// Package ciemu is an emulator of the CI (Cloud Infinite) batch API and
// of the bucket it works on, speaking the real wire: the same paths, query
// names, XML shapes, COS q-sign signatures, Host-based buckets and error
// bodies as the services, so the official SDK and cosclient both talk to
// it unchanged.
//
// One http.Handler serves both hosts of a bucket, routed by the Host
// header's service label:
//   - <bucket>.ci.<region>.myqcloud.com: TriggerWorkflow, the inventory
//     trigger jobs (create, list, describe, cancel), the workflow
//     executions every trigger records (list, describe) and the workflows
//     a test registers (describe, switch on and off; see RegisterWorkflow);
//   - <bucket>.cos.<region>.myqcloud.com: PUT Object (exclusive with
//     x-cos-forbid-overwrite), GET Object and GET Bucket, keeping what a
//     listing shows of an object and the body of a small one.
//
// Jobs and executions advance through their states as a pure function of
// their creation time and an injectable clock, and memory is bounded
// (jobs, executions, objects, call log, trigger counters).
//
// Faults are injected with seeded randomness, before processing (errors,
// throttling, latency, TCP resets: no side effects) or after it (an answer
// lost after the call changed state: the execution exists although the
// caller saw a failure). SetAnswer replaces one answer with a canned one.
// Tests query what the emulator saw through Calls, TriggerCount,
// Executions, Jobs, Objects and MaxInFlight.
package ciemu

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// The demo key pair used when Options.Credentials is empty. The README
// documents it; it opens nothing but an emulator.
const (
	DefaultSecretID  = "AKIDcosflowEmulatorDemoKey000000000"
	DefaultSecretKey = "cosflowEmulatorDemoSecretKey0000"
)

// Defaults for zero Options fields.
const (
	DefaultSubmittedFor   = 1 * time.Second
	DefaultRunningFor     = 3 * time.Second
	DefaultMaxJobs        = 10_000
	DefaultMaxCalls       = 10_000
	DefaultMaxTriggerKeys = 100_000
	DefaultMaxObjects     = 100_000
	DefaultMaxExecutions  = 100_000
)

// Options configure an Emulator. Zero values take the defaults.
type Options struct {
	// Credentials maps SecretID to SecretKey. Empty means the single pair
	// DefaultSecretID/DefaultSecretKey.
	Credentials map[string]string
	// Now is the clock for signature windows, creation times and job
	// lifecycles; default time.Now. Tests inject one to step jobs through
	// their states.
	Now func() time.Time
	// SubmittedFor and RunningFor are how long a job stays Submitted, then
	// Running, before Success; a workflow execution is Running for
	// RunningFor, then Success. Zero takes the default; negative means the
	// state is skipped.
	SubmittedFor, RunningFor time.Duration
	// MaxJobs bounds stored jobs over all buckets; beyond it the oldest
	// terminal job, else the oldest job, is evicted.
	MaxJobs int
	// MaxCalls bounds the call log (a ring buffer of the latest calls).
	MaxCalls int
	// MaxExecutions bounds the workflow executions stored over all
	// buckets; beyond it the oldest is forgotten.
	MaxExecutions int
	// MaxTriggerKeys bounds the distinct (bucket, workflow, object) keys
	// TriggerCount remembers; beyond it the key first seen longest ago is
	// forgotten (its count reads 0).
	MaxTriggerKeys int
	// MaxObjects bounds the objects stored over all buckets (PUT Object,
	// PutObject); beyond it the object stored first is forgotten.
	MaxObjects int
	// Faults to inject from the start; see SetFaults.
	Faults Faults
	// Seed seeds the fault draws and generated IDs, for reproducible runs.
	Seed uint64
}

// Emulator is the CI batch API and the COS bucket side it needs, as one
// http.Handler. It is safe for concurrent use.
type Emulator struct {
	credentials map[string]string
	now         func() time.Time
	realClock   bool // Options.Now was nil: callbacks go out by themselves (callbacks.go)
	lc          lifecycle

	mu         sync.Mutex // guards everything below
	rng        *rand.Rand
	faults     Faults
	seq        uint64
	jobs       jobStore
	executions executionStore
	triggers   triggerCounter
	objects    objectStore
	synthetic  map[string]*Synthetic // by bucket; see Synthesize
	workflows  workflowStore         // registered by tests; see workflows.go
	calls      ring[Call]            // the latest calls
	answers    map[string][]Answer   // canned, by operation; see SetAnswer

	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}

// New returns an Emulator configured by opts.
func New(opts Options) *Emulator {
	creds := opts.Credentials
	if len(creds) == 0 {
		creds = map[string]string{DefaultSecretID: DefaultSecretKey}
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Emulator{
		credentials: creds,
		now:         now,
		realClock:   opts.Now == nil,
		lc: lifecycle{
			submittedFor: duration(opts.SubmittedFor, DefaultSubmittedFor),
			runningFor:   duration(opts.RunningFor, DefaultRunningFor),
		},
		rng:        rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		faults:     opts.Faults.clone(),
		jobs:       newJobStore(positive(opts.MaxJobs, DefaultMaxJobs)),
		executions: newExecutionStore(positive(opts.MaxExecutions, DefaultMaxExecutions)),
		triggers:   newTriggerCounter(positive(opts.MaxTriggerKeys, DefaultMaxTriggerKeys)),
		objects:    newObjectStore(positive(opts.MaxObjects, DefaultMaxObjects)),
		synthetic:  make(map[string]*Synthetic),
		calls:      newRing[Call](positive(opts.MaxCalls, DefaultMaxCalls)),
		answers:    make(map[string][]Answer),
	}
}

func duration(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

func positive(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// Calls returns the logged calls, oldest first (at most Options.MaxCalls).
// The Query maps are shared with the log: treat them as read-only.
func (e *Emulator) Calls() []Call {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls.all()
}

// TriggerCount returns how many workflow executions were started for one
// bucket, workflow and object, by TriggerWorkflow (answered or not) or by
// the workflow's own upload trigger (RegisterWorkflow): what a test checks
// to see that an object ran once.
func (e *Emulator) TriggerCount(bucket, workflowID, object string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.triggers.count(triggerKey{bucket, workflowID, object})
}

// TotalTriggers returns how many workflow executions were started in all
// (as TriggerCount counts them), including those whose per-key count was
// forgotten.
func (e *Emulator) TotalTriggers() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.triggers.total
}

// Jobs returns a bucket's jobs as DescribeInventoryTriggerJob would show
// them now, oldest first.
func (e *Emulator) Jobs(bucket string) []cosclient.JobDetail {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []cosclient.JobDetail
	for _, j := range e.jobs.order {
		if j.bucket == bucket {
			out = append(out, e.lc.detail(j, now))
		}
	}
	return out
}

// MaxInFlight returns the peak number of requests handled at once since
// New or Reset.
func (e *Emulator) MaxInFlight() int {
	return int(e.maxInFlight.Load())
}

// Reset forgets all jobs, executions, trigger counts, objects (stored and
// synthetic), logged calls, unused canned answers and the in-flight peak. Faults and
// credentials stay.
func (e *Emulator) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.jobs.reset()
	e.executions.reset()
	e.triggers.reset()
	e.objects.reset()
	clear(e.synthetic)
	e.calls.reset()
	clear(e.answers)
	e.maxInFlight.Store(e.inFlight.Load())
}

// enter counts a request in flight and raises the peak if needed.
func (e *Emulator) enter() {
	n := e.inFlight.Add(1)
	for {
		peak := e.maxInFlight.Load()
		if n <= peak || e.maxInFlight.CompareAndSwap(peak, n) {
			return
		}
	}
}

func (e *Emulator) leave() { e.inFlight.Add(-1) }

// newID returns prefix + 32 lower-case hex from the seeded source.
func (e *Emulator) newID(prefix byte) string {
	e.mu.Lock()
	hi, lo := e.rng.Uint64(), e.rng.Uint64()
	e.mu.Unlock()
	return newHexID(prefix, hi, lo)
}

func newHexID(prefix byte, hi, lo uint64) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 33)
	b[0] = prefix
	for i := 0; i < 16; i++ {
		b[16-i] = digits[hi&15]
		hi >>= 4
		b[32-i] = digits[lo&15]
		lo >>= 4
	}
	return string(b)
}

var _ http.Handler = (*Emulator)(nil)
