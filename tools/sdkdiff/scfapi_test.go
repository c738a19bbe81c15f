package sdkdiff

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/scfapi"
	"github.com/cosflow/cosflow/scfapi/scfapitest"
)

// TestSCFInvokeOfficialSDK: the official Go SDK's common client
// (tencentcloud-sdk-go, TC3-HMAC-SHA256) calls the SCF API stand-in, which
// checks its signature with scfapi.Signature, the function cosflow's
// client signs with: they agree on the canonical request, the scope and
// the key derivation, or the stand-in refuses the SDK. And the stand-in
// reads the SDK's Invoke body as the same InvokeInput cosflow's client
// sends; a key the stand-in was not given is refused, so the check can
// fail.
func TestSCFInvokeOfficialSDK(t *testing.T) {
	creds := cosclient.Credentials{SecretID: "AKIDsdkdiff", SecretKey: "sdkdiff-secret-key", SessionToken: "sdkdiff-token"}
	srv := scfapitest.New(creds, nil)
	t.Cleanup(srv.Close)
	event := `{"Type":"Timer","TriggerName":"sweep","Time":"2026-12-07T10:00:00Z","Message":"{\"name\":\"sweep\"}"}`
	params := map[string]any{"FunctionName": "cosflow", "Namespace": "default", "Qualifier": "$LATEST",
		"InvocationType": "Event", "ClientContext": event}
	sdkInvoke := func(secretKey string) error {
		cpf := profile.NewClientProfile()
		cpf.HttpProfile.Endpoint = strings.TrimPrefix(srv.URL, "http://")
		cpf.HttpProfile.Scheme = "HTTP"
		cpf.HttpProfile.ReqMethod = "POST"
		cpf.NetworkFailureMaxRetries = 0
		client := common.NewCommonClient(common.NewTokenCredential(creds.SecretID, secretKey, creds.SessionToken), "ap-guangzhou", cpf)
		req := tchttp.NewCommonRequest("scf", scfapi.Version, "Invoke")
		if err := req.SetActionParameters(params); err != nil {
			t.Fatal(err)
		}
		return client.Send(req, tchttp.NewCommonResponse())
	}
	if err := sdkInvoke(creds.SecretKey); err != nil {
		t.Fatalf("the official SDK's Invoke: %v", err)
	}
	if err := sdkInvoke("another-key"); err == nil || !strings.Contains(err.Error(), "AuthFailure.SignatureFailure") {
		t.Errorf("a wrong key: %v, want AuthFailure.SignatureFailure", err)
	}
	ours, err := scfapi.New(scfapi.Options{Region: "ap-guangzhou", Credentials: cosclient.StaticCredentials(creds), Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := ours.Invoke(ctx, &scfapi.InvokeInput{FunctionName: "cosflow", Namespace: "default", Qualifier: "$LATEST",
		InvocationType: scfapi.InvocationEvent, ClientContext: event}); err != nil {
		t.Fatal(err)
	}
	invs := srv.Invocations()
	if len(invs) != 2 {
		t.Fatalf("%d invocations accepted, want the SDK's and ours", len(invs))
	}
	if invs[0].InvokeInput != invs[1].InvokeInput || invs[0].Region != invs[1].Region {
		t.Errorf("the SDK sent %+v, cosflow %+v", invs[0], invs[1])
	}
}
