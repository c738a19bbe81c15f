package scf_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/rpc"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The platform's side of the wire, declared here on purpose instead of
// reusing package scf's types: gob matches fields by name and type, so these
// independent structs prove the package speaks the protocol as specified,
// not merely as it speaks to itself.
type (
	pingRequest  struct{}
	pingResponse struct{}
	timestamp    struct{ Seconds, Nanos int64 }

	invokeRequest struct {
		Payload               []byte
		RequestId             string
		TraceId               string
		Deadline              timestamp
		InvokedFunctionUnique string
		ClientContext         []byte
		Namespace             string
		FunctionName          string
		FunctionVersion       string
		MemoryLimitInMb       int32
		TimeLimitInMs         int32
		Environment           string
		TencentcloudRegion    string
		TencentcloudAppID     string
		TencentcloudUin       string
		FunctionTrace         string
	}
	invokeResponse struct {
		Payload []byte
		Error   *invokeError
	}
	invokeError struct {
		Message    string
		Type       string
		StackTrace []*stackFrame
		ShouldExit bool
	}
	stackFrame struct {
		Path  string
		Line  int32
		Label string
	}
)

// callTimeout bounds every RPC in this file.
const callTimeout = 10 * time.Second

// lockedBuffer collects the child's stderr while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// buildEchoFn compiles scf/internal/echofn into a temporary directory.
func buildEchoFn(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "echofn")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./internal/echofn").CombinedOutput()
	if err != nil {
		t.Fatalf("go build echofn: %v\n%s", err, out)
	}
	return bin
}

// freePort asks the kernel for a loopback port that is free right now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// startFunction runs bin with the port in portVar (the other port variable
// removed), waits until it answers Ping and returns its address and stderr.
// The process is killed when the test ends.
func startFunction(t *testing.T, bin, portVar string) (addr string, stderr *lockedBuffer) {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(bin)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "_LAMBDA_SERVER_PORT=") && !strings.HasPrefix(kv, "_SCF_SERVER_PORT=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, portVar+"="+port)
	stderr = &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// exited is closed once the process is reaped; waitErr is then set.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	addr = net.JoinHostPort("127.0.0.1", port)
	deadline := time.Now().Add(callTimeout)
	for {
		c, err := rpc.Dial("tcp", addr)
		if err == nil {
			err = call(t, c, "Function.Ping", &pingRequest{}, &pingResponse{})
			c.Close()
			if err == nil {
				return addr, stderr
			}
		}
		select {
		case <-exited:
			t.Fatalf("function exited before serving: %v\n%s", waitErr, stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("function not answering Ping on %s after %v: %v\n%s", addr, callTimeout, err, stderr)
		}
	}
}

// call runs one RPC, bounded by callTimeout.
func call(t *testing.T, c *rpc.Client, method string, args, reply any) error {
	t.Helper()
	select {
	case done := <-c.Go(method, args, reply, make(chan *rpc.Call, 1)).Done:
		return done.Error
	case <-time.After(callTimeout):
		t.Fatalf("%s: no answer within %v", method, callTimeout)
		return nil
	}
}

func dial(t *testing.T, addr string) *rpc.Client {
	t.Helper()
	c, err := rpc.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// invoke calls Function.Invoke and fails the test on a transport error.
func invoke(t *testing.T, c *rpc.Client, req *invokeRequest) *invokeResponse {
	t.Helper()
	var resp invokeResponse
	if err := call(t, c, "Function.Invoke", req, &resp); err != nil {
		t.Fatalf("Invoke %s: %v", req.Payload, err)
	}
	return &resp
}

func TestEndToEnd(t *testing.T) {
	bin := buildEchoFn(t)
	addr, stderr := startFunction(t, bin, "_LAMBDA_SERVER_PORT")
	c := dial(t, addr)

	t.Run("result", func(t *testing.T) {
		resp := invoke(t, c, &invokeRequest{Payload: []byte(`{"action":"echo","n":1}`), RequestId: "r-echo"})
		if resp.Error != nil || string(resp.Payload) != `{"action":"echo","n":1}` {
			t.Errorf("response = %s, %+v", resp.Payload, resp.Error)
		}
	})

	t.Run("error", func(t *testing.T) {
		resp := invoke(t, c, &invokeRequest{Payload: []byte(`{"action":"error","message":"SubmitJob"}`)})
		want := invokeError{Message: "operation SubmitJob failed", Type: "OperationError"}
		if resp.Error == nil || resp.Error.Message != want.Message || resp.Error.Type != want.Type || resp.Error.ShouldExit {
			t.Errorf("Error = %+v, want %+v", resp.Error, want)
		}
	})

	t.Run("panic then a normal call", func(t *testing.T) {
		resp := invoke(t, c, &invokeRequest{Payload: []byte(`{"action":"panic","message":"kaboom"}`)})
		e := resp.Error
		if e == nil || !e.ShouldExit || e.Message != "kaboom" || e.Type != "string" {
			t.Fatalf("Error = %+v, want a ShouldExit panic error", e)
		}
		if len(e.StackTrace) == 0 || e.StackTrace[0].Label != "main.handle" ||
			!strings.HasSuffix(e.StackTrace[0].Path, "echofn/main.go") || e.StackTrace[0].Line == 0 {
			t.Errorf("top frame = %+v, want main.handle in echofn/main.go", firstFrame(e))
		}
		resp = invoke(t, c, &invokeRequest{Payload: []byte(`"still alive"`)})
		if resp.Error != nil || string(resp.Payload) != `"still alive"` {
			t.Errorf("call after panic = %s, %+v", resp.Payload, resp.Error)
		}
	})

	t.Run("deadline", func(t *testing.T) {
		d := time.Now().Add(200 * time.Millisecond)
		resp := invoke(t, c, &invokeRequest{
			Payload:  []byte(`{"action":"sleep"}`),
			Deadline: timestamp{Seconds: d.Unix(), Nanos: int64(d.Nanosecond())},
		})
		if resp.Error != nil || string(resp.Payload) != `{"ctxErr":"context deadline exceeded"}` {
			t.Errorf("response = %s, %+v", resp.Payload, resp.Error)
		}
	})

	t.Run("context and environment", func(t *testing.T) {
		deadline := time.Now().Add(time.Minute)
		for _, secret := range []string{"e2e-secret-value-1", "e2e-secret-value-2"} {
			req := &invokeRequest{
				Payload:   []byte(`{"action":"context","env":"COSFLOW_E2E_TOKEN"}`),
				RequestId: "req-ctx", TraceId: "trace-ctx",
				Deadline:     timestamp{Seconds: deadline.Unix(), Nanos: int64(deadline.Nanosecond())},
				FunctionName: "cosflow", Namespace: "default", FunctionVersion: "$LATEST",
				MemoryLimitInMb: 256, TimeLimitInMs: 60000,
				Environment:        `{"COSFLOW_E2E_TOKEN":"` + secret + `"}`,
				TencentcloudRegion: "ap-guangzhou", TencentcloudAppID: "1250000000", TencentcloudUin: "100000000001",
			}
			resp := invoke(t, c, req)
			if resp.Error != nil {
				t.Fatalf("Error = %+v", resp.Error)
			}
			want := fmt.Sprintf(`{"requestId":"req-ctx","traceId":"trace-ctx","functionName":"cosflow",`+
				`"namespace":"default","functionVersion":"$LATEST","memoryLimitMB":256,"timeLimitMs":60000,`+
				`"region":"ap-guangzhou","appId":"1250000000","uin":"100000000001","deadlineUnixMs":%d,"envValue":%q}`,
				deadline.UnixMilli(), secret)
			if string(resp.Payload) != want {
				t.Errorf("Payload =\n %s\nwant\n %s", resp.Payload, want)
			}
		}
		if strings.Contains(stderr.String(), "e2e-secret-value") {
			t.Error("the function's output contains an Environment value")
		}
	})

	t.Run("malformed environment", func(t *testing.T) {
		resp := invoke(t, c, &invokeRequest{Payload: []byte(`"x"`), Environment: `{"K":`})
		if resp.Error == nil || resp.Error.Type != "EnvironmentError" {
			t.Errorf("Error = %+v, want EnvironmentError", resp.Error)
		}
		resp = invoke(t, c, &invokeRequest{Payload: []byte(`"x"`)})
		if resp.Error != nil {
			t.Errorf("call after a malformed Environment failed: %+v", resp.Error)
		}
	})

	t.Run("50 concurrent invokes", func(t *testing.T) {
		const conns, perConn = 5, 10
		var wg sync.WaitGroup
		errs := make(chan error, conns*perConn)
		for i := range conns {
			cc := dial(t, addr)
			for j := range perConn {
				wg.Add(1)
				go func() {
					defer wg.Done()
					payload := fmt.Sprintf(`{"action":"echo","conn":%d,"call":%d}`, i, j)
					var resp invokeResponse
					done := cc.Go("Function.Invoke", &invokeRequest{Payload: []byte(payload)}, &resp, make(chan *rpc.Call, 1)).Done
					select {
					case r := <-done:
						switch {
						case r.Error != nil:
							errs <- r.Error
						case resp.Error != nil || string(resp.Payload) != payload:
							errs <- fmt.Errorf("call %d/%d: got %s, %+v", i, j, resp.Payload, resp.Error)
						}
					case <-time.After(callTimeout):
						errs <- fmt.Errorf("call %d/%d: no answer within %v", i, j, callTimeout)
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func TestEndToEndSCFPortOnly(t *testing.T) {
	bin := buildEchoFn(t)
	addr, _ := startFunction(t, bin, "_SCF_SERVER_PORT")
	resp := invoke(t, dial(t, addr), &invokeRequest{Payload: []byte(`[1,2]`)})
	if resp.Error != nil || string(resp.Payload) != `[1,2]` {
		t.Errorf("response = %s, %+v", resp.Payload, resp.Error)
	}
}

func firstFrame(e *invokeError) *stackFrame {
	if len(e.StackTrace) == 0 {
		return nil
	}
	return e.StackTrace[0]
}
