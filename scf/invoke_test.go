package scf

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/cosflow/cosflow/scf/messages"
)

func TestInvoke(t *testing.T) {
	t.Setenv("SCF_TEST_INVOKE_KEY", "") // restored after the test
	deadline := time.Now().Add(time.Hour).Truncate(time.Second)

	tests := []struct {
		name        string
		req         messages.InvokeRequest
		h           Handler
		wantPayload string
		wantType    string // Error.Type; empty when success is expected
		wantExit    bool
	}{
		{
			name: "echo",
			req:  messages.InvokeRequest{Payload: []byte(`{"a": 1}`)},
			h: func(_ context.Context, p json.RawMessage) (any, error) {
				return p, nil
			},
			wantPayload: `{"a":1}`,
		},
		{
			name:        "nil result",
			h:           func(context.Context, json.RawMessage) (any, error) { return nil, nil },
			wantPayload: `null`,
		},
		{
			name: "returned error",
			h: func(context.Context, json.RawMessage) (any, error) {
				return nil, &OperationError{Op: "x"}
			},
			wantType: "OperationError",
		},
		{
			name: "unencodable result",
			h: func(context.Context, json.RawMessage) (any, error) {
				return make(chan int), nil
			},
			wantType: "UnsupportedTypeError",
		},
		{
			name: "panic",
			h: func(context.Context, json.RawMessage) (any, error) {
				panic("boom")
			},
			wantType: "string",
			wantExit: true,
		},
		{
			name: "malformed environment",
			req:  messages.InvokeRequest{Environment: `{"K":`},
			h: func(context.Context, json.RawMessage) (any, error) {
				t.Error("handler ran despite a malformed Environment")
				return nil, nil
			},
			wantType: "EnvironmentError",
		},
		{
			name: "environment applied before the handler",
			req:  messages.InvokeRequest{Environment: `{"SCF_TEST_INVOKE_KEY":"fresh"}`},
			h: func(context.Context, json.RawMessage) (any, error) {
				return os.Getenv("SCF_TEST_INVOKE_KEY"), nil
			},
			wantPayload: `"fresh"`,
		},
		{
			name: "deadline and context",
			req: messages.InvokeRequest{
				RequestId: "req-9", FunctionName: "fn",
				Deadline: messages.TimestampOf(deadline),
			},
			h: func(ctx context.Context, _ json.RawMessage) (any, error) {
				d, ok := ctx.Deadline()
				ic, icOK := FromContext(ctx)
				if !ok || !d.Equal(deadline) || !icOK || ic.RequestID != "req-9" || !ic.Deadline.Equal(deadline) {
					return nil, errors.New("deadline or InvocationContext missing")
				}
				return ic.FunctionName, nil
			},
			wantPayload: `"fn"`,
		},
		{
			name: "no deadline",
			h: func(ctx context.Context, _ json.RawMessage) (any, error) {
				_, ok := ctx.Deadline()
				return ok, nil
			},
			wantPayload: `false`,
		},
		{
			name: "past deadline reaches the handler as an ended context",
			req:  messages.InvokeRequest{Deadline: messages.TimestampOf(time.Unix(1, 0))},
			h: func(ctx context.Context, _ json.RawMessage) (any, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			},
			wantType: "deadlineExceededError",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := invoke(context.Background(), tt.h, &tt.req)
			if tt.wantType == "" {
				if resp.Error != nil {
					t.Fatalf("Error = %+v, want success", resp.Error)
				}
				if string(resp.Payload) != tt.wantPayload {
					t.Errorf("Payload = %s, want %s", resp.Payload, tt.wantPayload)
				}
				return
			}
			if resp.Error == nil {
				t.Fatalf("Payload = %s, want an error of type %s", resp.Payload, tt.wantType)
			}
			if resp.Error.Type != tt.wantType || resp.Error.ShouldExit != tt.wantExit || resp.Error.Message == "" {
				t.Errorf("Error = %+v, want Type %s, ShouldExit %v", resp.Error, tt.wantType, tt.wantExit)
			}
			if resp.Payload != nil {
				t.Errorf("Payload = %s alongside an error", resp.Payload)
			}
		})
	}
}
