// Package citest runs the CI emulator on loopback for tests and points a
// real cosclient.Client at it, so tests exercise the real wire. It also
// defines the soak tests' stats line (SoakStats), which the benchmark
// report in the tools module reads back.
package citest

import (
	"context"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// RunWithBinary is a TestMain body for tests that run cosflow's binary: it
// builds the module's main package into a temporary directory as
// dir/name with the extra go build flags (tags, ldflags; a plain build, so
// the race detector watches the tests and the child is the product),
// hands its path to use, runs the tests and removes it. Failures to build
// are reported on stderr and exit 1.
func RunWithBinary(m *testing.M, name string, use func(path string), flags ...string) int {
	dir, err := os.MkdirTemp("", "cosflow-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "citest: temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, name)
	args := append(append([]string{"build", "-o", path}, flags...), "github.com/cosflow/cosflow")
	build := exec.Command("go", args...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "citest: go", strings.Join(args, " "), ":", err)
		return 1
	}
	use(path)
	return m.Run()
}

// Env is base with overrides applied, base left as it was: an override
// replaces a variable or, with an empty value, removes it.
func Env(base, overrides map[string]string) map[string]string {
	env := maps.Clone(base)
	for k, v := range overrides {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	return env
}

// Calls counts the emulator's logged calls of op (a ciemu.Op... name), or
// of every operation when op is "".
func Calls(emu *ciemu.Emulator, op string) int {
	n := 0
	for _, c := range emu.Calls() {
		if op == "" || c.Operation == op {
			n++
		}
	}
	return n
}

// AllPages reads p to its end and returns every page, failing t on the
// first error.
func AllPages[Out any](t testing.TB, p *cosclient.Paginator[Out]) []*Out {
	t.Helper()
	var pages []*Out
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("page %d: %v", len(pages)+1, err)
		}
		pages = append(pages, page)
	}
	return pages
}
