// Package citest runs the CI emulator on loopback for tests and points a
// real cosclient.Client at it, so tests exercise the real wire.
package citest

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
)

// Bucket and Region are the emulated bucket the fixtures use.
const (
	Bucket = "examplebucket-1250000000"
	Region = "ap-guangzhou"
)

// Credentials are the emulator's default pair.
var Credentials = cosclient.StaticCredentials{SecretID: ciemu.DefaultSecretID, SecretKey: ciemu.DefaultSecretKey}

// FastRetry keeps error-path tests quick; two attempts still prove that a
// retryable failure is retried.
var FastRetry = cosclient.RetryOptions{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}

// Emulator starts an emulator with opts on loopback, closed when t ends,
// and returns it with its URL.
func Emulator(t testing.TB, opts ciemu.Options) (*ciemu.Emulator, string) {
	t.Helper()
	emu := ciemu.New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv.URL
}

// Client returns a client of Bucket in Region for endpoint, with the
// emulator's credentials and FastRetry; edit, when not nil, adjusts the
// options first.
func Client(t testing.TB, endpoint string, edit func(*cosclient.Options)) *cosclient.Client {
	t.Helper()
	opts := cosclient.Options{Region: Region, Bucket: Bucket, Credentials: Credentials, Endpoint: endpoint, Retry: FastRetry}
	if edit != nil {
		edit(&opts)
	}
	ci, err := cosclient.New(opts)
	if err != nil {
		t.Fatalf("cosclient.New: %v", err)
	}
	return ci
}
