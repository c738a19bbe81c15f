package handler

import (
	"io"
	"log/slog"

	"github.com/cosflow/cosflow/internal/logx"
)

// NewLogger writes JSON lines to w at COSFLOW_LOG_LEVEL (an invalid level
// is reported by the configuration check; logging still starts at info).
func NewLogger(w io.Writer, getenv func(string) string) *slog.Logger {
	level, _ := logx.ParseLevel(getenv(EnvLogLevel))
	return logx.New(w, level)
}
