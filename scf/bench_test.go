package scf

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/scf/messages"
)

// BenchmarkInvokeLoopback measures one Invoke round trip over loopback
// net/rpc with a ~1 KB event and a one-variable Environment, i.e. the
// runtime's own overhead per call.
func BenchmarkInvokeLoopback(b *testing.B) {
	b.Setenv("SCF_BENCH_VAR", "") // restored after the benchmark
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go Serve(ln, func(_ context.Context, p json.RawMessage) (any, error) { return p, nil })

	ctx := context.Background()
	c, err := Dial(ctx, ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	payload := []byte(`{"pad":"` + strings.Repeat("x", 1000) + `"}`)
	req := &messages.InvokeRequest{Payload: payload, RequestId: "bench", Environment: `{"SCF_BENCH_VAR":"v"}`}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		resp, err := c.Invoke(ctx, req)
		if err != nil || resp.Error != nil {
			b.Fatal(err, resp)
		}
	}
}
