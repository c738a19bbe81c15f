package scf

import (
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"os"
)

// The environment variables that carry the port the platform connects to,
// in order of preference.
const (
	envLambdaServerPort = "_LAMBDA_SERVER_PORT"
	envSCFServerPort    = "_SCF_SERVER_PORT"
)

// PortFromEnv returns the port the platform expects the function on:
// $_LAMBDA_SERVER_PORT, else $_SCF_SERVER_PORT. ok is false when neither is
// set.
func PortFromEnv() (port string, ok bool) {
	for _, name := range []string{envLambdaServerPort, envSCFServerPort} {
		if p := os.Getenv(name); p != "" {
			return p, true
		}
	}
	return "", false
}

// Start serves h on the port named by the environment (see [PortFromEnv]),
// listening on all interfaces as the platform requires. It returns only on
// failure; main typically does `log.Fatal(scf.Start(h))`. Without a port it
// returns [ErrNoPort].
func Start(h Handler) error {
	port, ok := PortFromEnv()
	if !ok {
		return ErrNoPort
	}
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		return fmt.Errorf("scf: listen on port %s: %w", port, err)
	}
	return Serve(ln, h)
}

// Serve accepts connections on ln and serves the runtime protocol with h on
// each, one goroutine per connection and per call (net/rpc's model), so h
// must be safe for concurrent use. It returns when ln fails or is closed;
// the error then wraps the accept error (net.ErrClosed after a Close).
func Serve(ln net.Listener, h Handler) error {
	if h == nil {
		return errors.New("scf: nil handler")
	}
	srv := rpc.NewServer()
	if err := srv.RegisterName("Function", &rpcFunction{handler: h}); err != nil {
		return fmt.Errorf("scf: register rpc receiver: %w", err)
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			return fmt.Errorf("scf: accept: %w", err)
		}
		go srv.ServeConn(conn)
	}
}
