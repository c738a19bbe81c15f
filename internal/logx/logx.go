// Package logx builds cosflow's structured JSON logger and carries the
// per-invocation logger (request ID, trigger kind) through a context, so
// every line of one invocation can be tied together.
package logx

import (
	"context"
	"io"
	"log/slog"
	"strings"

	"github.com/cosflow/cosflow/internal/termsafe"
)

// Redacted replaces the value of any attribute whose key looks secret.
const Redacted = "[redacted]"

// New returns a JSON-lines logger writing to w at level. As a backstop to
// never logging secrets in the first place, attributes whose key names a
// credential (authorization, token, secret, signature, password) are
// redacted whatever the caller passed.
//
// Each line is also safe on a terminal (termsafe.JSON): logs are read on
// one (cosflow invoke and cosflow reconcile write them to stderr, and a
// platform's log export is tailed in a shell), and the values are CI's
// and the uploader's text. slog escapes what JSON requires and U+2028/9;
// a C1 control (U+009B is a one-byte CSI on some terminals), DEL or a
// bidirectional override would stay raw, as JSON allows. They are written
// as \u escapes instead, which every JSON reader decodes to the same
// value, so nothing is lost; a line with none is written as slog made it.
func New(w io.Writer, level slog.Level) *slog.Logger {
	// slog's JSON handler writes each record in one Write, as JSONWriter
	// requires.
	return slog.New(slog.NewJSONHandler(termsafe.JSONWriter{W: w}, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if secretKey(a.Key) {
				return slog.String(a.Key, Redacted)
			}
			return a
		},
	}))
}

// Levels are the levels a configuration names, lowest first; their
// names, lower-cased, are what ParseLevel documents (debug, info, warn,
// error).
var Levels = []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}

// ParseLevel reads a level as slog.Level.UnmarshalText does: one of
// Levels' names in any case, optionally with an offset ("info+2"); ""
// (or blanks) is info. ok is false for anything else, with info.
func ParseLevel(s string) (level slog.Level, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return slog.LevelInfo, true
	}
	if err := level.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo, false
	}
	return level, true
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
