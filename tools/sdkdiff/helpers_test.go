package sdkdiff

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"testing"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/internal/citest"
)

// The emulated bucket's hosts, as in production, and a workflow.
const (
	ciHost     = citest.Bucket + ".ci." + citest.Region + ".myqcloud.com"
	cosHost    = citest.Bucket + ".cos." + citest.Region + ".myqcloud.com"
	workflowID = "w1234567890abcdef1234567890abcdef"
)

// newEmulator starts the CI emulator with opts on loopback, closed when t
// ends, and returns it with the official SDK's client of citest.Bucket
// holding the emulator's key pair.
func newEmulator(t *testing.T, opts ciemu.Options) (*ciemu.Emulator, string, *cos.Client) {
	t.Helper()
	emu, u := citest.Emulator(t, opts)
	return emu, u, sdkClient(t, u, ciemu.DefaultSecretID, ciemu.DefaultSecretKey)
}

// sdkClient is the OFFICIAL Go SDK pointed at the emulator at emuURL: its
// URLs name the bucket's CI and COS hosts as in production, and its dialer
// goes to the emulator on loopback.
func sdkClient(t *testing.T, emuURL, secretID, secretKey string) *cos.Client {
	t.Helper()
	emu, err := url.Parse(emuURL)
	if err != nil {
		t.Fatal(err)
	}
	ciURL := &url.URL{Scheme: "http", Host: ciHost}
	bucketURL := &url.URL{Scheme: "http", Host: cosHost}
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, emu.Host)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return cos.NewClient(&cos.BaseURL{CIURL: ciURL, BucketURL: bucketURL}, &http.Client{Transport: &cos.AuthorizationTransport{
		SecretID: secretID, SecretKey: secretKey, Transport: tr,
	}})
}
