package scf_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/cosflow/cosflow/scf"
	"github.com/cosflow/cosflow/scf/messages"
)

// A function's main hands its handler to scf.Start; here the same handler
// is served on a loopback listener and called the way the platform calls it.
func ExampleServe() {
	handler := func(ctx context.Context, event json.RawMessage) (any, error) {
		ic, _ := scf.FromContext(ctx) // per-call facts, e.g. for log lines
		return map[string]any{"requestId": ic.RequestID, "event": event}, nil
	}
	// In a function binary: log.Fatal(scf.Start(handler))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	go scf.Serve(ln, handler)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := scf.Dial(ctx, ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	resp, err := c.Invoke(ctx, &messages.InvokeRequest{
		Payload:   []byte(`{"Type":"Timer","TriggerName":"nightly"}`),
		RequestId: "req-1",
		Deadline:  messages.TimestampOf(time.Now().Add(3 * time.Second)),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %v\n", resp.Payload, resp.Error)
	// Output: {"event":{"Type":"Timer","TriggerName":"nightly"},"requestId":"req-1"} <nil>
}

// Handler tests fake an invocation with NewContext.
func ExampleFromContext() {
	ctx := scf.NewContext(context.Background(), &scf.InvocationContext{RequestID: "req-7", FunctionName: "cosflow"})
	if ic, ok := scf.FromContext(ctx); ok {
		fmt.Println(ic.FunctionName, ic.RequestID)
	}
	// Output: cosflow req-7
}
