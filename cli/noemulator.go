//go:build noemulator

package cli

import (
	"flag"
	"fmt"
	"io"
)

// This build (-tags noemulator, the deploy binary) leaves the CI emulator
// out: it only costs size and start-up time on SCF. invoke then needs a
// real CI or an external emulator, and emulator is not a command.

// notInBuild is what both emulator paths say in this build.
const notInBuild = "the CI emulator is not in this build (built with -tags noemulator)"

func emulatorCommand() *command {
	return &command{
		name:    "emulator",
		summary: "not in this build: " + notInBuild,
		help:    "Not available: " + notInBuild + ".",
		example: "cosflow emulator",
		setup: func(s *session, c *command, fs *flag.FlagSet) func([]string) int {
			fs.String("addr", "", "address to listen on")
			return func([]string) int {
				fmt.Fprintf(s.stderr, "cosflow emulator: %s\n", notInBuild)
				return ExitUsage
			}
		},
	}
}

// startBuiltinEmulator explains why invoke cannot run without credentials
// or COSFLOW_CI_ENDPOINT here.
func startBuiltinEmulator(_ func(string) string, stderr io.Writer) (*builtinEmulator, int) {
	fmt.Fprintf(stderr, "cosflow invoke: no credentials and no COSFLOW_CI_ENDPOINT, and %s\n", notInBuild)
	return nil, ExitUsage
}
