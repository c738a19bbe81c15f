package function

import (
	"context"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/scf"
	"github.com/cosflow/cosflow/scfapi"
	"github.com/cosflow/cosflow/scfapi/scfapitest"
)

// TestSelfInvoker: a continuation invokes the function the invocation
// context names (its name, namespace, version and region), asynchronously,
// with the event as its ClientContext, signed as the SCF API checks; with
// no function named (not run by SCF) it refuses without a call.
func TestSelfInvoker(t *testing.T) {
	creds := cosclient.Credentials{SecretID: "AKIDfunction", SecretKey: "function-secret", SessionToken: "function-token"}
	srv := scfapitest.New(creds, nil)
	t.Cleanup(srv.Close)
	s := &selfInvoker{creds: cosclient.StaticCredentials(creds), endpoint: srv.URL, region: "ap-shanghai"}
	event := `{"Type":"Timer","TriggerName":"sweep","Time":"2026-12-07T10:00:00Z","Message":"{}","CosflowContinuation":1}`
	tests := []struct {
		name   string
		ic     *scf.InvocationContext
		region string // the invocation's, as called
		err    string
	}{
		{"on SCF", &scf.InvocationContext{FunctionName: "cosflow", Namespace: "media", FunctionVersion: "7", Region: "ap-guangzhou"}, "ap-guangzhou", ""},
		{"no region in the context", &scf.InvocationContext{FunctionName: "cosflow", Namespace: "default", FunctionVersion: "$LATEST"}, "ap-shanghai", ""},
		{"no function named", &scf.InvocationContext{}, "", "does not name its function"},
		{"no invocation context", nil, "", "does not name its function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Invocations())
			ctx := context.Background()
			if tt.ic != nil {
				ctx = scf.NewContext(ctx, tt.ic)
			}
			err := s.Continue(ctx, []byte(event))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || len(srv.Invocations()) != before {
					t.Errorf("error %v after %d calls, want %q and none", err, len(srv.Invocations())-before, tt.err)
				}
				return
			}
			invs := srv.Invocations()
			if err != nil || len(invs) != before+1 {
				t.Fatalf("error %v, %d invocations", err, len(invs)-before)
			}
			got := invs[len(invs)-1]
			want := scfapi.InvokeInput{FunctionName: tt.ic.FunctionName, Namespace: tt.ic.Namespace, Qualifier: tt.ic.FunctionVersion,
				InvocationType: scfapi.InvocationEvent, ClientContext: event}
			if got.InvokeInput != want || got.Region != tt.region {
				t.Errorf("invoked %+v in %s, want %+v in %s", got.InvokeInput, got.Region, want, tt.region)
			}
		})
	}
}
