// Command scfcall plays the SCF platform's side of the Go1 runtime protocol
// against a function binary running locally, for scripts and people.
//
// Usage:
//
//	scfcall -addr 127.0.0.1:PORT -event FILE|- [-timeout 30s] [-wait 10s]
//	        [-env '{"K":"V"}'] [-request-id ID]
//	scfcall -addr 127.0.0.1:PORT -ping [-timeout 2s]
//
// Start the function with _LAMBDA_SERVER_PORT=PORT first. scfcall waits (up
// to -wait) until the function answers Ping, then invokes it once with the
// event read from FILE (or stdin for -), a deadline -timeout from now and
// -env as the call's Environment (the platform passes the role's temporary
// credentials this way). With -ping it only checks that the function
// answers, waiting at most -timeout.
//
// Output and exit status:
//
//	0  the call succeeded; its result JSON is on stdout
//	1  the function returned an error or panicked; the error is on stderr
//	   as indented JSON (Message, Type, StackTrace, ShouldExit)
//	2  usage error, or the function could not be reached or did not answer
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/cosflow/cosflow/scf"
	"github.com/cosflow/cosflow/scf/messages"
)

// Exit statuses; see the package documentation.
const (
	exitOK            = 0
	exitFunctionError = 1
	exitFailure       = 2
)

// replyGrace is how long past the call's deadline scfcall still waits for
// the reply, so a function that honours its deadline can report it.
const replyGrace = 5 * time.Second

// options are the parsed command line.
type options struct {
	addr      string
	event     string
	timeout   time.Duration
	wait      time.Duration
	env       string
	requestID string
	ping      bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command, separated from main so tests can drive it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, "scfcall:", err)
		return exitFailure
	}

	if opts.ping {
		if err := waitForPing(ctx, opts.addr, opts.timeout); err != nil {
			fmt.Fprintln(stderr, "scfcall:", err)
			return exitFailure
		}
		return exitOK
	}

	req, err := buildRequest(opts, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "scfcall:", err)
		return exitFailure
	}
	if err := waitForPing(ctx, opts.addr, opts.wait); err != nil {
		fmt.Fprintln(stderr, "scfcall:", err)
		return exitFailure
	}
	resp, err := invokeOnce(ctx, opts.addr, req, opts.timeout+replyGrace)
	if err != nil {
		fmt.Fprintln(stderr, "scfcall:", err)
		return exitFailure
	}
	if resp.Error != nil {
		out, err := json.MarshalIndent(resp.Error, "", "  ")
		if err != nil {
			fmt.Fprintln(stderr, "scfcall: encode function error:", err)
			return exitFailure
		}
		fmt.Fprintf(stderr, "%s\n", out)
		return exitFunctionError
	}
	fmt.Fprintf(stdout, "%s\n", resp.Payload)
	return exitOK
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("scfcall", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "", "function address host:port (required)")
	fs.StringVar(&o.event, "event", "", "event JSON file, or - for stdin (required unless -ping)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "the call's time limit (its deadline is now+timeout); with -ping, how long to wait")
	fs.DurationVar(&o.wait, "wait", 10*time.Second, "how long to wait for the function to answer Ping before invoking")
	fs.StringVar(&o.env, "env", "", `the call's Environment, a JSON object such as '{"K":"V"}'`)
	fs.StringVar(&o.requestID, "request-id", "", "the call's request ID (default: a random UUID)")
	fs.BoolVar(&o.ping, "ping", false, "only check that the function answers Ping")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.addr == "":
		return o, errors.New("-addr is required")
	case o.event == "" && !o.ping:
		return o, errors.New("-event is required (a file, or - for stdin)")
	case o.timeout <= 0:
		return o, errors.New("-timeout must be positive")
	case o.wait <= 0:
		return o, errors.New("-wait must be positive")
	}
	return o, nil
}

// buildRequest reads the event and assembles the call as the platform would.
func buildRequest(o options, stdin io.Reader) (*messages.InvokeRequest, error) {
	var event []byte
	var err error
	if o.event == "-" {
		event, err = io.ReadAll(stdin)
	} else {
		event, err = os.ReadFile(o.event)
	}
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	if !json.Valid(event) {
		return nil, fmt.Errorf("event %s is not valid JSON", o.event)
	}
	if o.env != "" {
		// Checked here so a typo is a usage error, not a function error.
		// The message leaves the values out: they are usually credentials.
		var env map[string]string
		if err := json.Unmarshal([]byte(o.env), &env); err != nil {
			return nil, errors.New(`-env must be a JSON object of strings, e.g. '{"K":"V"}'`)
		}
	}
	requestID := o.requestID
	if requestID == "" {
		requestID = rand.Text()
	}
	return &messages.InvokeRequest{
		Payload:         event,
		RequestId:       requestID,
		Deadline:        messages.TimestampOf(time.Now().Add(o.timeout)),
		TimeLimitInMs:   int32(min(o.timeout.Milliseconds(), 1<<31-1)),
		Environment:     o.env,
		FunctionName:    "scfcall",
		Namespace:       "default",
		FunctionVersion: "$LATEST",
	}, nil
}

// waitForPing waits until the function answers Ping or wait passes.
func waitForPing(parent context.Context, addr string, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(parent, wait)
	defer cancel()
	c, err := scf.DialReady(ctx, addr)
	if err != nil {
		if perr := parent.Err(); perr != nil { // interrupted, not timed out
			return fmt.Errorf("wait for Ping from %s: %w", addr, perr)
		}
		return fmt.Errorf("function at %s not answering Ping within %v: %w", addr, wait, err)
	}
	return c.Close()
}

// invokeOnce makes the call on a fresh connection, giving up after limit.
func invokeOnce(ctx context.Context, addr string, req *messages.InvokeRequest, limit time.Duration) (*messages.InvokeResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	c, err := scf.Dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Invoke(ctx, req)
}
