package handler

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/handler/api"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/scf"
)

// NewLogger writes JSON lines to w at COSFLOW_LOG_LEVEL (an invalid level
// is reported by the configuration check; logging still starts at info).
func NewLogger(w io.Writer, getenv func(string) string) *slog.Logger {
	level, _ := logx.ParseLevel(getenv(EnvLogLevel))
	return logx.New(w, level)
}

// Build makes the function from its configuration (read with getenv):
// the CI client, the REST API and the Handler, whose Handle it returns.
// Invalid configuration does not stop the process (SCF would only
// crash-loop it): every invocation answers with the configuration error
// instead (see Failing).
func Build(getenv func(string) string, creds cosclient.CredentialsProvider, logger *slog.Logger) func(context.Context, json.RawMessage) (any, error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return Failing(err, logger)
	}
	opts := cfg.ClientOptions(creds)
	opts.Logger = logger
	client, err := cosclient.New(opts)
	if err != nil {
		return Failing(err, logger)
	}
	restAPI := api.New(client, api.Options{
		Token:  cfg.APIToken,
		Bucket: cfg.Bucket,
		Region: cfg.Region,
		DryRun: cfg.DryRun,
		Logger: logger,
	})
	return New(cfg, client, logger, restAPI).Handle
}

// Serve runs the function under the SCF runtime until that fails: logs go
// to stdout, where SCF collects them, and credentials are read from the
// environment at every request, since the platform rotates them between
// calls. It returns only once the runtime stopped, having logged why, so
// the caller has nothing left to report but its exit.
func Serve(getenv func(string) string, stdout io.Writer) {
	logger := NewLogger(stdout, getenv)
	err := scf.Start(Build(getenv, cosclient.EnvCredentials{}, logger))
	logger.Error("scf runtime stopped", "error", err.Error())
}
