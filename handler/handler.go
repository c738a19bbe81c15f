// Package handler is cosflow's dispatcher: it turns one SCF invocation (a
// COS upload event, a timer tick or an HTTP request) into CI work through
// cosclient, following the configured rules, and answers with a result the
// platform and the logs can tell apart: what was triggered, skipped, failed.
//
// Delivery semantics drive the design (see the SCF spec, section 4): COS and
// timer triggers are retried by the platform when Handle returns an error,
// so Handle returns one only for failures a retry can fix, and records what
// already fired so that a retry does not fire it again.
package handler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/ledger"
	"github.com/cosflow/cosflow/scf"
)

// Handler dispatches invocations. It is safe for concurrent use; one
// Handler lives as long as the warm instance.
type Handler struct {
	cfg    *Config
	ci     *cosclient.Client
	ledger *ledger.Ledger
	logger *slog.Logger
	http   HTTPServer
	// now tells the time decisions are made at: whether a record is late,
	// how long the records below remember (durations are measured on
	// the monotonic clock, whatever now says).
	now func() time.Time
	// continuer goes on with a sweep that stopped with work left (nil:
	// the next tick does).
	continuer Continuer
	// fired remembers what this instance triggered; ambiguous what it
	// tried with an ambiguous outcome, so its next attempt looks first.
	fired, ambiguous *firedSet
}

// HTTPServer answers HTTP invocations: the REST API as package
// handler/api serves it to SCF (api.SCF), which holds every rule of the
// HTTP edge (limits, error shape, panics).
type HTTPServer interface {
	// ServeEvent answers one HTTP invocation.
	ServeEvent(ctx context.Context, req *events.HTTPRequest) *events.HTTPResponse
	// Refuse answers an HTTP invocation whose event could not be decoded;
	// err says why.
	Refuse(ctx context.Context, err error) *events.HTTPResponse
}

// Option configures a Handler (New).
type Option func(*Handler)

// WithClock has the Handler tell the time from now instead of time.Now:
// what a test needs to deliver a record late without waiting.
func WithClock(now func() time.Time) Option {
	return func(h *Handler) { h.now = now }
}

// New returns a Handler for a validated configuration. ci may be nil only
// in dry-run mode; httpAPI answers HTTP invocations (nil fails them: a
// handler built for sweeps alone, as `cosflow reconcile`'s).
func New(cfg *Config, ci *cosclient.Client, logger *slog.Logger, httpAPI HTTPServer, opts ...Option) *Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Concurrency < 1 {
		cfg.Concurrency = DefaultConcurrency
	}
	h := &Handler{
		cfg:    cfg,
		ci:     ci,
		ledger: ledger.New(ci, cfg.Ledger.retrigger()),
		logger: logger,
		http:   httpAPI,
		now:    time.Now,
	}
	for _, opt := range opts {
		opt(h)
	}
	h.fired = newFiredSet(DefaultDedupeEntries, DefaultDedupeTTL, h.now)
	h.ambiguous = newFiredSet(DefaultDedupeEntries, DefaultDedupeTTL, h.now)
	return h
}

// Trigger names as they appear in the logs' "trigger" attribute.
const (
	TriggerCOS     = "cos"
	TriggerTimer   = "timer"
	TriggerHTTP    = "http"
	TriggerUnknown = "unknown"
)

func triggerName(k events.Kind) string {
	switch k {
	case events.KindCOS:
		return TriggerCOS
	case events.KindTimer:
		return TriggerTimer
	case events.KindHTTP:
		return TriggerHTTP
	}
	return TriggerUnknown
}

// InvalidPayloadError is a payload that cannot be handled at all (not
// JSON, not a known trigger, a timer without any backfill spec). A retry
// cannot fix it; it is returned so that the caller sees why nothing ran.
type InvalidPayloadError struct {
	Trigger string
	Err     error
}

func (e *InvalidPayloadError) Error() string {
	return fmt.Sprintf("invalid %s payload: %v", e.Trigger, e.Err)
}

func (e *InvalidPayloadError) Unwrap() error { return e.Err }

// Handle serves one invocation; its shape is the SCF runtime's handler
// shape. The result is *UploadResult, *TimerResult or *events.HTTPResponse.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (any, error) {
	start := time.Now()
	// Decode once; a payload that fails still names its trigger kind
	// whenever it was recognised, for the logs and the answer.
	ev, parseErr := events.Parse(payload)
	kind := events.KindUnknown
	var de *events.DecodeError
	switch {
	case ev != nil:
		kind = ev.Kind
	case errors.As(parseErr, &de):
		kind = de.Kind
	}
	trigger := triggerName(kind)
	log := h.invocationLogger(ctx, trigger)
	ctx = logx.With(ctx, log)
	ctx, cancel := withAnswerMargin(ctx)
	defer cancel()

	var (
		result any
		err    error
		attrs  []slog.Attr
	)
	switch {
	case kind == events.KindUnknown:
		err = &InvalidPayloadError{Trigger: trigger, Err: parseErr}
	default:
		switch kind {
		case events.KindCOS:
			r := newUploadResult()
			if parseErr != nil {
				err = &InvalidPayloadError{Trigger: trigger, Err: parseErr}
			} else {
				r, err = h.handleUpload(ctx, ev.COS)
			}
			result, attrs = r, r.summary()
		case events.KindTimer:
			r := &TimerResult{Jobs: []JobResult{}}
			if parseErr != nil {
				err = &InvalidPayloadError{Trigger: trigger, Err: parseErr}
			} else {
				r, err = h.handleTimer(ctx, ev.Timer)
			}
			result, attrs = r, r.summary()
		case events.KindHTTP:
			var resp *events.HTTPResponse
			switch {
			case h.http == nil:
				err = &InvalidPayloadError{Trigger: trigger, Err: errors.New("this function serves no HTTP API")}
			case parseErr != nil:
				resp = h.http.Refuse(ctx, parseErr)
			default:
				resp = h.http.ServeEvent(ctx, ev.HTTP)
			}
			if resp != nil {
				result, attrs = resp, []slog.Attr{slog.Int("status", resp.StatusCode)}
			}
		}
	}

	attrs = append(attrs, slog.Int64("durationMs", time.Since(start).Milliseconds()))
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", err.Error()), slog.Bool("retryable", isIncomplete(err)))
	}
	log.LogAttrs(ctx, level, "invocation done", attrs...)
	if err != nil {
		return result, err
	}
	return result, nil
}

// inParallel calls fn(0..n-1), at most the configured concurrency at a
// time, and returns when every call has. fn checks its own context: a
// cancelled invocation still visits every index, so every item gets an
// outcome.
func (h *Handler) inParallel(n int, fn func(i int)) {
	var g errgroup.Group
	g.SetLimit(h.cfg.Concurrency)
	for i := range n {
		g.Go(func() error {
			fn(i)
			return nil
		})
	}
	_ = g.Wait() // fn reports its outcome itself
}

// Answer margin bounds: the platform kills an instance at its deadline, so
// CI work must stop a little before it for the result (and the list of what
// failed) to reach the platform at all.
const (
	minAnswerMargin = 50 * time.Millisecond
	maxAnswerMargin = 500 * time.Millisecond
)

// withAnswerMargin moves ctx's deadline earlier by a tenth of the time
// left, within [minAnswerMargin, maxAnswerMargin]. Without a deadline it
// changes nothing.
func withAnswerMargin(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	margin := min(max(time.Until(deadline)/10, minAnswerMargin), maxAnswerMargin)
	return context.WithDeadline(ctx, deadline.Add(-margin))
}

// isIncomplete reports whether err asks the platform to retry.
func isIncomplete(err error) bool {
	var ie *IncompleteError
	return errors.As(err, &ie)
}

// invocationLogger is the logger every line of this invocation goes
// through: it carries the SCF request ID (or a local one) and the trigger.
func (h *Handler) invocationLogger(ctx context.Context, trigger string) *slog.Logger {
	requestID := ""
	if ic, ok := scf.FromContext(ctx); ok {
		requestID = ic.RequestID
	}
	if requestID == "" {
		requestID = localRequestID()
	}
	return h.logger.With(slog.String("requestId", requestID), slog.String("trigger", trigger))
}

// localRequestID names an invocation that did not come from SCF (the CLI).
func localRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return "local-" + hex.EncodeToString(b[:])
}

// Failing returns a handler for a function whose configuration is invalid:
// rather than crash-looping, every invocation answers with the one clear
// configuration error. The error is logged once, here.
func Failing(err error, logger *slog.Logger) func(context.Context, json.RawMessage) (any, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger.Error("invalid configuration: every invocation will fail until it is fixed", slog.String("error", err.Error()))
	wrapped := fmt.Errorf("cosflow is misconfigured: %w", err)
	return func(context.Context, json.RawMessage) (any, error) {
		return nil, wrapped
	}
}
