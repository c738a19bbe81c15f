package hostile_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/internal/hostile"
	"github.com/cosflow/cosflow/internal/termsafe"
)

// forged is CI text made to break a log or a terminal: line breaks, a
// forged JSON log line, C1 controls, the line separator, a right-to-left
// override.
const forged = "denied\r\n{\"level\":\"INFO\",\"msg\":\"forged\"}\n\u0085\u009b2J\u2028\u2029\u202egpj.exe"

// TestJSONLogsOneObjectPerLine: whatever CI sends (in an error's message,
// in an ID), the function's logger (handler.NewLogger, as on SCF) writes
// one JSON object a line, each holding CI's text intact as a value, and
// no forged line.
func TestJSONLogsOneObjectPerLine(t *testing.T) {
	t.Parallel()
	s := hostile.Start(t, hostile.Route(map[string]hostile.Answer{
		"TriggerWorkflow": hostile.About(hostile.ControlID),
		"ListObjects":     hostile.XML(http.StatusForbidden, "<Error><Code>"+escXML(forged)+"</Code><Message>"+escXML(forged)+"</Message></Error>"),
	}))
	var buf bytes.Buffer
	logger := handler.NewLogger(&buf, func(k string) string {
		if k == handler.EnvLogLevel {
			return "debug"
		}
		return ""
	})
	c := newClient(t, s, func(o *cosclient.Options) { o.Logger = logger })
	ctx := bounded(t)
	out, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: workflowID, Object: "a.jpg"})
	if err != nil || out.InstanceID != hostile.ControlID {
		t.Fatalf("trigger: %v, instance %q: an ID is CI's to choose, kept as sent", err, out.InstanceID)
	}
	logger.Info("triggered", slog.String("instanceId", out.InstanceID))
	_, err = c.ListObjects(ctx, nil)
	if err == nil {
		t.Fatal("listing: no error")
	}
	logger.Warn("sweep failed", slog.String("error", err.Error()))

	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	// The client's attempt lines (one for the trigger, one for the
	// refused listing) and the two above.
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(lines), buf.String())
	}
	var values []string
	for i, l := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			t.Fatalf("line %d is not one JSON object: %v\n%q", i+1, err, l)
		}
		// slog escapes what JSON must and the line and paragraph
		// separators (which JavaScript reads as line ends); logx escapes
		// the C1 controls and bidi overrides too (logs are read on
		// terminals), so nothing in a line acts on one.
		if obj["msg"] == "forged" || strings.ContainsFunc(l, termUnsafe) {
			t.Errorf("line %d: %q", i+1, l)
		}
		for _, v := range obj {
			if s, ok := v.(string); ok {
				values = append(values, s)
			}
		}
	}
	all := strings.Join(values, "\n")
	if !strings.Contains(all, hostile.ControlID) || !strings.Contains(all, forged) {
		t.Errorf("CI's text did not survive as values: %q", all)
	}
}

// TestTerminalText: CI's IDs and messages escaped for a terminal hold
// nothing a terminal acts on and stay on one line.
func TestTerminalText(t *testing.T) {
	t.Parallel()
	s := hostile.Start(t, hostile.XML(http.StatusForbidden, "<Error><Code>X</Code><Message>"+escXML(forged)+"</Message></Error>"))
	_, err := newClient(t, s, nil).ListObjects(bounded(t), nil)
	for _, text := range []string{hostile.ControlID, forged, err.Error()} {
		got := termsafe.String(text)
		if strings.ContainsFunc(got, termUnsafe) {
			t.Errorf("termsafe.String(%q) = %q", text, got)
		}
	}
}

// termUnsafe reports whether a terminal acts on r.
func termUnsafe(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
}

func escXML(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\r':
			b.WriteString("&#xD;")
		case '\n':
			b.WriteString("&#xA;")
		case '<':
			b.WriteString("&lt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
