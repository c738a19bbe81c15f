//go:build !deploy

// Command cosflow is a Tencent Cloud SCF function that turns COS uploads,
// timer ticks and HTTP requests into CI (Cloud Infinite) media-processing
// work, and the operator's command line for the same CI work.
//
// With _LAMBDA_SERVER_PORT or _SCF_SERVER_PORT set and no arguments it
// serves the SCF Go1 runtime protocol. Otherwise it is a CLI (`cosflow
// help` lists the commands): trigger, jobs, runs and reconcile for
// operators; invoke, emulator and version for local runs.
//
// Built with -tags deploy (scripts/build.sh), it is the function alone: see
// main_deploy.go. serve.go serves the function in both builds; this file
// only wires the rest of the process to package cli, where the commands
// live.
package main

import (
	"context"
	"os"

	"github.com/cosflow/cosflow/cli"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	serveSCF()
	cli.Version = version
	os.Exit(cli.Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
