package doctor

import (
	"fmt"
	"strings"
)

// Sweep is a reconcile spec as the coverage check reads it: its name,
// where it was found (COSFLOW_BACKFILLS, a timer trigger's argument, a
// file) and the bucket it sweeps.
type Sweep struct {
	Name, Source, Bucket string
}

// CheckSweeps reports, for each rule, whether a reconcile sweep serves it
// in bucket (CheckSweep): a reconcile spec sweeps its bucket under every
// rule that fires on object creation (Rule.Swept). Without one, an
// upload whose delivery the platform drops, or whose every attempt
// failed, is never processed: a warning. looked says where the specs were
// looked for, for the message.
func CheckSweeps(bucket string, rules []Rule, sweeps []Sweep, looked []string) []Finding {
	var here []Sweep
	for _, s := range sweeps {
		if s.Bucket == bucket {
			here = append(here, s)
		}
	}
	findings := make([]Finding, 0, len(rules))
	for _, r := range rules {
		f := Finding{Check: CheckSweep, Rule: r.Name, WorkflowID: r.WorkflowID, Level: LevelWarn}
		switch {
		case !r.Swept:
			f.Message = fmt.Sprintf("rule %q fires on no object creation event, and a sweep serves only those: an upload of its whose delivery is dropped stays unprocessed", r.Name)
		case len(here) == 0:
			f.Message = fmt.Sprintf("no reconcile spec sweeps bucket %s (looked in %s): an upload rule %q takes whose delivery the platform drops, or whose every attempt fails, stays unprocessed; add an hourly timer whose argument is {\"name\":\"sweep\",\"reconcile\":{\"window\":\"6h\"}}",
				bucket, strings.Join(looked, ", "), r.Name)
		default:
			f.Level = LevelOK
			f.Message = fmt.Sprintf("rule %q is swept by reconcile spec %q (%s)", r.Name, here[0].Name, here[0].Source)
		}
		findings = append(findings, f)
	}
	return findings
}
