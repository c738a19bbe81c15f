// Package benchref holds the reference programs cosflow's performance is
// measured against (see scripts/bench.sh) and the smallest possible SCF Go1
// runtime they share. It lives in the tools module with everything that
// needs the official COS SDK, so that the product's go.mod does not.
//
// The runtime here is deliberately not package scf: the floor must be the
// least a Go function on SCF can be (net/rpc, a listener, Ping and an echo
// Invoke), so that the difference between it and cosflow is everything
// cosflow adds. Subpackages:
//
//   - floor: the runtime alone.
//   - sdkfn: the runtime plus the official COS SDK (a cos.Client and its
//     CIService built at start and used by Invoke); a separate binary.
//   - sdkbench: the official SDK's side of cosclient's client benchmarks.
//   - report: the program that builds all three binaries, runs every
//     measurement and prints the markdown table.
package benchref

import (
	"errors"
	"net"
	"net/rpc"
	"os"
)

// PingRequest and the other wire types mirror the Go1 runtime's messages
// (gob matches fields by name, so a subset of InvokeRequest's fields is
// enough: the rest are skipped when decoding).
type (
	// PingRequest is the argument of Function.Ping.
	PingRequest struct{}
	// PingResponse is the reply of Function.Ping.
	PingResponse struct{}
	// InvokeRequest is the part of Function.Invoke's argument used here.
	InvokeRequest struct {
		Payload   []byte
		RequestId string // the wire's spelling
	}
	// InvokeResponse is the reply of Function.Invoke.
	InvokeResponse struct {
		Payload []byte
		Error   *InvokeResponseError
	}
	// InvokeResponseError is a failed call (the wire's InvokeResponse_Error;
	// gob does not send type names, only fields).
	InvokeResponseError struct {
		Message string
		Type    string
	}
)

// InvokeFunc handles one event payload and returns the result JSON.
type InvokeFunc func(payload []byte) ([]byte, error)

// function is the "Function" receiver the platform calls.
type function struct{ invoke InvokeFunc }

// Ping answers once the process is serving: what cold start waits for.
func (f *function) Ping(_ *PingRequest, _ *PingResponse) error { return nil }

// Invoke runs the handler; its failure travels in the reply, as the
// platform expects.
func (f *function) Invoke(req *InvokeRequest, resp *InvokeResponse) error {
	out, err := f.invoke(req.Payload)
	if err != nil {
		resp.Error = &InvokeResponseError{Message: err.Error(), Type: "error"}
		return nil
	}
	resp.Payload = out
	return nil
}

// ErrNoPort is returned by Serve outside the platform (no port variable).
var ErrNoPort = errors.New("benchref: neither _LAMBDA_SERVER_PORT nor _SCF_SERVER_PORT is set")

// Serve registers invoke as "Function" and serves the runtime protocol on
// the port the platform names. It returns only on failure.
func Serve(invoke InvokeFunc) error {
	port := os.Getenv("_LAMBDA_SERVER_PORT")
	if port == "" {
		port = os.Getenv("_SCF_SERVER_PORT")
	}
	if port == "" {
		return ErrNoPort
	}
	srv := rpc.NewServer()
	if err := srv.RegisterName("Function", &function{invoke: invoke}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		return err
	}
	srv.Accept(ln)
	return errors.New("benchref: listener closed")
}
