package handler

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/model"
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

// specInput parses one backfill spec (bucket and region defaulted) and
// returns the job request it makes at at.
func specInput(t *testing.T, spec string, at time.Time) *cosclient.CreateInventoryTriggerJobInput {
	t.Helper()
	s, err := parseSpec([]byte(spec), model.Target{Bucket: testBucket, Region: testRegion})
	if err != nil || s.Backfill == nil {
		t.Fatalf("parseSpec(%s) = %+v, %v", spec, s, err)
	}
	return s.Backfill.jobInput(at)
}

// TestJobNameDigest: the digest in a job name changes with each part of
// the work (type, input, operation, window) and with nothing else.
func TestJobNameDigest(t *testing.T) {
	at := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	base := `{"name":"n","prefix":"p/","workflowId":"` + wfA + `","window":"24h"}`
	baseName := specInput(t, base, at).Name
	tests := []struct {
		name, spec string
		same       bool
	}{
		{"same spec", base, true},
		{"other bucket", `{"name":"n","bucket":"other-1250000000","prefix":"p/","workflowId":"` + wfA + `","window":"24h"}`, true},
		{"other prefix", `{"name":"n","prefix":"q/","workflowId":"` + wfA + `","window":"24h"}`, false},
		{"empty prefix", `{"name":"n","prefix":"","workflowId":"` + wfA + `","window":"24h"}`, false},
		{"other workflow", `{"name":"n","prefix":"p/","workflowId":"` + wfB + `","window":"24h"}`, false},
		{"other window", `{"name":"n","prefix":"p/","workflowId":"` + wfA + `","window":"12h"}`, false},
		{"no window", `{"name":"n","prefix":"p/","workflowId":"` + wfA + `"}`, false},
		{"object input", `{"name":"n","object":"p/","workflowId":"` + wfA + `"}`, false},
		{"tag job", `{"name":"n","prefix":"p/","tag":"Transcode","jobParam":{"TemplateId":"t01"},"window":"24h"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := specInput(t, tt.spec, at).Name
			if (got == baseName) != tt.same {
				t.Errorf("job name %q beside %q: same = %v, want %v", got, baseName, got == baseName, tt.same)
			}
			if !strings.HasPrefix(got, "n-20261122T020000Z-") {
				t.Errorf("job name %q does not start with the name and tick", got)
			}
		})
	}
}

// TestBackfillNamesCollide: two specs whose names sanitise alike but whose
// work differs get two jobs; a retry of the tick finds both and creates
// nothing.
func TestBackfillNamesCollide(t *testing.T) {
	env := newTestEnv(t, map[string]string{EnvBucket: testBucket, EnvRegion: testRegion})
	msg := `[{"name":"img a","prefix":"a/","workflowId":"` + wfA + `"},{"name":"img-a","prefix":"b/","workflowId":"` + wfA + `"}]`
	first, err := env.timer(t, timerEvent(tick, msg))
	if err != nil {
		t.Fatalf("first tick: %v", err)
	}
	if len(first.Jobs) != 2 || !first.Jobs[0].Created || !first.Jobs[1].Created {
		t.Fatalf("jobs = %+v, want 2 created", first.Jobs)
	}
	a, b := first.Jobs[0], first.Jobs[1]
	if a.JobName == b.JobName || a.JobID == b.JobID {
		t.Errorf("both specs got job name %q (IDs %s, %s)", a.JobName, a.JobID, b.JobID)
	}
	for _, j := range first.Jobs {
		if !strings.HasPrefix(j.JobName, "img-a-20261122T020000Z-") {
			t.Errorf("job name %q, want img-a-20261122T020000Z-<digest>", j.JobName)
		}
	}
	prefixes := map[string]string{}
	for _, j := range env.emu.Jobs(testBucket) {
		if j.Input != nil && j.Input.Prefix != nil {
			prefixes[j.Name] = *j.Input.Prefix
		}
	}
	if prefixes[a.JobName] != "a/" || prefixes[b.JobName] != "b/" {
		t.Errorf("emulator jobs by name %v, want %s→a/ and %s→b/", prefixes, a.JobName, b.JobName)
	}

	creates := env.opCalls(ciemu.OpCreateInventoryTriggerJob)
	again, err := env.timer(t, timerEvent(tick, msg)) // the platform retries the tick
	if err != nil {
		t.Fatalf("retried tick: %v", err)
	}
	for i, j := range again.Jobs {
		if j.Created || j.Error != "" || j.JobID != first.Jobs[i].JobID || j.JobName != first.Jobs[i].JobName {
			t.Errorf("retried job %d = %+v, want %s found, not created", i, j, first.Jobs[i].JobID)
		}
	}
	if n := env.opCalls(ciemu.OpCreateInventoryTriggerJob) - creates; n != 0 {
		t.Errorf("the retry made %d CreateInventoryTriggerJob calls, want 0", n)
	}
}

// TestBackfillExistingJob: a job of the spec's name is used only when it
// does the spec's work; one doing other work is an error, not created:false.
func TestBackfillExistingJob(t *testing.T) {
	at, _ := time.Parse(time.RFC3339, tick)
	spec := `{"name":"nightly","prefix":"photos/","workflowId":"` + wfA + `","window":"24h"}`
	tests := []struct {
		name string
		edit func(in *cosclient.CreateInventoryTriggerJobInput) // nil: the same work
	}{
		{"same work", nil},
		{"other prefix", func(in *cosclient.CreateInventoryTriggerJobInput) { p := "videos/"; in.Input.Prefix = &p }},
		{"object input", func(in *cosclient.CreateInventoryTriggerJobInput) {
			o := "photos/"
			in.Input.Prefix, in.Input.Object, in.Operation.TimeInterval = nil, &o, nil
		}},
		{"other workflow", func(in *cosclient.CreateInventoryTriggerJobInput) { in.Operation.WorkflowIDs = wfB }},
		{"other window", func(in *cosclient.CreateInventoryTriggerJobInput) {
			in.Operation.TimeInterval = windowInterval(at, time.Hour)
		}},
		{"no window", func(in *cosclient.CreateInventoryTriggerJobInput) { in.Operation.TimeInterval = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, map[string]string{EnvBucket: testBucket, EnvRegion: testRegion})
			in := specInput(t, spec, at)
			if tt.edit != nil {
				tt.edit(in)
			}
			made, err := env.ci.CreateInventoryTriggerJob(context.Background(), in)
			if err != nil {
				t.Fatalf("create the existing job: %v", err)
			}
			res, err := env.timer(t, timerEvent(tick, spec))
			if err != nil {
				t.Fatalf("a job of another's work is no reason to retry: %v", err)
			}
			j := res.Jobs[0]
			if j.Created || j.JobID != made.JobsDetail.JobID || j.JobName != in.Name {
				t.Errorf("job = %+v, want %s (%s) reported, not created", j, in.Name, made.JobsDetail.JobID)
			}
			if tt.edit == nil && j.Error != "" {
				t.Errorf("the same work is an error: %s", j.Error)
			}
			if tt.edit != nil && (j.Retryable || !strings.Contains(j.Error, "with another input or operation")) {
				t.Errorf("error %q (retryable %v), want a permanent \"another input or operation\"", j.Error, j.Retryable)
			}
			if n := len(env.emu.Jobs(testBucket)); n != 1 {
				t.Errorf("%d jobs, want only the existing one", n)
			}
		})
	}
}

// TestTimerSpecNamesUnique: two specs of one name are refused, naming the
// second one's name field, in a Message and in COSFLOW_BACKFILLS alike.
func TestTimerSpecNamesUnique(t *testing.T) {
	specs := `[{"name":"a","prefix":"x/","workflowId":"` + wfA + `"},{"name":"b","object":"o","workflowId":"` + wfA + `"},` +
		`{"name":"a","prefix":"y/","workflowId":"` + wfB + `"}]`
	const want = `[2].name: "a" is already the name of spec [0]`

	env := newTestEnv(t, map[string]string{EnvBucket: testBucket, EnvRegion: testRegion})
	_, err := env.timer(t, timerEvent(tick, specs))
	var pe *InvalidPayloadError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "Message"+want) {
		t.Errorf("Message: err = %v, want an InvalidPayloadError naming Message%s", err, want)
	}
	if n := env.ciCalls(); n != 0 {
		t.Errorf("%d CI calls, want 0", n)
	}

	_, err = LoadConfig(func(k string) string {
		return map[string]string{EnvBucket: testBucket, EnvRegion: testRegion, EnvBackfills: specs}[k]
	})
	if err == nil || !strings.HasPrefix(err.Error(), EnvBackfills+want) {
		t.Errorf("%s: err = %v, want %s%s", EnvBackfills, err, EnvBackfills, want)
	}
}

// TestTimerWindowLogged: the job line gives the window in CI's +08:00 and
// in UTC, the timer event's own zone.
func TestTimerWindowLogged(t *testing.T) {
	env := newTestEnv(t, map[string]string{EnvBucket: testBucket, EnvRegion: testRegion})
	if _, err := env.timer(t, timerEvent(tick, `{"name":"nightly","prefix":"p/","workflowId":"`+wfA+`","window":"24h"}`)); err != nil {
		t.Fatal(err)
	}
	lines := withMsg(env.log.Lines(t), "job created")
	if len(lines) != 1 {
		t.Fatalf("%d \"job created\" lines, want 1:\n%s", len(lines), env.log.String())
	}
	want := map[string]string{
		"start": "2026-11-21T10:00:00+0800", "end": "2026-11-22T09:59:59+0800",
		"startUTC": "2026-11-21T02:00:00Z", "endUTC": "2026-11-22T01:59:59Z",
	}
	for k, v := range want {
		if lines[0][k] != v {
			t.Errorf("%s = %v, want %s", k, lines[0][k], v)
		}
	}
}
