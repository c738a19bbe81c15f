package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/handler/function"
	"github.com/cosflow/cosflow/internal/termsafe"
)

// demoWorkflowID is the workflow of the demo rule invoke uses when no rule
// is configured and CI is the built-in emulator (README Quickstart).
const demoWorkflowID = "w0123456789abcdef0123456789abcdef"

// maxEventBytes is SCF's limit on an asynchronous event (6 MB).
const maxEventBytes = 6 << 20

func invokeCommand() *command {
	return &command{
		name:    "invoke",
		args:    "-event FILE|- [-timeout 60s]",
		summary: "run one event (COS, timer or HTTP JSON) through the handler, as SCF would",
		help: `Runs one event (COS, timer or HTTP JSON) through the handler; the result
JSON goes to stdout, logs to stderr. The configuration is the function's
own (COSFLOW_*). Without credentials (TENCENTCLOUD_SECRETID/
TENCENTCLOUD_SECRETKEY) and without COSFLOW_CI_ENDPOINT it starts the
built-in CI emulator and, when no rule is configured, a demo rule
(workflow ` + demoWorkflowID + `).`,
		example: "cosflow invoke -event events/testdata/cos_put.json",
		setup: func(s *session, c *command, fs *flag.FlagSet) func([]string) int {
			eventPath := fs.String("event", "", "event JSON file, or - for stdin")
			timeout := fs.Duration("timeout", 60*time.Second, "invocation deadline, like the function's timeout on SCF")
			return func(args []string) int {
				if *eventPath == "" || len(args) > 0 {
					fmt.Fprint(s.stderr, "cosflow invoke: -event FILE|- is required\n")
					return ExitUsage
				}
				return s.invoke(*eventPath, *timeout)
			}
		},
	}
}

// invoke runs the event at path through the handler and prints its
// result.
func (s *session) invoke(path string, timeout time.Duration) int {
	event, err := s.readInput(path, maxEventBytes)
	if err != nil {
		fmt.Fprintf(s.stderr, "cosflow invoke: read event (at most SCF's %d bytes): %v\n", maxEventBytes, err)
		return ExitUsage
	}
	getenv := s.getenv
	var creds cosclient.CredentialsProvider = cosclient.EnvCredentials{}
	if getenv(cosclient.EnvSecretID) == "" && getenv(handler.EnvCIEndpoint) == "" {
		emuEnv, stop, err := startBuiltinEmulator(getenv, s.stderr)
		if err != nil {
			fmt.Fprintf(s.stderr, "cosflow invoke: start the built-in CI emulator: %v\n", err)
			return ExitFailed
		}
		defer stop()
		getenv, creds = emuEnv, builtinCredentials
	}

	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	handle := function.Build(getenv, creds, handler.NewLogger(s.stderr, getenv))
	result, err := handle(ctx, event)
	if result != nil {
		out, merr := json.MarshalIndent(result, "", "  ")
		if merr != nil {
			fmt.Fprintf(s.stderr, "cosflow invoke: encode result: %v\n", merr)
			return ExitFailed
		}
		fmt.Fprintf(s.stdout, "%s\n", termsafe.JSON(out))
	}
	if err != nil {
		fmt.Fprintf(s.stderr, "cosflow invoke: %s\n", oneLine(err.Error()))
		return ExitFailed
	}
	return ExitOK
}
