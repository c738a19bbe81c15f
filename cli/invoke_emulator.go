package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/handler"
)

// Demo defaults for the timer and HTTP fixtures, which name no bucket.
const (
	demoBucket = "examplebucket-1250000000"
	demoRegion = "ap-guangzhou"
)

// builtinCredentials are what invoke signs with against the built-in
// emulator: the emulator's default pair.
var builtinCredentials = cosclient.StaticCredentials{SecretID: ciemu.DefaultSecretID, SecretKey: ciemu.DefaultSecretKey}

// startBuiltinEmulator starts the emulator on loopback, for invoke to run
// against when there are no credentials and no endpoint, and says so on
// stderr. It returns the environment that points at it (see demoEnv) and
// what stops it.
func startBuiltinEmulator(getenv func(string) string, stderr io.Writer) (emuEnv func(string) string, stop func(), err error) {
	srv, err := ciemu.New(ciemu.Options{Seed: clockSeed()}).Start("127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	getenv = demoEnv(getenv, srv.URL())
	fmt.Fprintf(stderr, "cosflow: no credentials and no COSFLOW_CI_ENDPOINT: using the built-in CI emulator at %s", srv.URL())
	if getenv(handler.EnvWorkflowID) == demoWorkflowID && getenv(handler.EnvRules) == "" {
		fmt.Fprintf(stderr, " with the demo rule (every object → workflow %s)", demoWorkflowID)
	}
	fmt.Fprintln(stderr)
	return getenv, func() { _ = srv.Close() }, nil
}

// demoEnv layers the local demo's defaults under the real environment: the
// emulator's endpoint, a catch-all demo rule when no rule is configured, and
// a bucket and region for the timer and HTTP fixtures.
func demoEnv(getenv func(string) string, endpoint string) func(string) string {
	noRules := getenv(handler.EnvRules) == "" && getenv(handler.EnvWorkflowID) == ""
	return func(key string) string {
		if v := getenv(key); v != "" {
			return v
		}
		switch key {
		case handler.EnvCIEndpoint:
			return endpoint
		case handler.EnvWorkflowID:
			if noRules {
				return demoWorkflowID
			}
		case handler.EnvBucket:
			return demoBucket
		case handler.EnvRegion:
			return demoRegion
		}
		return ""
	}
}

// clockSeed seeds an emulator run by hand, so that a restarted emulator
// does not hand out the instance and job IDs of the previous run (tests
// keep the emulator's reproducible default).
func clockSeed() uint64 { return uint64(time.Now().UnixNano()) }
