package cli

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/handler/api"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/scf"
)

// handlerFunc is the shape the SCF runtime serves and invoke calls.
type handlerFunc = func(context.Context, json.RawMessage) (any, error)

// newLogger writes JSON lines at COSFLOW_LOG_LEVEL (an invalid level is
// reported by the configuration check; logging still starts at info).
func newLogger(w io.Writer, getenv func(string) string) *slog.Logger {
	level, _ := logx.ParseLevel(getenv(handler.EnvLogLevel))
	return logx.New(w, level)
}

// newHandler builds the function from its configuration. Invalid
// configuration does not stop the process (SCF would only crash-loop it):
// every invocation answers with the configuration error instead.
func newHandler(getenv func(string) string, creds cosclient.CredentialsProvider, logger *slog.Logger) handlerFunc {
	cfg, err := handler.LoadConfig(getenv)
	if err != nil {
		return handler.Failing(err, logger)
	}
	opts := cfg.ClientOptions(creds)
	opts.Logger = logger
	client, err := cosclient.New(opts)
	if err != nil {
		return handler.Failing(err, logger)
	}
	restAPI := api.New(client, api.Options{
		Token:  cfg.APIToken,
		Bucket: cfg.Bucket,
		Region: cfg.Region,
		DryRun: cfg.DryRun,
		Logger: logger,
	})
	return handler.New(cfg, client, logger, restAPI).Handle
}

// serveSCF runs the function under the SCF runtime: logs go to stdout,
// where SCF collects them, and credentials are read from the environment at
// every request, since the platform rotates them between calls.
func serveSCF(getenv func(string) string, stdout io.Writer) int {
	logger := newLogger(stdout, getenv)
	if err := scf.Start(newHandler(getenv, cosclient.EnvCredentials{}, logger)); err != nil {
		logger.Error("scf runtime stopped", "error", err.Error())
		return ExitFailed
	}
	return ExitOK
}
