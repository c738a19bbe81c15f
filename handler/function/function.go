// Package function puts cosflow's SCF function together from its
// configuration: the CI client, the REST API (package handler/api) and
// the dispatcher (package handler), which stay apart so that neither
// imports the other. The process's main serves it (Serve); `cosflow
// invoke` runs events through it (Build).
package function

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/handler/api"
	"github.com/cosflow/cosflow/model"
	"github.com/cosflow/cosflow/scf"
	"github.com/cosflow/cosflow/scfapi"
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
	return Assemble(cfg, client, logger, handler.WithContinuer(&selfInvoker{creds: creds, endpoint: cfg.SCFEndpoint, region: cfg.Region})).Handle
}

// selfInvoker is the Handler's Continuer on SCF: it starts a new,
// asynchronous invocation of the very function the current invocation
// runs (SCF's Invoke, InvocationType Event,
// tencentcloud.com/document/api/583/17243), named by the runtime's
// invocation context: its name, namespace and version, in its region.
type selfInvoker struct {
	creds    cosclient.CredentialsProvider
	endpoint string // COSFLOW_SCF_ENDPOINT; "" for the SCF API's own
	region   string // COSFLOW_REGION, when the runtime names none
}

// Continue invokes this function again with event.
func (s *selfInvoker) Continue(ctx context.Context, event []byte) error {
	ic, ok := scf.FromContext(ctx)
	if !ok || ic.FunctionName == "" {
		return errors.New("continue: the invocation does not name its function (not run by SCF)")
	}
	region := ic.Region
	if region == "" {
		region = s.region
	}
	c, err := scfapi.New(scfapi.Options{Region: region, Credentials: s.creds, Endpoint: s.endpoint})
	if err != nil {
		return fmt.Errorf("continue: %w", err)
	}
	_, err = c.Invoke(ctx, &scfapi.InvokeInput{FunctionName: ic.FunctionName, Namespace: ic.Namespace,
		Qualifier: ic.FunctionVersion, InvocationType: scfapi.InvocationEvent, ClientContext: string(event)})
	if err != nil {
		return fmt.Errorf("continue: %w", err)
	}
	return nil
}

// Assemble puts the function together from a loaded configuration and
// its CI client: the REST API, whose callback route answers with the
// Handler's redrive (the rules, the bound and the claims are the
// Handler's), inside the Handler, which serves the API's HTTP
// invocations; opts configure the Handler (Build's continues sweeps
// through the SCF API). Tests assemble it around a client of their own.
func Assemble(cfg *handler.Config, client *cosclient.Client, logger *slog.Logger, opts ...handler.Option) *handler.Handler {
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
	h = handler.New(cfg, client, logger, api.NewSCF(restAPI, logger), opts...)
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
