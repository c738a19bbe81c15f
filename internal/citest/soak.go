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
	Name           string  `json:"name"`
	Objects        int     `json:"objects"`
	Deliveries     int     `json:"deliveries"`
	Retried        int     `json:"retried"`
	Dropped        int     `json:"dropped"`
	Calls          int     `json:"calls"`
	TriggerCalls   int     `json:"triggerCalls"`
	LedgerCalls    int     `json:"ledgerCalls"`
	SweepTriggered int     `json:"sweepTriggered"`
	SweepLedger    int     `json:"sweepLedgerCalls"`
	Lost           int     `json:"lost"`
	Twice          int     `json:"twice"`
	WallSeconds    float64 `json:"wallSeconds"`
}
