// Command echofn is a test function for the scf runtime's end-to-end test:
// a real binary speaking the Go1 runtime protocol via scf.Start. What it
// does depends on the event's "action":
//
//	"echo" (or none)  return the event unchanged
//	"error"           return an *OperationError
//	"panic"           panic with the event's "message"
//	"sleep"           wait until the call's deadline (at most 10 s), report ctx.Err()
//	"context"         report the InvocationContext and the env var named by "env"
//
// It never logs: events and environment may carry credentials.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/cosflow/cosflow/scf"
)

// command is the part of the event that selects the behaviour.
type command struct {
	Action  string `json:"action"`
	Message string `json:"message"`
	Env     string `json:"env"`
}

// OperationError is a typed error, so the test can check the reported Type.
type OperationError struct{ Op string }

func (e *OperationError) Error() string { return "operation " + e.Op + " failed" }

// contextReport is what the "context" action returns.
type contextReport struct {
	RequestID       string `json:"requestId"`
	TraceID         string `json:"traceId"`
	FunctionName    string `json:"functionName"`
	Namespace       string `json:"namespace"`
	FunctionVersion string `json:"functionVersion"`
	MemoryLimitMB   int    `json:"memoryLimitMB"`
	TimeLimitMs     int64  `json:"timeLimitMs"`
	Region          string `json:"region"`
	AppID           string `json:"appId"`
	Uin             string `json:"uin"`
	DeadlineUnixMs  int64  `json:"deadlineUnixMs"`
	EnvValue        string `json:"envValue"`
}

func handle(ctx context.Context, payload json.RawMessage) (any, error) {
	var cmd command
	// A non-object event (a string, a number) is simply echoed.
	_ = json.Unmarshal(payload, &cmd)

	switch cmd.Action {
	case "error":
		return nil, &OperationError{Op: cmd.Message}
	case "panic":
		panic(cmd.Message)
	case "sleep":
		select {
		case <-ctx.Done():
			return map[string]string{"ctxErr": ctx.Err().Error()}, nil
		case <-time.After(10 * time.Second):
			return nil, fmt.Errorf("no deadline within 10s")
		}
	case "context":
		ic, ok := scf.FromContext(ctx)
		if !ok {
			return nil, fmt.Errorf("no InvocationContext in ctx")
		}
		return contextReport{
			RequestID: ic.RequestID, TraceID: ic.TraceID, FunctionName: ic.FunctionName,
			Namespace: ic.Namespace, FunctionVersion: ic.FunctionVersion,
			MemoryLimitMB: ic.MemoryLimitMB, TimeLimitMs: ic.TimeLimit.Milliseconds(),
			Region: ic.Region, AppID: ic.AppID, Uin: ic.Uin,
			DeadlineUnixMs: ic.Deadline.UnixMilli(),
			EnvValue:       os.Getenv(cmd.Env),
		}, nil
	default:
		return payload, nil
	}
}

func main() {
	if err := scf.Start(handle); err != nil {
		fmt.Fprintln(os.Stderr, "echofn:", err)
		os.Exit(1)
	}
}
