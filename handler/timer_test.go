package handler

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
)

const tick = "2026-11-22T02:00:00Z"

// jobNameRE is the job name of the spec "nightly" at tick.
var jobNameRE = regexp.MustCompile(`^nightly-20261122T020000Z-[0-9a-f]{8}$`)

// timer runs a timer payload and returns its result.
func (e *testEnv) timer(t *testing.T, payload []byte) (*TimerResult, error) {
	t.Helper()
	out, err := e.invoke(t, payload)
	r, ok := out.(*TimerResult)
	if !ok {
		t.Fatalf("result is %T (err %v), want *TimerResult", out, err)
	}
	return r, err
}

func TestTimerIdempotentPerTick(t *testing.T) {
	env := newTestEnv(t, map[string]string{EnvBucket: testBucket, EnvRegion: testRegion})
	msg := `{"name":"nightly","prefix":"photos/","workflowId":"` + wfA + `","window":"24h"}`
	first, err := env.timer(t, timerEvent(tick, msg))
	if err != nil {
		t.Fatalf("first tick: %v", err)
	}
	if len(first.Jobs) != 1 || !first.Jobs[0].Created || first.Jobs[0].JobID == "" || !jobNameRE.MatchString(first.Jobs[0].JobName) {
		t.Fatalf("first tick = %+v, want one created job nightly-20261122T020000Z-<digest>", first.Jobs)
	}
	again, err := env.timer(t, timerEvent(tick, msg)) // the platform retries the tick
	if err != nil {
		t.Fatalf("retried tick: %v", err)
	}
	if len(again.Jobs) != 1 || again.Jobs[0].Created || again.Jobs[0].JobID != first.Jobs[0].JobID {
		t.Errorf("retried tick = %+v, want the existing job %s reported, not created", again.Jobs, first.Jobs[0].JobID)
	}
	jobs := env.emu.Jobs(testBucket)
	if len(jobs) != 1 {
		t.Fatalf("emulator holds %d jobs, want 1", len(jobs))
	}
	ti := jobs[0].Operation.TimeInterval
	if ti == nil || ti.Start != "2026-11-21T10:00:00+0800" || ti.End != "2026-11-22T09:59:59+0800" {
		t.Errorf("TimeInterval = %+v, want [2026-11-21T10:00:00+0800, 2026-11-22T09:59:59+0800]", ti)
	}
	// The next tick is new work.
	next, err := env.timer(t, timerEvent("2026-11-23T02:00:00Z", msg))
	if err != nil || !next.Jobs[0].Created {
		t.Errorf("next tick = %+v, %v; want a new job", next, err)
	}
	lines := env.log.Lines(t)
	if len(withMsg(lines, "job created")) != 2 || len(withMsg(lines, "job exists")) != 1 {
		t.Errorf("want 2 \"job created\" and 1 \"job exists\" lines:\n%s", env.log.String())
	}
}

func TestTimerSpecsFromConfigAndMessage(t *testing.T) {
	backfills := `[{"name":"a","prefix":"","workflowId":"` + wfA + `"},{"name":"b","object":"x.mp4","tag":"Transcode","jobParam":{"TemplateId":"t01"}}]`
	env := newTestEnv(t, map[string]string{EnvBucket: testBucket, EnvRegion: testRegion, EnvBackfills: backfills})
	res, err := env.timer(t, timerEvent(tick, ""))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if len(res.Jobs) != 2 || !res.Jobs[0].Created || !res.Jobs[1].Created {
		t.Fatalf("jobs = %+v, want 2 created", res.Jobs)
	}
	var tagJob *cosclient.JobDetail
	for _, j := range env.emu.Jobs(testBucket) {
		if j.Type == cosclient.JobTypeJob {
			tagJob = &j
		}
		if j.Operation != nil && j.Operation.TimeInterval != nil {
			t.Errorf("job %s has a TimeInterval without a window", j.Name)
		}
	}
	if tagJob == nil || tagJob.Tag != "Transcode" {
		t.Fatalf("no Transcode job in %+v", env.emu.Jobs(testBucket))
	}
	// Message wins over the configured specs; one bad spec does not stop
	// the others.
	msg := `[{"name":"ok","prefix":"p/","workflowId":"` + wfB + `"},{"name":"bad","prefix":"p/","workflowId":"nope"}]`
	res, err = env.timer(t, timerEvent(tick, msg))
	if err != nil {
		t.Fatalf("a permanent spec error must not ask for a retry: %v", err)
	}
	if len(res.Jobs) != 2 || !res.Jobs[0].Created || res.Jobs[1].Error == "" || !strings.HasPrefix(res.Jobs[1].Error, "Message[1].workflowId:") {
		t.Errorf("jobs = %+v, want ok created and bad failing on Message[1].workflowId", res.Jobs)
	}
}

func TestTimerRetryableAndDryRun(t *testing.T) {
	msg := `{"name":"n","prefix":"p/","workflowId":"` + wfA + `"}`
	t.Run("503", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{EnvBucket: testBucket, EnvRegion: testRegion})
		env.emu.SetFaults(ciemu.Faults{ErrorRate: 1, ErrorStatus: 503})
		res, err := env.timer(t, timerEvent(tick, msg))
		var ie *IncompleteError
		if !errors.As(err, &ie) || len(res.Jobs) != 1 || !res.Jobs[0].Retryable {
			t.Errorf("got %+v, %v; want a retryable failure and an IncompleteError", res, err)
		}
	})
	t.Run("dry run", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{EnvBucket: testBucket, EnvRegion: testRegion, EnvDryRun: "true"})
		res, err := env.timer(t, timerEvent(tick, msg))
		if err != nil || len(res.Jobs) != 1 || res.Jobs[0].Created || !res.Jobs[0].DryRun {
			t.Errorf("got %+v, %v; want one dry-run job", res, err)
		}
		if n := env.ciCalls(); n != 0 {
			t.Errorf("%d CI calls in dry run, want 0", n)
		}
		if n := len(withMsg(env.log.Lines(t), "dry run")); n != 1 {
			t.Errorf("%d dry-run lines, want 1", n)
		}
	})
	t.Run("nothing to run", func(t *testing.T) {
		env := newTestEnv(t, nil)
		_, err := env.timer(t, timerEvent(tick, ""))
		var pe *InvalidPayloadError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), EnvBackfills) {
			t.Errorf("err = %v, want an InvalidPayloadError naming %s", err, EnvBackfills)
		}
	})
}

func TestJobName(t *testing.T) {
	at := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	const digest = "1a2b3c4d"
	const suffix = "-20261122T020000Z-" + digest
	tests := []struct {
		name, spec, want string
	}{
		{"plain", "nightly", "nightly" + suffix},
		{"CJK kept", "夜间回填", "夜间回填" + suffix},
		{"illegal characters", "a b/c.d:e", "a-b-c-d-e" + suffix},
		{"injection", `x"; DROP TABLE jobs;--<script>`, "x---DROP-TABLE-jobs----script-" + suffix},
		{"emoji and kana", "猫🐱ねこ", "猫---" + suffix},
		{"empty", "", "backfill" + suffix},
		{"long is cut, suffix kept", strings.Repeat("长", 200), strings.Repeat("长", cosclient.MaxJobNameRunes-len(suffix)) + suffix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := JobName(tt.spec, at, digest)
			if got != tt.want {
				t.Errorf("JobName(%q) = %q, want %q", tt.spec, got, tt.want)
			}
			if err := cosclient.ValidateJobName(got); err != nil {
				t.Errorf("JobName(%q) = %q fails CI's check: %v", tt.spec, got, err)
			}
			if n := utf8.RuneCountInString(got); n > cosclient.MaxJobNameRunes {
				t.Errorf("%d characters", n)
			}
		})
	}
	// Other time zones name the same tick the same way.
	if a, b := JobName("n", at, digest), JobName("n", at.In(time.FixedZone("CST", 8*3600)), digest); a != b {
		t.Errorf("zone changes the name: %q vs %q", a, b)
	}
}

func TestWindowInterval(t *testing.T) {
	at := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		tick       time.Time
		window     time.Duration
		start, end string
	}{
		{at, 24 * time.Hour, "2026-11-21T10:00:00+0800", "2026-11-22T09:59:59+0800"},
		{at, 90 * time.Minute, "2026-11-22T08:30:00+0800", "2026-11-22T09:59:59+0800"},
		{at.Add(500 * time.Millisecond), time.Hour, "2026-11-22T09:00:00+0800", "2026-11-22T10:00:00+0800"},
	}
	for _, tt := range tests {
		ti := windowInterval(tt.tick, tt.window)
		if ti.Start != tt.start || ti.End != tt.end {
			t.Errorf("windowInterval(%v, %v) = %+v, want [%s, %s]", tt.tick, tt.window, ti, tt.start, tt.end)
		}
	}
}

func TestTimerResultJSON(t *testing.T) {
	b, _ := json.Marshal(&TimerResult{Jobs: []JobResult{{Name: "n", JobID: "j", Created: true}}})
	if string(b) != `{"jobs":[{"name":"n","jobId":"j","created":true}]}` {
		t.Errorf("got %s", b)
	}
	b, _ = json.Marshal(newUploadResult())
	if string(b) != `{"triggered":[],"skipped":[],"failed":[]}` {
		t.Errorf("got %s", b)
	}
}
