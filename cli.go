package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/scf"
)

// DemoWorkflowID is the workflow of the demo rule the local CLI uses when no
// rule is configured and CI is the built-in emulator.
const DemoWorkflowID = "w0123456789abcdef0123456789abcdef"

// Demo defaults for the timer and HTTP fixtures, which name no bucket.
const (
	demoBucket = "examplebucket-1250000000"
	demoRegion = "ap-guangzhou"
)

const usage = `usage:
  cosflow invoke -event FILE|- [-timeout 60s]
        run one event (COS, timer or HTTP JSON) through the handler; the
        result JSON goes to stdout, logs to stderr. Without credentials
        (TENCENTCLOUD_SECRETID/TENCENTCLOUD_SECRETKEY) and without
        COSFLOW_CI_ENDPOINT it starts the built-in CI emulator and, when no
        rule is configured, a demo rule (workflow ` + DemoWorkflowID + `).
  cosflow emulator [-addr 127.0.0.1:9100]
        run the CI emulator in the foreground. It accepts the credentials in
        TENCENTCLOUD_SECRETID/TENCENTCLOUD_SECRETKEY when set, otherwise
        SecretId ` + ciemu.DefaultSecretID + ` / SecretKey ` + ciemu.DefaultSecretKey + `.
  cosflow version
        print the version.
With _LAMBDA_SERVER_PORT or _SCF_SERVER_PORT set, cosflow serves the SCF
runtime protocol instead.
`

// run is main without the process: testable, and every exit code in one place.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		if _, ok := scf.PortFromEnv(); ok {
			return serveSCF(getenv, stdout, stderr)
		}
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "invoke":
		return invokeCmd(ctx, args[1:], stdin, stdout, stderr, getenv)
	case "emulator":
		return emulatorCmd(ctx, args[1:], stdout, stderr, getenv)
	case "version":
		fmt.Fprintln(stdout, "cosflow", version)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "cosflow: unknown command %q\n%s", args[0], usage)
	return 2
}

func invokeCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	eventPath := fs.String("event", "", "event JSON file, or - for stdin")
	timeout := fs.Duration("timeout", 60*time.Second, "invocation deadline, like the function's timeout on SCF")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *eventPath == "" || fs.NArg() > 0 {
		fmt.Fprint(stderr, "cosflow invoke: -event FILE|- is required\n")
		return 2
	}
	event, err := readEvent(*eventPath, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "cosflow invoke: %v\n", err)
		return 2
	}

	var creds cosclient.CredentialsProvider = cosclient.EnvCredentials{}
	if getenv("TENCENTCLOUD_SECRETID") == "" && getenv("COSFLOW_CI_ENDPOINT") == "" {
		srv, err := ciemu.New(ciemu.Options{Seed: clockSeed()}).Start("127.0.0.1:0")
		if err != nil {
			fmt.Fprintf(stderr, "cosflow invoke: start the built-in CI emulator: %v\n", err)
			return 1
		}
		defer srv.Close()
		getenv = demoEnv(getenv, srv.URL())
		creds = cosclient.StaticCredentials{SecretID: ciemu.DefaultSecretID, SecretKey: ciemu.DefaultSecretKey}
		fmt.Fprintf(stderr, "cosflow: no credentials and no COSFLOW_CI_ENDPOINT: using the built-in CI emulator at %s", srv.URL())
		if getenv("COSFLOW_WORKFLOW_ID") == DemoWorkflowID && getenv("COSFLOW_RULES") == "" {
			fmt.Fprintf(stderr, " with the demo rule (every object → workflow %s)", DemoWorkflowID)
		}
		fmt.Fprintln(stderr)
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	handle := newHandler(getenv, creds, newLogger(stderr, getenv))
	result, err := handle(ctx, event)
	if result != nil {
		out, merr := json.MarshalIndent(result, "", "  ")
		if merr != nil {
			fmt.Fprintf(stderr, "cosflow invoke: encode result: %v\n", merr)
			return 1
		}
		fmt.Fprintf(stdout, "%s\n", out)
	}
	if err != nil {
		fmt.Fprintf(stderr, "cosflow invoke: %v\n", err)
		return 1
	}
	return 0
}

// demoEnv layers the local demo's defaults under the real environment: the
// emulator's endpoint, a catch-all demo rule when no rule is configured, and
// a bucket and region for the timer and HTTP fixtures.
func demoEnv(getenv func(string) string, endpoint string) func(string) string {
	noRules := getenv("COSFLOW_RULES") == "" && getenv("COSFLOW_WORKFLOW_ID") == ""
	return func(key string) string {
		if v := getenv(key); v != "" {
			return v
		}
		switch key {
		case "COSFLOW_CI_ENDPOINT":
			return endpoint
		case "COSFLOW_WORKFLOW_ID":
			if noRules {
				return DemoWorkflowID
			}
		case "COSFLOW_BUCKET":
			return demoBucket
		case "COSFLOW_REGION":
			return demoRegion
		}
		return ""
	}
}

func readEvent(path string, stdin io.Reader) ([]byte, error) {
	var (
		data []byte
		err  error
	)
	if path == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, maxEventBytes+1))
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	if len(data) > maxEventBytes {
		return nil, fmt.Errorf("read event: larger than %d bytes (SCF's event size limit)", maxEventBytes)
	}
	return data, nil
}

// maxEventBytes is SCF's limit on an asynchronous event (6 MB).
const maxEventBytes = 6 << 20

func emulatorCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9100", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	opts := ciemu.Options{Seed: clockSeed()}
	id, key := getenv("TENCENTCLOUD_SECRETID"), getenv("TENCENTCLOUD_SECRETKEY")
	if id != "" && key != "" {
		opts.Credentials = map[string]string{id: key}
	} else {
		id = ciemu.DefaultSecretID
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := ciemu.New(opts).Start(*addr)
	if err != nil {
		fmt.Fprintf(stderr, "cosflow emulator: %v\n", err)
		return 1
	}
	// The SecretId is not a secret; the key is never printed.
	fmt.Fprintf(stdout, "CI emulator listening on %s (SecretId %s); Ctrl-C to stop\n", srv.URL(), id)
	<-ctx.Done()
	if err := srv.Close(); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "cosflow emulator: %v\n", err)
		return 1
	}
	return 0
}

// clockSeed seeds an emulator run by hand, so that a restarted emulator
// does not hand out the instance and job IDs of the previous run (tests
// keep the emulator's reproducible default).
func clockSeed() uint64 { return uint64(time.Now().UnixNano()) }
