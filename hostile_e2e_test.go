package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/internal/hostile"
)

// TestHostileCI: the deploy binary, over the SCF protocol, against a CI
// that misbehaves on purpose (internal/hostile): an 8-record upload, its
// 8 triggers at once, answered with 1 GB, with 16 MiB of elements, never,
// by a trickle, or with an instance ID made to act on a terminal and a
// log. Every invocation answers before its deadline; every record is
// triggered (its ID unknown when the answer was unreadable) or the
// invocation fails for the platform to redeliver, so none is dropped;
// the logs stay one JSON object a line with nothing a terminal acts on.
func TestHostileCI(t *testing.T) {
	t.Parallel()
	const deadline = 4 * time.Second
	keys := make([]string, 8)
	for i := range keys {
		keys[i] = fmt.Sprintf("uploads/hostile-%d.jpg", i)
	}
	for _, tc := range []struct {
		name     string
		answer   hostile.Answer
		instance string // every record's instance ID when all were triggered
	}{
		{"huge", hostile.Huge(http.StatusOK, 1<<30, "<Response><RequestId>", false), ""},
		{"dense", hostile.Dense(http.StatusOK, 16<<20, "Response", "InstanceId"), ""},
		{"silent", hostile.Silent(), ""},
		{"trickle", hostile.Trickle(http.StatusOK, "<Response><RequestId>"+strings.Repeat("r", 4096), 100*time.Millisecond), ""},
		{"control", hostile.About(hostile.ControlID), hostile.ControlID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := hostile.Start(t, tc.answer)
			// The ledger off: the records are triggered at once, not
			// looked up first (the fixture's event time is long past).
			fn := startFunction(t, functionEnv(s.URL, map[string]string{"COSFLOW_LEDGER": "off"}))
			start := time.Now()
			resp := fn.invoke(t, cosDelivery(t, keys), deadline)
			if took := time.Since(start); took >= deadline {
				t.Errorf("answered after %v, want before the %v deadline", took, deadline)
			}
			if resp.Error != nil {
				// The platform delivers the whole event again.
				expectError(t, resp, "will be retried")
			} else {
				var res handler.UploadResult
				decodeResult(t, resp, &res)
				if len(res.Triggered) != len(keys) {
					t.Errorf("result %s: want all %d records triggered, or the invocation failed", resp.Payload, len(keys))
				}
				for _, tr := range res.Triggered {
					if tr.InstanceID != tc.instance {
						t.Errorf("%s: instance %q, want %q", tr.Key, tr.InstanceID, tc.instance)
					}
				}
			}
			if s.Requests() < len(keys) {
				t.Errorf("%d requests reached CI, want one trigger per record at least", s.Requests())
			}
			logs := invocationLogs(t, fn)
			checkLogLines(t, logs)
			if i := strings.IndexFunc(logs, func(r rune) bool {
				return r != '\n' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r))
			}); i >= 0 {
				t.Errorf("a log line holds %q raw", []rune(logs[i:])[0])
			}
			if tc.instance != "" && !strings.Contains(logs, mustJSON(t, tc.instance)) {
				t.Errorf("the logs do not carry CI's instance ID as a value")
			}
		})
	}
}

// invocationLogs is fn's stdout once the invocation's last line, written
// before it answered, failed or not, has come through the pipe (within
// 5 s).
func invocationLogs(t *testing.T, fn *functionProcess) string {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		logs := fn.stdout.String()
		if strings.Contains(logs, `"msg":"invocation done"`) || time.Now().After(end) {
			return logs
		}
	}
}

// mustJSON is s as the logs write it: a JSON string, without the quotes,
// terminal-safe.
func mustJSON(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	out := strings.TrimSpace(b.String())
	return strings.NewReplacer("\u0085", `\u0085`, "\u009b", `\u009b`, "\u202e", `\u202e`).Replace(out[1 : len(out)-1])
}
