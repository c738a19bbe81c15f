package scf

import (
	"context"
	"fmt"
	"net"
	"net/rpc"
	"time"

	"github.com/cosflow/cosflow/scf/messages"
)

// Client calls a function process the way the platform does. It is for
// tests and for local tools (cmd/scfcall); it is safe for concurrent use,
// calls being multiplexed over one connection.
type Client struct {
	rpc *rpc.Client
}

// Dial connects to a function process listening on addr ("host:port").
func Dial(ctx context.Context, addr string) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("scf: dial %s: %w", addr, err)
	}
	return &Client{rpc: rpc.NewClient(conn)}, nil
}

// readyPoll is how often DialReady retries a function not serving yet.
const readyPoll = 50 * time.Millisecond

// DialReady dials addr and pings until the function answers, as the
// platform does before the first invocation, retrying while the process is
// still starting; it gives up when ctx ends, wrapping ctx's error and
// saying what the last attempt met.
func DialReady(ctx context.Context, addr string) (*Client, error) {
	for {
		c, err := Dial(ctx, addr)
		if err == nil {
			if err = c.Ping(ctx); err == nil {
				return c, nil
			}
			_ = c.Close()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("scf: %s not answering Ping: %w (last attempt: %v)", addr, ctx.Err(), err)
		case <-time.After(readyPoll):
		}
	}
}

// Ping calls Function.Ping: it succeeds once the process is serving.
func (c *Client) Ping(ctx context.Context) error {
	if err := c.call(ctx, "Function.Ping", &messages.PingRequest{}, &messages.PingResponse{}); err != nil {
		return fmt.Errorf("scf: ping: %w", err)
	}
	return nil
}

// Invoke calls Function.Invoke with req as given; in particular it does not
// derive req.Deadline from ctx (set it with [messages.TimestampOf]). A
// handler failure is not an error here: it comes back in the response's
// Error field. The error return is for transport failures and for ctx
// ending first.
func (c *Client) Invoke(ctx context.Context, req *messages.InvokeRequest) (*messages.InvokeResponse, error) {
	var resp messages.InvokeResponse
	if err := c.call(ctx, "Function.Invoke", req, &resp); err != nil {
		return nil, fmt.Errorf("scf: invoke request %q: %w", req.RequestId, err)
	}
	return &resp, nil
}

// Close closes the connection; calls still in flight fail.
func (c *Client) Close() error {
	return c.rpc.Close()
}

// call runs one RPC, giving up when ctx ends. net/rpc cannot cancel a call
// on the wire, so an abandoned call's late reply is discarded: reply is
// never handed back to the caller in that case.
func (c *Client) call(ctx context.Context, method string, args, reply any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	call := c.rpc.Go(method, args, reply, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
		return call.Error
	case <-ctx.Done():
		return ctx.Err()
	}
}
