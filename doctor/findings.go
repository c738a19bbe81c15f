package doctor

// Level grades a finding.
type Level string

// Levels, mildest first. Only LevelError fails `cosflow doctor` (exit 1).
const (
	// LevelOK: the check passed.
	LevelOK Level = "ok"
	// LevelInfo: worth knowing, nothing breaks (a callback that goes
	// elsewhere: failed runs wait for the sweep to be redriven).
	LevelInfo Level = "info"
	// LevelWarn: something may break, or breaks under one plausible
	// reading of what CI leaves undocumented (a paused workflow), or a
	// safety net is missing (no sweep, a possible loop).
	LevelWarn Level = "warn"
	// LevelError: uploads fail, or run twice.
	LevelError Level = "error"
)

// Checks, as Finding.Check names them.
const (
	CheckConfig      = "config"      // the function's configuration reads
	CheckSpecs       = "specs"       // the backfill and reconcile specs parse
	CheckCredentials = "credentials" // credentials resolve and a read call succeeds
	CheckWorkflow    = "workflow"    // the rule's workflow exists in the bucket, and its state
	CheckDoubleRun   = "double-run"  // the workflow's own upload trigger takes the rule's uploads too
	CheckLoop        = "loop"        // the rule takes what the workflow writes
	CheckCallback    = "callback"    // where the workflow posts its completion callbacks
	CheckSweep       = "sweep"       // a reconcile spec sweeps for the rule
)

// Finding is one result of a check: which check, about which rule and
// workflow (either may be empty), how grave, and what to do. Its JSON is
// `cosflow doctor -o json`'s line.
type Finding struct {
	Check      string `json:"check"`
	Rule       string `json:"rule"`
	WorkflowID string `json:"workflowId"`
	Level      Level  `json:"level"`
	Message    string `json:"message"`
}

// Failed reports whether any of findings is an error.
func Failed(findings []Finding) bool {
	for _, f := range findings {
		if f.Level == LevelError {
			return true
		}
	}
	return false
}

// Rule is what the checks read of a cosflow upload rule.
type Rule struct {
	Name, Prefix, Suffix, WorkflowID string
	// Swept is set when a reconcile sweep serves the rule: it fires on
	// object creation (a bucket listing does not say how an object came).
	Swept bool
}

// filter is r's key filter, with the prefixes under which nothing
// triggers.
func (r *Rule) filter(ignore []string) RuleFilter {
	return RuleFilter{Prefix: r.Prefix, Suffix: r.Suffix, Ignore: ignore}
}
