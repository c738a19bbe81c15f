package logx

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestNewRedactsSecretKeys(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, slog.LevelInfo)
	l.Info("x", "Authorization", "q-sign-algorithm=sha1&q-signature=abc",
		"apiToken", "tok123", "secretKey", "sk", "key", "photos/cat.jpg",
		slog.Group("req", "x-cos-security-token", "tmp"))
	out := buf.String()
	for _, secret := range []string{"q-signature=abc", "tok123", `"sk"`, "tmp"} {
		if strings.Contains(out, secret) {
			t.Errorf("log line leaks %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "photos/cat.jpg") {
		t.Errorf("log line lost an ordinary attribute: %s", out)
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want slog.Level
		ok   bool
	}{
		{"", slog.LevelInfo, true},
		{"debug", slog.LevelDebug, true},
		{"WARN", slog.LevelWarn, true},
		{"error", slog.LevelError, true},
		{"loud", slog.LevelInfo, false},
		{" info ", slog.LevelInfo, true},
		{"info+2", slog.LevelInfo + 2, true},
	}
	for _, tt := range tests {
		got, ok := ParseLevel(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestContext(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, slog.LevelInfo).With("requestId", "r1")
	From(With(context.Background(), l), nil).Info("hello")
	if !strings.Contains(buf.String(), `"requestId":"r1"`) {
		t.Errorf("logger from context lost its attributes: %s", buf.String())
	}
	From(context.Background(), nil).Info("discarded") // must not panic
}
