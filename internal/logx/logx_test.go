package logx

import (
	"bytes"
	"context"
	"encoding/json"
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

// TestNewTerminalSafe: a value holding what a terminal acts on (C1
// controls, a bidi override, DEL, line breaks) is written as escapes, and
// read back from the JSON line as it was logged.
func TestNewTerminalSafe(t *testing.T) {
	const hostile = "i0\r\n{\"level\":\"INFO\"}\u0085\u009b2J\u2028\u202egpj.exe\x7f 图片"
	var buf bytes.Buffer
	New(&buf, slog.LevelInfo).Info("triggered", "instanceId", hostile)
	line := buf.String()
	if strings.Count(line, "\n") != 1 || strings.ContainsAny(line[:len(line)-1], "\r\n\u0085\u009b\u2028\u202e\x7f") {
		t.Errorf("raw control in %q", line)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(line), &obj); err != nil || obj["instanceId"] != hostile {
		t.Errorf("line %q reads back as %q (%v)", line, obj["instanceId"], err)
	}
}
