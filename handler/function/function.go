// Package function puts cosflow's SCF function together from its
// configuration: the CI client, the REST API (package handler/api) and
// the dispatcher (package handler), which stay apart so that neither
// imports the other. The process's main serves it (Serve); `cosflow
// invoke` runs events through it (Build).
package function

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/handler/api"
	"github.com/cosflow/cosflow/model"
	"github.com/cosflow/cosflow/scf"
)

// Build makes the function from its configuration (read with getenv):
// the CI client, the REST API and the Handler, whose Handle it returns.
// Invalid configuration does not stop the process (SCF would only
// crash-loop it): every invocation answers with the configuration error
// instead (see handler.Failing).
func Build(getenv func(string) string, creds cosclient.CredentialsProvider, logger *slog.Logger) func(context.Context, json.RawMessage) (any, error) {
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
	return Assemble(cfg, client, logger).Handle
}

// Assemble puts the function together from a loaded configuration and
// its CI client: the REST API, whose callback route answers with the
// Handler's redrive (the rules, the bound and the claims are the
// Handler's), inside the Handler, which serves the API's HTTP
// invocations. Tests assemble it around a client of their own.
func Assemble(cfg *handler.Config, client *cosclient.Client, logger *slog.Logger) *handler.Handler {
	var h *handler.Handler // set below, before any invocation arrives
	restAPI := api.New(client, api.Options{
		Token:         cfg.APIToken,
		Bucket:        cfg.Bucket,
		Region:        cfg.Region,
		DryRun:        cfg.DryRun,
		Logger:        logger,
		CallbackToken: cfg.CallbackToken,
		Callback: func(ctx context.Context, cb *events.CICallback) (model.CallbackResult, error) {
			return h.CICallback(ctx, cb)
		},
	})
	h = handler.New(cfg, client, logger, api.NewSCF(restAPI, logger))
	return h
}

// Serve runs the function under the SCF runtime until that fails: logs go
// to stdout, where SCF collects them, and credentials are read from the
// environment at every request, since the platform rotates them between
// calls. It returns only once the runtime stopped, having logged why, so
// the caller has nothing left to report but its exit.
func Serve(getenv func(string) string, stdout io.Writer) {
	logger := handler.NewLogger(stdout, getenv)
	err := scf.Start(Build(getenv, cosclient.EnvCredentials{}, logger))
	logger.Error("scf runtime stopped", "error", err.Error())
}
