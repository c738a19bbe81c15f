// Package scf runs a Go function inside Tencent Cloud SCF's Go1 runtime.
//
// The platform starts the function binary and talks to it over Go net/rpc
// (gob encoding) on TCP port $_LAMBDA_SERVER_PORT (or $_SCF_SERVER_PORT): one
// receiver named "Function" with the methods Ping and Invoke. This package
// speaks that protocol itself because the reference library
// (tencentyun/scf-go-lib) cannot be fetched from our module proxy.
//
// User code sees only [Start] and a [Handler]; per-call facts (request ID,
// deadline, function name, ...) travel in the context and are read with
// [FromContext]. The package knows nothing about trigger payloads: the
// handler receives the raw event JSON and tells the trigger kinds apart.
//
// [Client] speaks the caller's side of the protocol, for tests and for the
// cmd/scfcall tool that plays the platform locally. The messages it sends
// and receives are in package [github.com/cosflow/cosflow/scf/messages],
// kept apart because only the runtime and such callers need them.
package scf
