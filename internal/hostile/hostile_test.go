package hostile_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cosflow/cosflow/internal/hostile"
)

func TestOperation(t *testing.T) {
	const ci, cos = "http://examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com", "http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
	for _, tt := range []struct{ method, url, op, id string }{
		{"POST", ci + "/triggerworkflow?workflowId=w", "TriggerWorkflow", ""},
		{"POST", ci + "/inventorytriggerjob", "CreateInventoryTriggerJob", ""},
		{"GET", ci + "/inventorytriggerjob?size=10", "DescribeInventoryTriggerJobs", ""},
		{"GET", ci + "/inventorytriggerjob/b1", "DescribeInventoryTriggerJob", "b1"},
		{"PUT", ci + "/inventorytriggerjob/b1?cancel", "CancelInventoryTriggerJob", "b1"},
		{"GET", ci + "/workflowexecution?workflowId=w", "DescribeWorkflowExecutions", ""},
		{"GET", ci + "/workflowexecution/i1", "DescribeWorkflowExecution", "i1"},
		{"GET", cos + "/?prefix=a", "ListObjects", ""},
		{"GET", cos + "/an/object", "", "object"},
		{"DELETE", ci + "/triggerworkflow", "", ""},
	} {
		r := httptest.NewRequest(tt.method, tt.url, nil)
		if op, id := hostile.Operation(r), hostile.PathID(r); op != tt.op || id != tt.id {
			t.Errorf("%s %s: %q, %q; want %q, %q", tt.method, tt.url, op, id, tt.op, tt.id)
		}
	}
}

// TestServerBounds: an answer held ends after Hold, and requests past
// MaxRequests get a 400 and are counted.
func TestServerBounds(t *testing.T) {
	t.Parallel()
	s := hostile.Start(t, hostile.Silent(), hostile.Options{Hold: 50 * time.Millisecond, MaxRequests: 2})
	client := &http.Client{Timeout: 10 * time.Second}
	for i, want := range []int{0, 0, http.StatusBadRequest} {
		resp, err := client.Get(s.URL)
		switch {
		case want == 0 && err == nil:
			t.Errorf("request %d: an answer (%d) from a silent server", i+1, resp.StatusCode)
		case want != 0 && (err != nil || resp.StatusCode != want):
			t.Errorf("request %d: %v, want %d", i+1, err, want)
		}
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	if s.Requests() != 3 || s.Overflow() != 1 {
		t.Errorf("%d requests, %d overflow", s.Requests(), s.Overflow())
	}
}
