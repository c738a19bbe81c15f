package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/logx"
)

// requestState is what the layers of one request tell each other.
type requestState struct {
	routed bool // a route handler (not the mux itself) is answering
	status int  // first status written
}

type stateKey struct{}

func stateFrom(ctx context.Context) *requestState {
	if s, ok := ctx.Value(stateKey{}).(*requestState); ok {
		return s
	}
	return &requestState{} // not under logRequests: nothing to share
}

// statusWriter records the status of the answer for the request log line.
type statusWriter struct {
	http.ResponseWriter
	state *requestState
}

func (w *statusWriter) WriteHeader(code int) {
	if w.state.status == 0 {
		w.state.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.state.status == 0 {
		w.state.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one line per request: method, route pattern, status
// and duration. It never logs headers or bodies, so neither the bearer
// token nor anything secret in a body can reach the log.
func (a *api) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		state := &requestState{}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, state))
		next.ServeHTTP(&statusWriter{ResponseWriter: w, state: state}, r)
		route := ""
		if state.routed {
			route = r.Pattern
		}
		status := state.status
		if status == 0 {
			status = http.StatusOK
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		a.logger(r).Log(r.Context(), level, "api request",
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int64("durationMs", time.Since(start).Milliseconds()))
	})
}

// logger is the invocation's logger (request ID, trigger) or the fallback.
func (a *api) logger(r *http.Request) *slog.Logger {
	return logx.From(r.Context(), a.opts.Logger)
}

// recoverPanics turns a panic in a route into a 500 JSON answer (when
// nothing was written yet) and an error log line, instead of a dropped
// connection.
func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			logx.From(r.Context(), nil).Error("api panic", slog.String("panic", fmt.Sprint(v)))
			if stateFrom(r.Context()).status == 0 {
				writeError(w, &apiError{status: http.StatusInternalServerError, code: codeInternal,
					message: "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// routed marks the request as answered by a route of ours, so that
// jsonMuxErrors leaves its answer alone.
func routed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stateFrom(r.Context()).routed = true
		h.ServeHTTP(w, r)
	})
}

// muxErrorWriter swallows what the ServeMux writes by itself (its
// plain-text 404 and 405, redirects to cleaned paths, 400 for "*") and
// remembers the status, so jsonMuxErrors can answer in JSON instead.
type muxErrorWriter struct {
	http.ResponseWriter
	state  *requestState
	status int
}

func (w *muxErrorWriter) WriteHeader(code int) {
	if w.state.routed {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if w.status == 0 {
		w.status = code
	}
}

func (w *muxErrorWriter) Write(p []byte) (int, error) {
	if w.state.routed {
		return w.ResponseWriter.Write(p)
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

func (w *muxErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// jsonMuxErrors serves mux and rewrites its own answers as JSON errors,
// keeping their status and the Allow and Location headers it set.
func jsonMuxErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state := stateFrom(r.Context())
		mw := &muxErrorWriter{ResponseWriter: w, state: state}
		mux.ServeHTTP(mw, r)
		if state.routed {
			return
		}
		h := w.Header()
		h.Del("X-Content-Type-Options") // set again by writeJSON
		switch mw.status {
		case http.StatusMethodNotAllowed:
			writeError(w, &apiError{status: mw.status, code: codeMethodNotAllowed,
				message: fmt.Sprintf("method %s is not allowed here; allowed: %s", clip.String(r.Method, maxEcho), h.Get("Allow"))})
		case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			writeError(w, &apiError{status: mw.status, code: codeRedirect,
				message: "the path is not canonical; use " + clip.String(h.Get("Location"), maxEcho)})
		case http.StatusBadRequest:
			writeError(w, &apiError{status: mw.status, code: codeInvalidRequest, message: "malformed request"})
		default:
			writeError(w, &apiError{status: http.StatusNotFound, code: codeNotFound,
				message: fmt.Sprintf("no route %s %s", clip.String(r.Method, maxEcho), clip.String(r.URL.Path, maxEcho))})
		}
	})
}
