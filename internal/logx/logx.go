// Package logx builds cosflow's structured JSON logger and carries the
// per-invocation logger (request ID, trigger kind) through a context, so
// every line of one invocation can be tied together.
package logx

import (
	"context"
	"io"
	"log/slog"
	"strings"
)

// Redacted replaces the value of any attribute whose key looks secret.
const Redacted = "[redacted]"

// New returns a JSON-lines logger writing to w at level. As a backstop to
// never logging secrets in the first place, attributes whose key names a
// credential (authorization, token, secret, signature, password) are
// redacted whatever the caller passed.
func New(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if secretKey(a.Key) {
				return slog.String(a.Key, Redacted)
			}
			return a
		},
	}))
}

// ParseLevel reads debug, info, warn or error ("" is info).
func ParseLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, true
	case "", "info":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	}
	return slog.LevelInfo, false
}

func secretKey(key string) bool {
	k := strings.ToLower(key)
	for _, s := range []string{"authorization", "token", "secret", "signature", "password"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the logger ctx carries, or fallback (or a discarding logger
// when fallback is nil).
func From(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if l, ok := ctx.Value(ctxKey{}).(*slog.Logger); ok {
		return l
	}
	if fallback != nil {
		return fallback
	}
	return slog.New(slog.DiscardHandler)
}
