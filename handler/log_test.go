package handler

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/handler/api"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/internal/logx/logxtest"
	"github.com/cosflow/cosflow/scf"
)

// collectAuthValues gathers every Authorization header value in a fixture,
// wherever it sits, so the test knows which strings must never be logged.
func collectAuthValues(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && strings.EqualFold(k, "authorization") && s != "" {
				*out = append(*out, s)
			}
			collectAuthValues(val, out)
		}
	case []any:
		for _, e := range x {
			collectAuthValues(e, out)
		}
	}
}

// TestLogsCarryIDsAndNoSecrets runs every events fixture through a handler
// configured with recognisable secrets (credentials, API token), with the
// real REST API behind HTTP events, and checks the captured log.
func TestLogsCarryIDsAndNoSecrets(t *testing.T) {
	const (
		secretID  = "AKIDrecognisableSecretID0001"
		secretKey = "recognisableSecretKeyValue0001"
		apiToken  = "recognisableApiToken0001"
	)
	fixtures, err := filepath.Glob("../events/testdata/*.json")
	if err != nil || len(fixtures) == 0 {
		t.Fatalf("no events fixtures in ../events/testdata (%v): the test would prove nothing", err)
	}
	emu := ciemu.New(ciemu.Options{Credentials: map[string]string{secretID: secretKey}, Seed: 1})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	env := map[string]string{
		EnvWorkflowID: wfA, EnvBucket: testBucket, EnvRegion: testRegion, EnvAPIToken: apiToken,
		EnvCIEndpoint: srv.URL, EnvBackfills: `[{"name":"fallback","prefix":"photos/","workflowId":"` + wfB + `","window":"24h"}]`,
	}
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ci, err := cosclient.New(cfg.ClientOptions(cosclient.StaticCredentials{SecretID: secretID, SecretKey: secretKey}))
	if err != nil {
		t.Fatal(err)
	}
	buf := &logxtest.Buffer{}
	logger := logx.New(buf, slog.LevelDebug)
	h := New(cfg, ci, logger, api.NewSCF(api.New(ci, api.Options{Token: cfg.APIToken, Bucket: cfg.Bucket, Region: cfg.Region, Logger: logger}), logger))

	secrets := []string{secretID, secretKey, apiToken, "q-signature"}
	for _, path := range fixtures {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var tree any
		if json.Unmarshal(raw, &tree) == nil {
			collectAuthValues(tree, &secrets)
		}
		ctx, cancel := context.WithTimeout(scf.NewContext(context.Background(),
			&scf.InvocationContext{RequestID: "req-" + filepath.Base(path)}), 10*time.Second)
		_, _ = h.Handle(ctx, raw) // some fixtures are not inputs (http_response.json): only the log matters
		cancel()
	}
	// The CLI has no SCF context: a local request ID is made up.
	_, _ = h.Handle(context.Background(), cosEvent(rec{key: "local.jpg", size: 1}))

	lines := buf.Lines(t)
	if len(lines) < len(fixtures) {
		t.Fatalf("%d log lines for %d fixtures", len(lines), len(fixtures))
	}
	done := 0
	for _, l := range lines {
		id, _ := l["requestId"].(string)
		trig, _ := l["trigger"].(string)
		if id == "" || trig == "" {
			t.Errorf("line without requestId or trigger: %v", l)
		}
		if l["msg"] == "invocation done" {
			done++
		}
		if l["msg"] == "workflow triggered" && l["key"] == "local.jpg" && !strings.HasPrefix(id, "local-") {
			t.Errorf("CLI invocation has requestId %q, want local-<hex>", id)
		}
	}
	if done != len(fixtures)+1 {
		t.Errorf("%d \"invocation done\" lines, want %d", done, len(fixtures)+1)
	}
	if testing.Verbose() {
		t.Log(buf.String())
	}
	out := buf.String()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("log contains secret %q", clip.String(s, 24))
		}
	}
	if emu.TotalTriggers() == 0 {
		t.Error("no fixture reached CI: the test proves nothing")
	}
}
