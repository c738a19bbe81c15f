package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/internal/logx"
)

// BenchmarkTriggerDryRun measures the API's own cost per request: auth,
// decode, validation, logging (to a buffer), no CI call.
func BenchmarkTriggerDryRun(b *testing.B) {
	env := newEnvAt(b, nil, "http://127.0.0.1:1", nil, func(o *Options) { o.DryRun, o.Logger = true, discardLogger() })
	benchTrigger(b, env)
}

// BenchmarkTrigger is one trigger through the real client to the emulator
// on loopback.
func BenchmarkTrigger(b *testing.B) {
	emu := ciemu.New(ciemu.Options{})
	srv := httptest.NewServer(emu)
	b.Cleanup(srv.Close)
	benchTrigger(b, newEnvAt(b, emu, srv.URL, nil, func(o *Options) { o.Logger = discardLogger() }))
}

// discardLogger formats lines as in production but keeps none, so the
// benchmark does not measure a growing test buffer.
func discardLogger() *slog.Logger { return logx.New(io.Discard, slog.LevelInfo) }

func benchTrigger(b *testing.B, env *testEnv) {
	body := `{"workflowId":"` + testWF + `","object":"videos/a.mp4"}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/trigger", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		rec := httptest.NewRecorder()
		env.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusAccepted {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
