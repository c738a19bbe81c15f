package handler

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/scf"
)

func TestRuleMatches(t *testing.T) {
	obj := func(key string, size int64, ev string) *events.ObjectRef {
		return &events.ObjectRef{Key: key, Size: size, EventName: ev}
	}
	tests := []struct {
		name string
		rule Rule
		obj  *events.ObjectRef
		want bool
	}{
		{"catch-all", Rule{}, obj("a.jpg", 1, "cos:ObjectCreated:Put"), true},
		{"catch-all ignores removals", Rule{}, obj("a.jpg", 1, "cos:ObjectRemove:Delete"), false},
		{"prefix hit", Rule{Prefix: "in/"}, obj("in/a.jpg", 1, "cos:ObjectCreated:Put"), true},
		{"prefix miss", Rule{Prefix: "in/"}, obj("out/a.jpg", 1, "cos:ObjectCreated:Put"), false},
		{"suffix hit", Rule{Suffix: ".mp4"}, obj("v/a.mp4", 1, "cos:ObjectCreated:Put"), true},
		{"suffix miss", Rule{Suffix: ".mp4"}, obj("v/a.mp3", 1, "cos:ObjectCreated:Put"), false},
		{"wildcard", Rule{Events: []string{"cos:ObjectCreated:*"}}, obj("a", 1, "cos:ObjectCreated:CompleteMultipartUpload"), true},
		{"exact event hit", Rule{Events: []string{"cos:ObjectCreated:Put"}}, obj("a", 1, "cos:ObjectCreated:Put"), true},
		{"exact event miss", Rule{Events: []string{"cos:ObjectCreated:Put"}}, obj("a", 1, "cos:ObjectCreated:Copy"), false},
		{"second pattern", Rule{Events: []string{"cos:ObjectCreated:Put", "cos:ObjectCreated:Copy"}}, obj("a", 1, "cos:ObjectCreated:Copy"), true},
		{"min size below", Rule{MinSize: 100}, obj("a", 99, "cos:ObjectCreated:Put"), false},
		{"min size equal", Rule{MinSize: 100}, obj("a", 100, "cos:ObjectCreated:Put"), true},
		{"max size equal", Rule{MaxSize: 100}, obj("a", 100, "cos:ObjectCreated:Put"), true},
		{"max size above", Rule{MaxSize: 100}, obj("a", 101, "cos:ObjectCreated:Put"), false},
		{"all criteria", Rule{Prefix: "in/", Suffix: ".jpg", MinSize: 1, MaxSize: 10, Events: []string{"cos:ObjectCreated:*"}}, obj("in/x.jpg", 5, "cos:ObjectCreated:Post"), true},
		{"CJK prefix", Rule{Prefix: "照片/"}, obj("照片/猫.jpg", 5, "cos:ObjectCreated:Put"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rule.Matches(tt.obj); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUploadRulesMatrix(t *testing.T) {
	env := newTestEnv(t, map[string]string{
		EnvRules: rulesJSON(
			Rule{Name: "images", Prefix: "in/", Suffix: ".jpg", WorkflowID: wfA},
			Rule{Name: "big", MinSize: 1000, WorkflowID: wfB},
		),
		EnvIgnorePrefixes: "in/out/, processed/",
	})
	res, err := env.upload(t, cosEvent(
		rec{key: "in/a.jpg", size: 10},        // images only
		rec{key: "in/b.jpg", size: 5000},      // both rules fire
		rec{key: "in/c.png", size: 10},        // nothing
		rec{key: "in/out/d.jpg", size: 5000},  // ignored, although both match
		rec{key: "processed/e.jpg", size: 10}, // ignored
		rec{key: "other/f.bin", size: 2000},   // big only
	))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	got := keysOf(res)
	slices.Sort(got)
	want := []string{"in/a.jpg→w0", "in/b.jpg→w0", "in/b.jpg→wf", "other/f.bin→wf"}
	if !slices.Equal(got, want) {
		t.Errorf("triggered %v, want %v", got, want)
	}
	reasons := map[string]string{}
	for _, s := range res.Skipped {
		reasons[s.Key] = s.Reason
	}
	wantSkips := map[string]string{
		"in/c.png":        ReasonNoRuleMatches,
		"in/out/d.jpg":    "ignored prefix in/out/",
		"processed/e.jpg": "ignored prefix processed/",
	}
	for k, r := range wantSkips {
		if reasons[k] != r {
			t.Errorf("skip reason of %s = %q, want %q", k, reasons[k], r)
		}
	}
	if len(res.Failed) != 0 {
		t.Errorf("failed: %+v", res.Failed)
	}
	for _, tr := range res.Triggered {
		if tr.InstanceID == "" || tr.Bucket != testBucket {
			t.Errorf("triggered item %+v lacks instance or bucket", tr)
		}
		if n := env.emu.TriggerCount(testBucket, tr.WorkflowID, tr.Key); n != 1 {
			t.Errorf("emulator TriggerCount(%s, %s) = %d, want 1", tr.WorkflowID, tr.Key, n)
		}
	}
	if n := env.emu.TotalTriggers(); n != 4 {
		t.Errorf("emulator saw %d triggers, want 4", n)
	}
	if n := len(withMsg(env.log.Lines(t), "workflow triggered")); n != 4 {
		t.Errorf("%d \"workflow triggered\" lines, want 4", n)
	}
}

func TestUploadSkipReasons(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		reason string
	}{
		{"no rule configured", map[string]string{}, ReasonNoRuleConfigured},
		{"no rule matches", map[string]string{EnvRules: rulesJSON(Rule{Name: "r", Suffix: ".mp4", WorkflowID: wfA})}, ReasonNoRuleMatches},
		{"ignored prefix", map[string]string{EnvWorkflowID: wfA, EnvIgnorePrefixes: "photos/"}, "ignored prefix photos/"},
		{"dry run", map[string]string{EnvWorkflowID: wfA, EnvDryRun: "true"}, ReasonDryRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, tt.env)
			res, err := env.upload(t, cosEvent(rec{key: "photos/a.jpg", size: 1}))
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if len(res.Skipped) != 1 || res.Skipped[0].Reason != tt.reason || res.Skipped[0].Key != "photos/a.jpg" {
				t.Errorf("skipped = %+v, want one with reason %q", res.Skipped, tt.reason)
			}
			if len(res.Triggered) != 0 || len(res.Failed) != 0 {
				t.Errorf("result %+v, want only the skip", res)
			}
			if n := env.ciCalls(); n != 0 {
				t.Errorf("%d CI calls, want 0", n)
			}
		})
	}
}

func TestUploadDryRunPlansEveryMatch(t *testing.T) {
	env := newTestEnv(t, map[string]string{
		EnvRules:  rulesJSON(Rule{Name: "a", WorkflowID: wfA}, Rule{Name: "b", Prefix: "x/", WorkflowID: wfB}),
		EnvDryRun: "true",
	})
	res, err := env.upload(t, cosEvent(rec{key: "x/1", size: 1}, rec{key: "y/2", size: 1}))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if len(res.Skipped) != 3 {
		t.Errorf("skipped %+v, want 3 planned", res.Skipped)
	}
	if n := len(withMsg(env.log.Lines(t), "dry run")); n != 3 {
		t.Errorf("%d \"dry run\" lines, want 3", n)
	}
	if n := env.ciCalls(); n != 0 {
		t.Errorf("%d CI calls in dry run, want 0", n)
	}
}

func TestUploadDuplicateDelivery(t *testing.T) {
	env := newTestEnv(t, map[string]string{EnvWorkflowID: wfA})
	payload := cosEvent(rec{key: "a.jpg", size: 1}, rec{key: "a.jpg", size: 1}, rec{key: "b.jpg", size: 1})
	res, err := env.upload(t, payload)
	if err != nil {
		t.Fatalf("first delivery: %v", err)
	}
	if len(res.Triggered) != 2 || len(res.Skipped) != 1 || res.Skipped[0].Reason != ReasonAlreadyTriggered {
		t.Errorf("first delivery = %+v, want 2 triggered and a.jpg skipped as already triggered", res)
	}
	res, err = env.upload(t, payload) // a platform retry on the warm instance
	if err != nil {
		t.Fatalf("second delivery: %v", err)
	}
	if len(res.Triggered) != 0 || len(res.Skipped) != 3 {
		t.Errorf("second delivery = %+v, want everything skipped", res)
	}
	for _, k := range []string{"a.jpg", "b.jpg"} {
		if n := env.emu.TriggerCount(testBucket, wfA, k); n != 1 {
			t.Errorf("TriggerCount(%s) = %d, want 1", k, n)
		}
	}
	// A new version of the object is new work.
	res, err = env.upload(t, cosEvent(rec{key: "a.jpg", size: 1, etag: "00000000000000000000000000000001"}))
	if err != nil || len(res.Triggered) != 1 {
		t.Errorf("new version: %+v, %v; want it triggered", res, err)
	}
}

func TestUploadPartialFailure(t *testing.T) {
	t.Run("permanent 4xx", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{EnvWorkflowID: wfA})
		env.emu.SetFaults(ciemu.Faults{ErrorRate: 1, ErrorStatus: 400, ErrorCode: "InvalidArgument"})
		res, err := env.upload(t, cosEvent(rec{key: "a.jpg", size: 1}))
		if err != nil {
			t.Fatalf("a permanent failure must not ask for a retry: %v", err)
		}
		if len(res.Failed) != 1 || res.Failed[0].Retryable || !strings.Contains(res.Failed[0].Error, "InvalidArgument") {
			t.Errorf("failed = %+v, want one permanent InvalidArgument", res.Failed)
		}
		if n := env.ciCalls(); n != 1 {
			t.Errorf("%d CI calls, want 1 (4xx is not retried)", n)
		}
	})
	t.Run("retryable 503", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{EnvWorkflowID: wfA})
		env.emu.SetFaults(ciemu.Faults{ErrorRate: 1, ErrorStatus: 503})
		res, err := env.upload(t, cosEvent(rec{key: "a.jpg", size: 1}, rec{key: "b.jpg", size: 1}))
		var ie *IncompleteError
		if !errors.As(err, &ie) || ie.Failed != 2 || ie.Total != 2 {
			t.Fatalf("err = %v, want an IncompleteError for 2 of 2", err)
		}
		if !strings.Contains(err.Error(), "a.jpg") && !strings.Contains(err.Error(), "b.jpg") {
			t.Errorf("error %q does not name the first failure", err)
		}
		if len(res.Failed) != 2 || !res.Failed[0].Retryable {
			t.Errorf("failed = %+v, want 2 retryable", res.Failed)
		}
		// The retry, with CI healthy again, fires them.
		env.emu.SetFaults(ciemu.Faults{})
		res, err = env.upload(t, cosEvent(rec{key: "a.jpg", size: 1}, rec{key: "b.jpg", size: 1}))
		if err != nil || len(res.Triggered) != 2 {
			t.Errorf("retry: %+v, %v; want 2 triggered", res, err)
		}
	})
	t.Run("unresolvable record among good ones", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{EnvWorkflowID: wfA})
		payload := cosEvent(rec{key: "good.jpg", size: 1}, rec{key: "bad", size: 1})
		payload = []byte(strings.Replace(string(payload), `/1250000000/examplebucket/bad`, `/999/otherbucket/bad`, 1))
		res, err := env.upload(t, payload)
		if err != nil {
			t.Fatalf("Handle: %v", err)
		}
		if len(res.Triggered) != 1 || len(res.Failed) != 1 || res.Failed[0].Retryable || !strings.Contains(res.Failed[0].Error, "Records[1]") {
			t.Errorf("result %+v, want good.jpg triggered and Records[1] failed permanently", res)
		}
	})
}

func TestUploadDeadline(t *testing.T) {
	env := newTestEnv(t, map[string]string{EnvWorkflowID: wfA})
	ctx, cancel := context.WithCancel(scf.NewContext(context.Background(), &scf.InvocationContext{RequestID: "r"}))
	cancel() // the deadline has passed before any call
	out, err := env.h.Handle(ctx, cosEvent(rec{key: "a.jpg", size: 1}))
	var ie *IncompleteError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want IncompleteError", err)
	}
	res := out.(*UploadResult)
	if len(res.Failed) != 1 || !res.Failed[0].Retryable || !strings.Contains(res.Failed[0].Error, "not attempted") {
		t.Errorf("failed = %+v, want one retryable not-attempted", res.Failed)
	}
	if n := env.ciCalls(); n != 0 {
		t.Errorf("%d CI calls, want 0", n)
	}
}

func TestUploadConcurrencyBound(t *testing.T) {
	env := newTestEnv(t, map[string]string{EnvWorkflowID: wfA, EnvConcurrency: "3"})
	env.emu.SetFaults(ciemu.Faults{Latency: 5 * time.Millisecond})
	var recs []rec
	for i := range 20 {
		recs = append(recs, rec{key: "k" + string(rune('a'+i)), size: 1})
	}
	res, err := env.upload(t, cosEvent(recs...))
	if err != nil || len(res.Triggered) != 20 {
		t.Fatalf("got %d triggered, %v", len(res.Triggered), err)
	}
	if m := env.emu.MaxInFlight(); m > 3 || m < 1 {
		t.Errorf("emulator saw %d calls in flight, want 1..3", m)
	}
}

func TestFiredSetBounds(t *testing.T) {
	now := time.Unix(0, 0)
	s := newFiredSet(3, time.Minute, func() time.Time { return now })
	for _, k := range []string{"a", "b", "c", "d"} {
		s.add(k)
	}
	if s.has("a") || !s.has("d") || s.len() != 3 {
		t.Errorf("size bound: has(a)=%v has(d)=%v len=%d", s.has("a"), s.has("d"), s.len())
	}
	now = now.Add(2 * time.Minute)
	if s.has("d") {
		t.Error("entry outlived its TTL")
	}
	s.add("e")
	if s.len() != 1 {
		t.Errorf("expired entries kept: len=%d", s.len())
	}
}

// TestUploadURLKeyMismatch: the key is trusted as delivered; a url that
// reads as another key only warns, naming both (clipped), and the record
// fires for the key.
func TestUploadURLKeyMismatch(t *testing.T) {
	const host = "http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/"
	long := strings.Repeat("k", 400)
	tests := []struct {
		name, key, url string
		urlKey         string // in the warning; "" for no warning
	}{
		{"no url", "dir/photo 1.jpg", "", ""},
		{"url agrees", "dir/photo 1.jpg", host + "dir/photo%201.jpg", ""},
		{"url agrees raw", "!!!!!!!", host + "%21%21%21%21%21%21%21", ""},
		{"url disagrees", "dir/photo 1.jpg", host + "dir/photo%202.jpg", "dir/photo 2.jpg"},
		{"long keys are clipped", long, host + strings.Repeat("u", 400), strings.Repeat("u", 200) + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, map[string]string{EnvWorkflowID: wfA})
			res, err := env.upload(t, cosEvent(rec{key: tt.key, url: tt.url, size: 1}))
			if err != nil || len(res.Triggered) != 1 || res.Triggered[0].Key != tt.key {
				t.Fatalf("result %+v, %v; want %q triggered", res, err, clip.String(tt.key, 40))
			}
			if n := env.emu.TriggerCount(testBucket, wfA, tt.key); n != 1 {
				t.Errorf("the key as delivered ran %d times, want 1", n)
			}
			warnings := withMsg(env.log.Lines(t), "cosObject.key and cosObject.url disagree; using the key")
			if tt.urlKey == "" {
				if len(warnings) != 0 {
					t.Errorf("warned %v", warnings)
				}
				return
			}
			if len(warnings) != 1 || warnings[0]["level"] != "WARN" || warnings[0]["urlKey"] != tt.urlKey || warnings[0]["key"] != clip.String(tt.key, 200) {
				t.Errorf("warnings %v, want one naming key %q and urlKey %q", warnings, clip.String(tt.key, 40), clip.String(tt.urlKey, 40))
			}
		})
	}
}
