package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/internal/hostile"
)

// The hostile answers the RSS bar is measured against (issue 19): every
// call answered with 1 GB, or with 16 MiB of tiny elements, the items of
// the operation's own answer where it lists some.
const (
	hugeAnswer  = 1 << 30
	denseAnswer = 16 << 20
)

// hostileAnswers are the two hostile CIs, by name.
var hostileAnswers = []struct {
	name   string
	answer hostile.Answer
}{
	{"1 GB", hostile.Huge(http.StatusOK, hugeAnswer, "<Response><RequestId>", false)},
	{"16 MiB of elements", hostile.Route(map[string]hostile.Answer{
		ciemu.OpTriggerWorkflow:            hostile.Dense(http.StatusOK, denseAnswer, "Response", "InstanceId"),
		ciemu.OpDescribeWorkflowExecutions: hostile.Dense(http.StatusOK, denseAnswer, "Response", "WorkflowExecutionList"),
		ciemu.OpListObjects:                hostile.Dense(http.StatusOK, denseAnswer, "ListBucketResult", "Contents"),
	})},
}

// hostileScenario is one invocation of the function against a hostile CI.
type hostileScenario struct {
	name    string
	env     []string // added to functionEnv
	payload func(cfg config) ([]byte, error)
}

// hostileRecords is the upload's size: one record per concurrent call
// (COSFLOW_CONCURRENCY's default, 8).
const hostileRecords = 8

var hostileScenarios = []hostileScenario{
	// COSFLOW_LEDGER=off: the 8 records are triggered at once, 8
	// TriggerWorkflow answers read together.
	{"upload", []string{"COSFLOW_LEDGER=off"}, func(cfg config) ([]byte, error) { return uploadEvent(cfg.fixture, hostileRecords) }},
	// The fixture's records are late (older than COSFLOW_LEDGER_AFTER):
	// the execution list is read before any trigger.
	{"late upload", nil, func(cfg config) ([]byte, error) { return uploadEvent(cfg.fixture, hostileRecords) }},
	// A timer's reconcile sweep: the bucket listing.
	{"sweep", nil, func(config) ([]byte, error) {
		return json.Marshal(map[string]string{"Type": "Timer", "TriggerName": "sweep", "Time": "2026-11-22T02:00:00Z",
			"Message": `{"name":"sweep","reconcile":{"window":"6h"}}`})
	}},
}

// hostileRows invokes the cosflow binary, a fresh process each time, in
// every scenario against every hostile answer, and reports the worst peak
// RSS against half the function's memorySize.
func hostileRows(ctx context.Context, cfg config, exe string) ([]row, error) {
	var worst int64
	var parts []string
	for _, sc := range hostileScenarios {
		payload, err := sc.payload(cfg)
		if err != nil {
			return nil, err
		}
		var peaks []string
		for _, a := range hostileAnswers {
			rss, err := hostileRun(ctx, exe, sc, a.answer, payload)
			if err != nil {
				return nil, fmt.Errorf("hostile %s, %s: %w", sc.name, a.name, err)
			}
			worst = max(worst, rss)
			peaks = append(peaks, fmtBytes(float64(rss)))
		}
		parts = append(parts, sc.name+" "+strings.Join(peaks, " / "))
	}
	var names []string
	for _, a := range hostileAnswers {
		names = append(names, a.name)
	}
	return []row{{
		Metric: fmt.Sprintf("Peak RSS (VmHWM) of cosflow against a hostile CI answering every call with %s (internal/hostile): "+
			"an %d-record upload (%d triggers at once), a late one (its execution list), a sweep (its listing); worst",
			strings.Join(names, " or "), hostileRecords, hostileRecords),
		Value: fmt.Sprintf("%s (%s)", fmtBytes(float64(worst)), strings.Join(parts, "; ")),
		Goal:  "≤ " + fmtBytes(float64(cfg.maxHostileRSSBytes)), Met: verdict(worst <= cfg.maxHostileRSSBytes),
	}}, nil
}

// hostileRun invokes the function once against a hostile server answering
// with answer, and returns the process's peak RSS. The invocation's result
// is not checked (against such a CI it reports its triggers unknown or
// failed retryable, as the hostile tests check); that it ends is.
func hostileRun(ctx context.Context, exe string, sc hostileScenario, answer hostile.Answer, payload []byte) (int64, error) {
	s := hostile.NewServer(answer, hostile.Options{Hold: 30 * time.Second, MaxRequests: 1000})
	defer s.Close()
	inv, err := invokeOnce(ctx, exe, append(functionEnv(s.URL), sc.env...), payload, time.Minute)
	if err != nil {
		return 0, err
	}
	if s.Requests() == 0 {
		return 0, fmt.Errorf("no call reached the hostile server")
	}
	return inv.peakRSS, nil
}
