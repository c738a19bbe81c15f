package scfapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/scfapi"
	"github.com/cosflow/cosflow/scfapi/scfapitest"
)

var testCreds = cosclient.Credentials{SecretID: "AKIDscfapitest", SecretKey: "scfapitest-secret", SessionToken: "scfapitest-token"}

func newClient(t *testing.T, endpoint string, creds cosclient.Credentials) *scfapi.Client {
	t.Helper()
	c, err := scfapi.New(scfapi.Options{Region: "ap-guangzhou", Credentials: cosclient.StaticCredentials(creds), Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestInvoke: a signed Invoke reaches the stand-in, which checks its
// signature as the API does; wrong credentials and the API's refusals
// come back as *APIError with its code; an event over 128 KB is refused
// before any call.
func TestInvoke(t *testing.T) {
	got := make(chan scfapitest.Invocation, 1)
	srv := scfapitest.New(testCreds, func(inv scfapitest.Invocation) { got <- inv })
	t.Cleanup(srv.Close)
	in := &scfapi.InvokeInput{FunctionName: "cosflow", Namespace: "default", Qualifier: "$LATEST",
		InvocationType: scfapi.InvocationEvent, ClientContext: `{"Type":"Timer","Message":"é \u2028"}`}

	out, err := newClient(t, srv.URL, testCreds).Invoke(context.Background(), in)
	if err != nil || out.RequestID == "" || out.FunctionRequestID == "" {
		t.Fatalf("Invoke = %+v, %v", out, err)
	}
	select {
	case inv := <-got:
		if inv.InvokeInput != *in || inv.Region != "ap-guangzhou" {
			t.Errorf("the stand-in got %+v, want %+v", inv, in)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the hook never ran")
	}

	tests := []struct {
		name  string
		creds cosclient.Credentials
		in    *scfapi.InvokeInput
		code  string
	}{
		{"wrong secret key", cosclient.Credentials{SecretID: testCreds.SecretID, SecretKey: "other", SessionToken: testCreds.SessionToken}, in, "AuthFailure.SignatureFailure"},
		{"unknown secret id", cosclient.Credentials{SecretID: "AKIDother", SecretKey: testCreds.SecretKey, SessionToken: testCreds.SessionToken}, in, "AuthFailure.SecretIdNotFound"},
		{"wrong token", cosclient.Credentials{SecretID: testCreds.SecretID, SecretKey: testCreds.SecretKey, SessionToken: "other"}, in, "AuthFailure.TokenFailure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newClient(t, srv.URL, tt.creds).Invoke(context.Background(), tt.in)
			var ae *scfapi.APIError
			if !errors.As(err, &ae) || ae.Code != tt.code || ae.RequestID == "" {
				t.Errorf("error %v, want an APIError %s", err, tt.code)
			}
			if strings.Contains(err.Error(), tt.creds.SecretKey) {
				t.Error("the error names the secret key")
			}
		})
	}
	if n := len(srv.Invocations()); n != 1 {
		t.Errorf("%d invocations accepted, want the one signed right", n)
	}

	t.Run("event over 128 KB", func(t *testing.T) {
		big := *in
		big.ClientContext = `"` + strings.Repeat("x", scfapi.MaxAsyncEvent) + `"`
		if _, err := newClient(t, srv.URL, testCreds).Invoke(context.Background(), &big); err == nil {
			t.Error("no error")
		}
		if n := len(srv.Invocations()); n != 1 {
			t.Errorf("%d invocations, want no call", n)
		}
	})
}

// TestInvokeAnswers: what comes back that is not a success is an error,
// bounded, whatever the server sends.
func TestInvokeAnswers(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"API error", 200, `{"Response":{"Error":{"Code":"ResourceNotFound.Function","Message":"no such function"},"RequestId":"r1"}}`, "ResourceNotFound.Function"},
		{"5xx without JSON", 502, `bad gateway`, "HTTP 502"},
		{"5xx with an empty answer", 503, `{"Response":{"RequestId":"r2"}}`, "HTTP 503"},
		{"huge answer", 200, `{"Response":{"RequestId":"` + strings.Repeat("x", 1<<20) + `"}}`, "over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			_, err := newClient(t, srv.URL, testCreds).Invoke(context.Background(), &scfapi.InvokeInput{FunctionName: "f"})
			if err == nil || !strings.Contains(err.Error(), tt.want) || len(err.Error()) > 2000 {
				t.Errorf("error %.300v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// TestNew: the options are checked.
func TestNew(t *testing.T) {
	for _, o := range []scfapi.Options{
		{Region: "ap-guangzhou"},
		{Region: "not a region", Credentials: cosclient.StaticCredentials(testCreds)},
		{Region: "ap-guangzhou", Credentials: cosclient.StaticCredentials(testCreds), Endpoint: "ftp://x"},
	} {
		if _, err := scfapi.New(o); err == nil {
			t.Errorf("New(%+v): no error", o)
		}
	}
}
