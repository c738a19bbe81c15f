// Package cli is cosflow's command line: the operator commands that run
// and watch CI work from a terminal (trigger, jobs, runs, reconcile), the
// local runs (invoke, emulator), version and help. main only calls Run,
// unless the process is the function itself (no arguments under the SCF
// runtime), which main serves first.
//
// The commands have no rules of their own: they build the HTTP API's
// requests and read its queries (package model) and the timer's reconcile
// sweep (package handler) from their flags, so a terminal and the
// Function URL accept and refuse the same things, and print the API's
// JSON shapes.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// Version is what `cosflow version` prints. main sets it from its own
// version variable, which scripts/build.sh sets with -ldflags "-X
// main.version=…".
var Version = "dev"

// Exit codes, the same for every command.
const (
	// ExitOK: the command did what it was asked; jobs wait: the job
	// succeeded.
	ExitOK = 0
	// ExitFailed: CI refused or failed the call (one line on stderr with
	// CI's code, message and request ID); jobs wait: the job ended Failed
	// or Cancel.
	ExitFailed = 1
	// ExitUsage: a usage or validation mistake, named on stderr (the flag,
	// argument or JSON field), or no credentials; nothing was sent to CI.
	ExitUsage = 2
	// ExitTimeout: the command's -timeout ran out (jobs wait: before the
	// job ended).
	ExitTimeout = 3
	// ExitInterrupted: jobs wait was interrupted (Ctrl-C), as a shell
	// reports a process killed by SIGINT.
	ExitInterrupted = 130
)

// session is one run of the command line: its context, streams and
// environment. Commands read the environment only through getenv.
type session struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// timeout is an operator command's -timeout, which bounds the whole
	// command (ctx, once the flags are parsed); nil for a command that
	// bounds itself (jobs wait, invoke) or is not bounded.
	timeout *time.Duration
}

// Run runs the command line args (without the program name) and returns
// the process's exit code. With no args it prints the usage: main has
// already served the SCF runtime when its port was set.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	s := &session{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return ExitUsage
	}
	switch {
	case isHelp(args[0]):
		return s.help(args[1:])
	case len(args) == 2 && isHelp(args[1]) && len(members(args[0])) > 0:
		return s.help(args[:1]) // cosflow jobs -h
	}
	c, rest, err := lookup(args)
	if err != nil {
		fmt.Fprintf(stderr, "cosflow: %v\nRun 'cosflow help' for the commands.\n", err)
		return ExitUsage
	}
	return s.execute(c, rest)
}

// command is one thing cosflow does: a top-level command or a member of a
// group ("jobs ls").
type command struct {
	name    string // as typed: "trigger", "jobs ls"
	args    string // the synopsis after the name, e.g. "ID [-interval 5s]"
	summary string // one line for `cosflow help`
	help    string // what `cosflow NAME -h` says above the flags
	example string // one command line, shown by -h
	// operator: one of the commands on CI, which take -bucket, -region,
	// -o and -profile and which help lists first.
	operator bool
	// setup declares the command's flags on fs and returns what runs it
	// on the positional arguments once fs is parsed.
	setup func(s *session, c *command, fs *flag.FlagSet) func(args []string) int
}

// commands lists every command, in the order help shows them.
func commands() []*command {
	return []*command{
		triggerCommand(),
		jobsCreateCommand(), jobsListCommand(), jobsGetCommand(), jobsCancelCommand(), jobsWaitCommand(),
		runsListCommand(), runsGetCommand(), runsRetryCommand(),
		reconcileCommand(), doctorCommand(),
		invokeCommand(), emulatorCommand(), versionCommand(),
	}
}

// lookup finds the command args name: one word, or a group and its
// member ("jobs ls"). rest is what follows the name.
func lookup(args []string) (c *command, rest []string, err error) {
	for _, c := range commands() {
		if c.name == args[0] {
			return c, args[1:], nil
		}
	}
	group := members(args[0])
	var names []string
	for _, c := range group {
		_, member, _ := strings.Cut(c.name, " ")
		if len(args) > 1 && member == args[1] {
			return c, args[2:], nil
		}
		names = append(names, member)
	}
	switch {
	case len(group) == 0:
		return nil, nil, fmt.Errorf("unknown command %q", args[0])
	case len(args) == 1:
		return nil, nil, fmt.Errorf("%s needs a subcommand: %s", args[0], strings.Join(names, ", "))
	}
	return nil, nil, fmt.Errorf("unknown command %q (%s takes %s)", args[0]+" "+args[1], args[0], strings.Join(names, ", "))
}

// members are the commands of a group ("jobs"), in help's order; none
// when group is no group.
func members(group string) []*command {
	var out []*command
	for _, c := range commands() {
		if g, _, ok := strings.Cut(c.name, " "); ok && g == group {
			out = append(out, c)
		}
	}
	return out
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

// execute parses c's flags from args, wherever they stand among its
// positional arguments, and runs it. -h prints c's help to stdout.
func (s *session) execute(c *command, args []string) int {
	fs := newFlagSet(c)
	run := c.setup(s, c, fs)
	positional, err := parseInterspersed(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printCommandHelp(s.stdout, c, fs)
		return ExitOK
	case err != nil:
		fmt.Fprintf(s.stderr, "cosflow %s: %v\nRun 'cosflow %s -h' for its flags.\n", c.name, err, c.name)
		return ExitUsage
	}
	if s.timeout != nil {
		if *s.timeout <= 0 {
			return s.invalid(c, "-timeout: must be positive")
		}
		ctx, cancel := context.WithTimeout(s.ctx, *s.timeout)
		defer cancel()
		s.ctx = ctx
	}
	return run(positional)
}

// timedOut reports whether the command's -timeout has run out.
func (s *session) timedOut() bool {
	return s.timeout != nil && errors.Is(s.ctx.Err(), context.DeadlineExceeded)
}

// newFlagSet is c's flag set. It prints nothing itself: execute reports
// its errors in one line and help prints the flags where they belong.
func newFlagSet(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("cosflow "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseInterspersed parses flags before, between and after positional
// arguments, so that `cosflow jobs wait ID -timeout 1h` reads -timeout
// (the flag package alone stops at ID). After "--" everything is
// positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// needArgs checks that args holds exactly the positional arguments named,
// reporting a mistake the way a flag's is.
func (s *session) needArgs(c *command, args []string, names ...string) bool {
	if len(args) == len(names) {
		return true
	}
	what := "takes no arguments"
	if len(names) > 0 {
		what = "takes " + strings.Join(names, " ")
	}
	fmt.Fprintf(s.stderr, "cosflow %s: %s, got %d (%q)\nRun 'cosflow %s -h' for its flags.\n", c.name, what, len(args), args, c.name)
	return false
}

func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "print the version",
		help:    "Prints the version the binary was built as.",
		example: "cosflow version",
		setup: func(s *session, c *command, fs *flag.FlagSet) func([]string) int {
			return func([]string) int {
				fmt.Fprintln(s.stdout, "cosflow", Version)
				return ExitOK
			}
		},
	}
}
