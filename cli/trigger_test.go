package cli_test

import (
	"strings"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/model"
)

func TestTrigger(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{})
	res := run(t, c.env, "", "trigger", "-workflow", workflowID, "-object", "uploads/a.mp4")
	expect(t, res, 0)
	id := strings.TrimSpace(res.stdout)
	if !strings.HasPrefix(id, "i") || strings.Contains(id, "\n") {
		t.Errorf("table output %q, want the instance ID alone", res.stdout)
	}

	res = run(t, c.env, "", "trigger", "-workflow", workflowID, "-object", "uploads/b.mp4", "-name", "by-hand", "-o", "json")
	expect(t, res, 0)
	got := decodeLines[model.TriggerResponse](t, res.stdout)
	if len(got) != 1 || got[0].InstanceID == "" || got[0].RequestID == "" || got[0].Note != "" {
		t.Errorf("json output %+v, want instanceId and requestId", got)
	}
	for _, key := range []string{"uploads/a.mp4", "uploads/b.mp4"} {
		if n := c.emu.TriggerCount(bucket, workflowID, key); n != 1 {
			t.Errorf("TriggerCount(%s) = %d, want 1", key, n)
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-object", "a.jpg"}, "-workflow: is required"},
		{[]string{"-workflow", "w1", "-object", "a.jpg"}, "-workflow: "},
		{[]string{"-workflow", workflowID}, "-object: is required"},
		{[]string{"-workflow", workflowID, "-object", "a.jpg", "-name", strings.Repeat("n", 200)}, "-name: "},
		{[]string{"-workflow", workflowID, "-object", "a.jpg", "-bucket", "Bad_Bucket"}, "-bucket: "},
		{[]string{"-workflow", workflowID, "-object", "a.jpg", "extra"}, "takes no arguments"},
	} {
		expectRefused(t, c, append([]string{"trigger"}, tc.args...), tc.want)
	}

	// A refusal CI makes itself: every call answered 403 AccessDenied.
	c.emu.SetFaults(ciemu.Faults{ErrorRate: 1, ErrorStatus: 403, ErrorCode: "AccessDenied"})
	res = run(t, c.env, "", "trigger", "-workflow", workflowID, "-object", "uploads/c.mp4")
	calls := c.emu.Calls()
	expect(t, res, 1, "CI refused TriggerWorkflow: AccessDenied", "HTTP 403", "request ID "+calls[len(calls)-1].RequestID)
}
