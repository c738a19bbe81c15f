package citest

// SoakStatsPrefix starts the test log line in which each of the root
// package's soak tests (soak_test.go) writes its SoakStats as JSON; the
// benchmark report (tools/benchref/report, run by scripts/bench.sh) finds
// the lines by it in go test -v's output.
const SoakStatsPrefix = "soak stats "

// SoakStats is what one soak measured: uploads through the real binary over
// the SCF protocol, and what they cost in CI calls. The soak tests write it
// and the benchmark report reads it, so the JSON names are defined here once.
type SoakStats struct {
	Name       string `json:"name"`
	Objects    int    `json:"objects"`
	Deliveries int    `json:"deliveries"`
	Retried    int    `json:"retried"`
	Dropped    int    `json:"dropped"`
	// Calls are the CI and COS calls but the state calls (GET and PUT
	// Object of cursors, leases and claims), StateCalls those; ReadCalls
	// the DescribeWorkflowExecution calls (run reads) among Calls.
	Calls        int `json:"calls"`
	TriggerCalls int `json:"triggerCalls"`
	LedgerCalls  int `json:"ledgerCalls"`
	ReadCalls    int `json:"readCalls"`
	StateCalls   int `json:"stateCalls"`
	// FirstCalls, RetryCalls and SweepCalls split Calls by path: the
	// deliveries' first attempts, the platform's retries of them, and
	// the sweeps (zero in a soak with neither retries nor sweeps).
	FirstCalls     int `json:"firstCalls"`
	RetryCalls     int `json:"retryCalls"`
	SweepCalls     int `json:"sweepCalls"`
	Sweeps         int `json:"sweeps"`
	SweepTriggered int `json:"sweepTriggered"`
	SweepRedriven  int `json:"sweepRedriven"`
	SweepLedger    int `json:"sweepLedgerCalls"`
	// Lost objects never ran; Twice counts runs started after one that
	// did not fail; Unfinished objects have no successful run and no
	// exhausted report; OverBound objects ran more than
	// COSFLOW_MAX_ATTEMPTS times; Exhausted were reported so.
	Lost        int     `json:"lost"`
	Twice       int     `json:"twice"`
	Unfinished  int     `json:"unfinished"`
	OverBound   int     `json:"overBound"`
	Exhausted   int     `json:"exhausted"`
	WallSeconds float64 `json:"wallSeconds"`
}
