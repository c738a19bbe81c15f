package scf

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/scf/messages"
)

// serve runs h on a loopback listener for the test's lifetime and returns a
// connected client.
func serve(t *testing.T, h Handler) *Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- Serve(ln, h) }()
	t.Cleanup(func() {
		ln.Close()
		if err := <-served; !errors.Is(err, net.ErrClosed) {
			t.Errorf("Serve returned %v, want net.ErrClosed", err)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestClientPingInvoke(t *testing.T) {
	c := serve(t, func(ctx context.Context, p json.RawMessage) (any, error) {
		ic, _ := FromContext(ctx)
		return map[string]any{"event": p, "requestId": ic.RequestID}, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Invoke(ctx, &messages.InvokeRequest{Payload: []byte(`{"k":"v"}`), RequestId: "r-1"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Error != nil || string(resp.Payload) != `{"event":{"k":"v"},"requestId":"r-1"}` {
		t.Errorf("response = %s, %+v", resp.Payload, resp.Error)
	}
}

func TestClientPanicKeepsServing(t *testing.T) {
	c := serve(t, func(_ context.Context, p json.RawMessage) (any, error) {
		if string(p) == `"panic"` {
			panic("boom")
		}
		return p, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	resp, err := c.Invoke(ctx, &messages.InvokeRequest{Payload: []byte(`"panic"`)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Error == nil || !resp.Error.ShouldExit || resp.Error.Message != "boom" || len(resp.Error.StackTrace) == 0 {
		t.Fatalf("panic response = %+v", resp.Error)
	}
	resp, err = c.Invoke(ctx, &messages.InvokeRequest{Payload: []byte(`"ok"`)})
	if err != nil || resp.Error != nil || string(resp.Payload) != `"ok"` {
		t.Fatalf("call after panic = %v, %+v", err, resp)
	}
}

func TestClientHonoursContext(t *testing.T) {
	release := make(chan struct{})
	c := serve(t, func(context.Context, json.RawMessage) (any, error) {
		<-release
		return nil, nil
	})
	t.Cleanup(func() { close(release) }) // runs before the server shuts down

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Invoke(ctx, &messages.InvokeRequest{RequestId: "blocked"})
		errc <- err
	}()
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Invoke = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Invoke did not return after its context was cancelled")
	}

	if err := c.Ping(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Ping on a cancelled context = %v, want context.Canceled", err)
	}
}

func TestStartWithoutPort(t *testing.T) {
	t.Setenv(envLambdaServerPort, "")
	t.Setenv(envSCFServerPort, "")
	h := func(context.Context, json.RawMessage) (any, error) { return nil, nil }
	if err := Start(h); !errors.Is(err, ErrNoPort) {
		t.Errorf("Start = %v, want ErrNoPort", err)
	}
}

func TestPortFromEnv(t *testing.T) {
	tests := []struct {
		name, lambda, scf string
		want              string
		wantOK            bool
	}{
		{"neither", "", "", "", false},
		{"lambda only", "9001", "", "9001", true},
		{"scf only", "", "28902", "28902", true},
		{"lambda first", "9001", "28902", "9001", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envLambdaServerPort, tt.lambda)
			t.Setenv(envSCFServerPort, tt.scf)
			got, ok := PortFromEnv()
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("PortFromEnv = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestServeNilHandler(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := Serve(ln, nil); err == nil {
		t.Error("Serve(nil handler) succeeded")
	}
}

func TestDialReady(t *testing.T) {
	// A port that nothing serves yet: the function "starts" a little later.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	t.Run("waits for a starting function", func(t *testing.T) {
		started := make(chan net.Listener, 1)
		served := make(chan error, 1)
		go func() {
			time.Sleep(3 * readyPoll) // a few failed attempts first
			l, err := net.Listen("tcp", addr)
			if err != nil {
				close(started)
				served <- err
				return
			}
			started <- l
			served <- Serve(l, func(context.Context, json.RawMessage) (any, error) { return "ok", nil })
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := DialReady(ctx, addr)
		if err != nil {
			t.Fatalf("DialReady: %v", err)
		}
		defer c.Close()
		if err := c.Ping(ctx); err != nil {
			t.Errorf("Ping on the ready client: %v", err)
		}
		if l, ok := <-started; ok {
			l.Close()
		}
		if err := <-served; !errors.Is(err, net.ErrClosed) {
			t.Errorf("Serve returned %v, want net.ErrClosed", err)
		}
	})

	t.Run("gives up when ctx ends", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*readyPoll)
		defer cancel()
		c, err := DialReady(ctx, addr)
		if err == nil {
			c.Close()
			t.Fatal("DialReady succeeded with nothing listening")
		}
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), addr) {
			t.Errorf("err = %v, want one wrapping the deadline and naming %s", err, addr)
		}
	})
}
