package cosclient

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/cosflow/cosflow/cosclient/cossign"
)

// TestSigningAllocations guards the signer's hot path: signing one typical
// request allocates only the returned header value.
func TestSigningAllocations(t *testing.T) {
	u, _ := url.Parse("https://" + testHost + "/triggerworkflow?workflowId=" + testWorkflow + "&object=dir%2Fa%20b.jpg&name=n")
	r := &http.Request{Method: "POST", URL: u, Header: http.Header{
		"Content-Length":       {"0"},
		"X-Cos-Security-Token": {"token"},
		"X-Ci-Security-Token":  {"token"},
	}}
	w := cossign.Window{Start: 1, End: 2}
	if n := testing.AllocsPerRun(100, func() { cossign.Authorization(r, "id", "key", w) }); n > 1 {
		t.Errorf("Authorization allocates %v times, want 1", n)
	}
}
