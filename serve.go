package main

import (
	"os"

	"github.com/cosflow/cosflow/handler/function"
	"github.com/cosflow/cosflow/scf"
)

// exitFailed is the exit code once the SCF runtime stopped: the command
// line's cli.ExitFailed, which the deploy build leaves out.
const exitFailed = 1

// serveSCF is the first thing both builds' main does. Started with no
// arguments and _LAMBDA_SERVER_PORT or _SCF_SERVER_PORT set, the process is
// the function: it serves the SCF runtime and exits when that stops.
// Otherwise serveSCF returns and main goes on.
func serveSCF() {
	if len(os.Args) > 1 {
		return
	}
	if _, ok := scf.PortFromEnv(); !ok {
		return
	}
	function.Serve(os.Getenv, os.Stdout)
	os.Exit(exitFailed)
}
