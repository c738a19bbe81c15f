package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/cosflow/cosflow/internal/citest"
)

// soakPattern selects the soaks whose costs the report shows: the happy
// path (no faults) and the full fault soak.
const soakPattern = "^(TestSoak|TestSoakHappyPathNoLedgerCalls)$"

// runSoaks runs the soak tests at full size (or -short) and returns their
// stats lines; the tests' own output goes to log.
func runSoaks(ctx context.Context, log io.Writer, short bool) ([]citest.SoakStats, error) {
	args := []string{"test", "-count=1", "-run", soakPattern, "-v", "."}
	if short {
		args = append(args, "-short")
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&out, log), log
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	var stats []citest.SoakStats
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		_, line, ok := strings.Cut(sc.Text(), citest.SoakStatsPrefix)
		if !ok {
			continue
		}
		var st citest.SoakStats
		if err := json.Unmarshal([]byte(line), &st); err != nil {
			return nil, fmt.Errorf("soak stats %q: %w", line, err)
		}
		stats = append(stats, st)
	}
	if len(stats) == 0 {
		return nil, fmt.Errorf("the soak tests logged no stats")
	}
	return stats, nil
}

// soakRows reports CI calls per object for each soak. Goals: no call
// beyond the trigger on the happy path, and nothing lost or run twice
// under faults.
func soakRows(stats []citest.SoakStats) []row {
	var rows []row
	for _, st := range stats {
		per := func(n int) float64 { return float64(n) / float64(st.Objects) }
		r := row{
			Metric: fmt.Sprintf("CI calls per object, %s (%d objects through the deploy binary)", st.Name, st.Objects),
			Value: fmt.Sprintf("%.2f (TriggerWorkflow %.2f, ledger lookups %.2f); lost %d, twice %d; wall %.1f s",
				per(st.Calls), per(st.TriggerCalls), per(st.LedgerCalls), st.Lost, st.Twice, st.WallSeconds),
			Goal: "0 lost, 0 twice",
			Met:  verdict(st.Lost == 0 && st.Twice == 0),
		}
		if st.TriggerCalls == st.Calls {
			r.Goal, r.Met = "1.00, no ledger call", verdict(st.Calls == st.Objects && st.LedgerCalls == 0)
		}
		rows = append(rows, r)
	}
	return rows
}
