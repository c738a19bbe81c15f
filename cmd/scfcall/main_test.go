package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/scf"
	"github.com/cosflow/cosflow/scf/messages"
)

// OperationError is a typed error for the function under test to return.
type OperationError struct{}

func (*OperationError) Error() string { return "submit failed" }

// startFunction serves a small function in-process on loopback: it echoes
// the event, or fails as the event asks, or reports its call's facts.
func startFunction(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- scf.Serve(ln, func(ctx context.Context, p json.RawMessage) (any, error) {
			switch string(p) {
			case `"error"`:
				return nil, &OperationError{}
			case `"panic"`:
				panic("kaboom")
			case `"facts"`:
				ic, _ := scf.FromContext(ctx)
				deadline, _ := ctx.Deadline()
				return map[string]any{
					"requestId":    ic.RequestID,
					"timeLimitMs":  ic.TimeLimit.Milliseconds(),
					"hasDeadline":  !deadline.IsZero(),
					"SCFCALL_TEST": os.Getenv("SCFCALL_TEST"),
				}, nil
			}
			return p, nil
		})
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

func TestRun(t *testing.T) {
	t.Setenv("SCFCALL_TEST", "") // the in-process function sets it; restored after
	addr := startFunction(t)

	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantStdout string // exact, when set
		wantStderr string // substring, when set
	}{
		{name: "ping", args: []string{"-addr", addr, "-ping"}, wantCode: exitOK},
		{name: "event file", args: []string{"-addr", addr, "-event", "testdata/timer.json"}, wantCode: exitOK,
			wantStdout: `{"Type":"Timer","TriggerName":"nightly","Time":"2026-11-22T02:00:00Z","Message":"hi"}` + "\n"},
		{name: "event on stdin", args: []string{"-addr", addr, "-event", "-"}, stdin: `[1, 2]`, wantCode: exitOK,
			wantStdout: "[1,2]\n"},
		{name: "call facts and env", stdin: `"facts"`, wantCode: exitOK,
			args:       []string{"-addr", addr, "-event", "-", "-timeout", "7s", "-request-id", "req-42", "-env", `{"SCFCALL_TEST":"v"}`},
			wantStdout: `{"SCFCALL_TEST":"v","hasDeadline":true,"requestId":"req-42","timeLimitMs":7000}` + "\n"},
		{name: "function error", args: []string{"-addr", addr, "-event", "-"}, stdin: `"error"`,
			wantCode: exitFunctionError, wantStdout: "", wantStderr: `"Type": "OperationError"`},
		{name: "function panic", args: []string{"-addr", addr, "-event", "-"}, stdin: `"panic"`,
			wantCode: exitFunctionError, wantStdout: "", wantStderr: `"ShouldExit": true`},
		{name: "no addr", args: []string{"-event", "-"}, wantCode: exitFailure, wantStderr: "-addr is required"},
		{name: "no event", args: []string{"-addr", addr}, wantCode: exitFailure, wantStderr: "-event is required"},
		{name: "stray argument", args: []string{"-addr", addr, "-ping", "x"}, wantCode: exitFailure, wantStderr: "unexpected arguments"},
		{name: "event not JSON", args: []string{"-addr", addr, "-event", "-"}, stdin: `{`, wantCode: exitFailure, wantStderr: "not valid JSON"},
		{name: "missing event file", args: []string{"-addr", addr, "-event", "testdata/nope.json"}, wantCode: exitFailure, wantStderr: "read event"},
		{name: "bad env hides values", args: []string{"-addr", addr, "-event", "-", "-env", `{"K":"hunter2"`}, stdin: `1`,
			wantCode: exitFailure, wantStderr: "-env must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			code := run(ctx, tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.wantCode, stderr.String())
			}
			if (tt.wantStdout != "" || tt.wantCode != exitOK) && stdout.String() != tt.wantStdout {
				t.Errorf("stdout = %q, want %q", stdout.String(), tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
			if strings.Contains(stderr.String(), "hunter2") {
				t.Errorf("stderr leaks an -env value: %q", stderr.String())
			}
			if tt.wantCode == exitFunctionError {
				var e messages.InvokeResponse_Error
				if err := json.Unmarshal(stderr.Bytes(), &e); err != nil || e.Message == "" {
					t.Errorf("stderr is not the error as JSON: %v: %q", err, stderr.String())
				}
			}
		})
	}
}

func TestRunUnreachable(t *testing.T) {
	// A port that was free a moment ago: nothing answers there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-addr", addr, "-ping", "-timeout", "200ms"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitFailure || !strings.Contains(stderr.String(), "not answering Ping") {
		t.Errorf("exit %d, stderr %q; want exit %d and a Ping failure", code, stderr.String(), exitFailure)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"-addr", startFunction(t), "-ping"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitFailure || !strings.Contains(stderr.String(), context.Canceled.Error()) {
		t.Errorf("exit %d, stderr %q on a cancelled context; want exit %d naming the cancellation", code, stderr.String(), exitFailure)
	}
}
