//go:build deploy

// The deploy build (-tags deploy, what scripts/build.sh ships to SCF) is
// the function alone: it serves the SCF runtime and says its version.
// The command line and the built-in CI emulator are left out, since the
// function never runs them and they cost size and start-up time.
package main

import (
	"fmt"
	"os"
)

// Exit codes, as the command line's (exitFailed is in serve.go).
const (
	exitOK    = 0
	exitUsage = 2
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	serveSCF()
	if args := os.Args[1:]; len(args) == 1 && args[0] == "version" {
		fmt.Println("cosflow", version, "(deploy build)")
		os.Exit(exitOK)
	}
	fmt.Fprintln(os.Stderr, "cosflow: this is the deploy build (-tags deploy): it serves the SCF runtime when "+
		"_LAMBDA_SERVER_PORT or _SCF_SERVER_PORT is set, and says its version; build without the tag for the commands")
	os.Exit(exitUsage)
}
