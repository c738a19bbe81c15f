package handler

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/internal/logx/logxtest"
)

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if cfg.Concurrency != DefaultConcurrency || cfg.DryRun || len(cfg.Rules) != 0 || cfg.LogLevel != slog.LevelInfo {
		t.Errorf("defaults = %+v", cfg)
	}
	env := map[string]string{
		EnvRules:          `[{"name":"img","prefix":"in/","events":["cos:ObjectCreated:*"],"minSize":1,"maxSize":10,"workflowId":"` + wfA + `"}]`,
		EnvWorkflowID:     wfB,
		EnvIgnorePrefixes: " out/ ,, tmp/",
		EnvDryRun:         "TRUE",
		EnvConcurrency:    "64",
		EnvLogLevel:       "debug",
		EnvAPIToken:       "tok-123",
	}
	cfg, err = LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if len(cfg.Rules) != 2 || cfg.Rules[1].Name != DefaultRuleName || cfg.Rules[1].WorkflowID != wfB {
		t.Errorf("rules = %+v, want img and default", cfg.Rules)
	}
	if strings.Join(cfg.IgnorePrefixes, "|") != "out/|tmp/" || !cfg.DryRun || cfg.Concurrency != 64 || cfg.LogLevel != slog.LevelDebug {
		t.Errorf("cfg = %+v", cfg)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	rule := func(extra string) string {
		return `[{"name":"ok","workflowId":"` + wfA + `"},{"name":"r"` + extra + `}]`
	}
	tests := []struct {
		name string
		env  map[string]string
		want string // the whole message starts with this
	}{
		{"bad workflow in rule", map[string]string{EnvRules: rule(`,"workflowId":"w123"`)}, `COSFLOW_RULES[1].workflowId: is not 'w' and 32 lower-case hex digits`},
		{"missing workflow", map[string]string{EnvRules: rule(``)}, `COSFLOW_RULES[1].workflowId: is required`},
		{"missing name", map[string]string{EnvRules: `[{"workflowId":"` + wfA + `"}]`}, `COSFLOW_RULES[0].name: is required`},
		{"duplicate name", map[string]string{EnvRules: `[{"name":"a","workflowId":"` + wfA + `"},{"name":"a","workflowId":"` + wfB + `"}]`}, `COSFLOW_RULES[1].name: "a" is already`},
		{"unknown field", map[string]string{EnvRules: rule(`,"workflow":"` + wfA + `"`)}, `COSFLOW_RULES[1].workflow: is not a known field`},
		{"wrong type", map[string]string{EnvRules: rule(`,"minSize":"big","workflowId":"` + wfA + `"`)}, `COSFLOW_RULES[1].minSize: must be an integer`},
		{"negative size", map[string]string{EnvRules: rule(`,"minSize":-1,"workflowId":"` + wfA + `"`)}, `COSFLOW_RULES[1].minSize: must be at least 0`},
		{"min above max", map[string]string{EnvRules: rule(`,"minSize":10,"maxSize":5,"workflowId":"` + wfA + `"`)}, `COSFLOW_RULES[1].minSize: 10 is above maxSize 5`},
		{"traversal prefix", map[string]string{EnvRules: rule(`,"prefix":"in/../secret/","workflowId":"` + wfA + `"`)}, `COSFLOW_RULES[1].prefix:`},
		{"bad event pattern", map[string]string{EnvRules: rule(`,"events":["ObjectCreated"],"workflowId":"` + wfA + `"`)}, `COSFLOW_RULES[1].events[0]:`},
		{"inner wildcard", map[string]string{EnvRules: rule(`,"events":["cos:*:Put"],"workflowId":"` + wfA + `"`)}, `COSFLOW_RULES[1].events[0]: '*' is only allowed at the end`},
		{"control char name", map[string]string{EnvRules: `[{"name":"a\nb","workflowId":"` + wfA + `"}]`}, `COSFLOW_RULES[0].name: must not contain control characters`},
		{"not an array", map[string]string{EnvRules: `{"name":"a"}`}, `COSFLOW_RULES: must be an array`},
		{"not JSON", map[string]string{EnvRules: `[{name:a}]`}, `COSFLOW_RULES: is not valid JSON`},
		{"deep JSON", map[string]string{EnvRules: strings.Repeat("[", 40) + strings.Repeat("]", 40)}, `COSFLOW_RULES: is nested deeper than 32 levels`},
		{"invalid UTF-8", map[string]string{EnvRules: "[{\"name\":\"\xff\"}]"}, `COSFLOW_RULES: is not valid UTF-8`},
		{"bad shorthand", map[string]string{EnvWorkflowID: "W0123"}, `COSFLOW_WORKFLOW_ID: is not 'w'`},
		{"shorthand clash", map[string]string{EnvRules: `[{"name":"default","workflowId":"` + wfA + `"}]`, EnvWorkflowID: wfB}, `COSFLOW_WORKFLOW_ID: adds a rule named "default"`},
		{"ignore traversal", map[string]string{EnvIgnorePrefixes: "out/,../etc"}, `COSFLOW_IGNORE_PREFIXES[1]:`},
		{"bad bucket", map[string]string{EnvBucket: "Example_Bucket", EnvRegion: testRegion}, `COSFLOW_BUCKET: `},
		{"bad region", map[string]string{EnvBucket: testBucket, EnvRegion: "Guangzhou"}, `COSFLOW_REGION: `},
		{"bucket without region", map[string]string{EnvBucket: testBucket}, `COSFLOW_REGION: is required`},
		{"bad boolean", map[string]string{EnvDryRun: "yes"}, `COSFLOW_DRY_RUN: must be true or false`},
		{"concurrency zero", map[string]string{EnvConcurrency: "0"}, `COSFLOW_CONCURRENCY: must be at least 1`},
		{"concurrency high", map[string]string{EnvConcurrency: "65"}, `COSFLOW_CONCURRENCY: must be at most 64`},
		{"concurrency word", map[string]string{EnvConcurrency: "eight"}, `COSFLOW_CONCURRENCY: must be an integer`},
		{"log level", map[string]string{EnvLogLevel: "verbose"}, `COSFLOW_LOG_LEVEL: must be debug, info, warn or error`},
		{"endpoint", map[string]string{EnvCIEndpoint: "ftp://x"}, `COSFLOW_CI_ENDPOINT: must be http(s)://host[:port]`},
		{"token with space", map[string]string{EnvAPIToken: "a b"}, `COSFLOW_API_TOKEN: must not contain`},
		{"backfill without bucket", map[string]string{EnvBackfills: `[{"name":"n","prefix":"","workflowId":"` + wfA + `"}]`}, `COSFLOW_BACKFILLS[0].bucket: is required`},
		{"backfill window", map[string]string{EnvBucket: testBucket, EnvRegion: testRegion, EnvBackfills: `[{"name":"n","prefix":"","workflowId":"` + wfA + `","window":"1d"}]`}, `COSFLOW_BACKFILLS[0].window: "1d" is not a duration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(func(k string) string { return tt.env[k] })
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("LoadConfig = %+v, %v; want a *ConfigError", cfg, err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q\n  want prefix %q", err, tt.want)
			}
			if !strings.HasPrefix(tt.want, ce.Variable) {
				t.Errorf("Variable = %q", ce.Variable)
			}
		})
	}
}

func TestConfigLogValueHidesToken(t *testing.T) {
	cfg, err := LoadConfig(func(k string) string { return map[string]string{EnvAPIToken: "SUPERSECRETTOKEN"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	buf := &logxtest.Buffer{}
	logx.New(buf, slog.LevelInfo).Info("config", slog.Any("config", cfg))
	if strings.Contains(buf.String(), "SUPERSECRETTOKEN") || !strings.Contains(buf.String(), `"apiEnabled":true`) {
		t.Errorf("log = %s", buf.String())
	}
}

func TestFailing(t *testing.T) {
	_, cfgErr := LoadConfig(func(k string) string { return map[string]string{EnvConcurrency: "0"}[k] })
	buf := &logxtest.Buffer{}
	fn := Failing(cfgErr, logx.New(buf, slog.LevelInfo))
	for i := range 3 {
		out, err := fn(context.Background(), []byte(`{"Records":[]}`))
		if out != nil || err == nil || !strings.Contains(err.Error(), "COSFLOW_CONCURRENCY") {
			t.Errorf("call %d = %v, %v; want the config error", i, out, err)
		}
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("call %d: %v does not wrap *ConfigError", i, err)
		}
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Errorf("%d log lines, want exactly 1:\n%s", n, buf.String())
	}
}
