package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
)

func emulatorCommand() *command {
	return &command{
		name:    "emulator",
		args:    "[-addr 127.0.0.1:9100]",
		summary: "run the CI emulator in the foreground",
		help: `Runs the CI emulator in the foreground until interrupted. It accepts the
credentials in TENCENTCLOUD_SECRETID/TENCENTCLOUD_SECRETKEY when set,
otherwise SecretId ` + ciemu.DefaultSecretID + ` / SecretKey ` + ciemu.DefaultSecretKey + `.`,
		example: "cosflow emulator -addr 127.0.0.1:9100",
		setup: func(s *session, c *command, fs *flag.FlagSet) func([]string) int {
			addr := fs.String("addr", "127.0.0.1:9100", "address to listen on")
			return func([]string) int { return s.emulator(*addr) }
		},
	}
}

// emulator serves the CI emulator on addr until SIGINT or SIGTERM.
func (s *session) emulator(addr string) int {
	opts := ciemu.Options{Seed: clockSeed()}
	id, key := s.getenv(cosclient.EnvSecretID), s.getenv(cosclient.EnvSecretKey)
	if id != "" && key != "" {
		opts.Credentials = map[string]string{id: key}
	} else {
		id = ciemu.DefaultSecretID
	}
	ctx, stop := signal.NotifyContext(s.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := ciemu.New(opts).Start(addr)
	if err != nil {
		fmt.Fprintf(s.stderr, "cosflow emulator: %v\n", err)
		return ExitFailed
	}
	// The SecretId is not a secret; the key is never printed.
	fmt.Fprintf(s.stdout, "CI emulator listening on %s (SecretId %s); Ctrl-C to stop\n", srv.URL(), id)
	<-ctx.Done()
	if err := srv.Close(); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(s.stderr, "cosflow emulator: %v\n", err)
		return ExitFailed
	}
	return ExitOK
}
