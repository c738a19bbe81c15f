package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/internal/logx/logxtest"
	"github.com/cosflow/cosflow/ledger"
)

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if cfg.Concurrency != DefaultConcurrency || cfg.DryRun || len(cfg.Rules) != 0 || cfg.LogLevel != slog.LevelInfo ||
		cfg.Ledger != LedgerLate || cfg.LedgerAfter != DefaultLedgerAfter || cfg.MaxAttempts != ledger.DefaultMaxAttempts ||
		cfg.StatePrefix != DefaultStatePrefix || strings.Join(cfg.IgnorePrefixes, "|") != DefaultStatePrefix || cfg.CallbackToken != "" {
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
		EnvMaxAttempts:    "10",
		EnvCallbackToken:  "0123456789abcdef-._~",
		EnvStatePrefix:    "state/cosflow/",
	}
	cfg, err = LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if len(cfg.Rules) != 2 || cfg.Rules[1].Name != DefaultRuleName || cfg.Rules[1].WorkflowID != wfB {
		t.Errorf("rules = %+v, want img and default", cfg.Rules)
	}
	if cfg.MaxAttempts != 10 || cfg.CallbackToken != env[EnvCallbackToken] || cfg.StatePrefix != "state/cosflow/" {
		t.Errorf("redrive settings: %+v", cfg)
	}
	if strings.Join(cfg.IgnorePrefixes, "|") != "state/cosflow/|out/|tmp/" || !cfg.DryRun || cfg.Concurrency != 64 || cfg.LogLevel != slog.LevelDebug {
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
		{"max attempts zero", map[string]string{EnvMaxAttempts: "0"}, `COSFLOW_MAX_ATTEMPTS: must be an integer from 1 (no redrive) to 10, not "0"`},
		{"max attempts over", map[string]string{EnvMaxAttempts: "11"}, `COSFLOW_MAX_ATTEMPTS: must be an integer from 1`},
		{"max attempts word", map[string]string{EnvMaxAttempts: "three"}, `COSFLOW_MAX_ATTEMPTS: must be an integer from 1`},
		{"callback token short", map[string]string{EnvCallbackToken: "abc"}, `COSFLOW_CALLBACK_TOKEN: must be 16 to 256 characters`},
		{"callback token unsafe", map[string]string{EnvCallbackToken: "0123456789abcdef&x=1"}, `COSFLOW_CALLBACK_TOKEN: must be 16 to 256 characters`},
		{"callback token long", map[string]string{EnvCallbackToken: strings.Repeat("a", 257)}, `COSFLOW_CALLBACK_TOKEN: must be 16 to 256 characters`},
		{"state prefix dot-dot", map[string]string{EnvStatePrefix: "a/../b/"}, `COSFLOW_STATE_PREFIX: "a/../b/" has a ".." segment`},
		{"missing name", map[string]string{EnvRules: `[{"workflowId":"` + wfA + `"}]`}, `COSFLOW_RULES[0].name: is required`},
		{"duplicate name", map[string]string{EnvRules: `[{"name":"a","workflowId":"` + wfA + `"},{"name":"a","workflowId":"` + wfB + `"}]`}, `COSFLOW_RULES[1].name: "a" is already`},
		{"unknown field", map[string]string{EnvRules: rule(`,"workflow":"` + wfA + `"`)}, `COSFLOW_RULES[1].workflow: is not a known field`},
		{"wrong type", map[string]string{EnvRules: rule(`,"minSize":"big","workflowId":"` + wfA + `"`)}, `COSFLOW_RULES[1].minSize: must be an integer`},
		{"negative size", map[string]string{EnvRules: rule(`,"minSize":-1,"workflowId":"` + wfA + `"`)}, `COSFLOW_RULES[1].minSize: must be at least 0`},
		{"min above max", map[string]string{EnvRules: rule(`,"minSize":10,"maxSize":5,"workflowId":"` + wfA + `"`)}, `COSFLOW_RULES[1].minSize: 10 is above maxSize 5`},
		{"traversal prefix", map[string]string{EnvRules: rule(`,"prefix":"in/../secret/","workflowId":"` + wfA + `"`)}, `COSFLOW_RULES[1].prefix: "in/../secret/" has a ".." segment`},
		{"control character in prefix", map[string]string{EnvRules: rule(`,"prefix":"in/\u0001","workflowId":"` + wfA + `"`)}, `COSFLOW_RULES[1].prefix: holds U+0001, a character XML 1.0 cannot carry`},
		{"prefix longer than a key", map[string]string{EnvRules: rule(`,"prefix":"` + strings.Repeat("p", 851) + `","workflowId":"` + wfA + `"`)}, `COSFLOW_RULES[1].prefix: is 851 bytes, longer than the 850 an object key may have`},
		{"control character in suffix", map[string]string{EnvRules: rule(`,"suffix":".jpg\u007f\u0000","workflowId":"` + wfA + `"`)}, `COSFLOW_RULES[1].suffix: holds U+0000`},
		{"ignore traversal after an empty element", map[string]string{EnvIgnorePrefixes: "out/,,a/../b"}, `COSFLOW_IGNORE_PREFIXES[2]: "a/../b" has a ".." segment`},
		{"ignore control character", map[string]string{EnvIgnorePrefixes: "out/,,tmp/\x01"}, `COSFLOW_IGNORE_PREFIXES[2]: holds U+0001, a character XML 1.0 cannot carry`},
		{"backfill workflow and tag", map[string]string{EnvBucket: testBucket, EnvRegion: testRegion, EnvBackfills: `[{"name":"n","prefix":"","workflowId":"` + wfA + `","tag":"Transcode"}]`}, `COSFLOW_BACKFILLS[0].tag: is only for Job jobs`},
		{"backfill traversal prefix", map[string]string{EnvBucket: testBucket, EnvRegion: testRegion, EnvBackfills: `{"name":"n","prefix":"a/..","workflowId":"` + wfA + `"}`}, `COSFLOW_BACKFILLS.prefix: "a/.." has a ".." segment`},
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
		{"SCF endpoint", map[string]string{EnvSCFEndpoint: "http://x/path"}, `COSFLOW_SCF_ENDPOINT: must be http(s)://host[:port]`},
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

func TestLoadConfigLedger(t *testing.T) {
	tests := []struct {
		ledger, after string
		mode          LedgerMode
		threshold     time.Duration
		err           string // the error starts with this; "" for none
	}{
		{"", "", LedgerLate, DefaultLedgerAfter, ""},
		{"late", "0s", LedgerLate, 0, ""},
		{" ALWAYS ", "45s", LedgerAlways, 45 * time.Second, ""},
		{"off", "1m", LedgerOff, time.Minute, ""},
		{"sometimes", "", "", 0, `COSFLOW_LEDGER: must be late, always or off, not "sometimes"`},
		{"", "61s", "", 0, `COSFLOW_LEDGER_AFTER: must be a duration from 0s to 1m0s`},
		{"", "-1s", "", 0, `COSFLOW_LEDGER_AFTER: must be a duration`},
		{"", "30", "", 0, `COSFLOW_LEDGER_AFTER: must be a duration`},
		{"", "soon", "", 0, `COSFLOW_LEDGER_AFTER: must be a duration`},
	}
	for _, tt := range tests {
		t.Run(tt.ledger+"/"+tt.after, func(t *testing.T) {
			env := map[string]string{EnvLedger: tt.ledger, EnvLedgerAfter: tt.after}
			cfg, err := LoadConfig(func(k string) string { return env[k] })
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Errorf("err = %v, want %s…", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if cfg.Ledger != tt.mode || cfg.LedgerAfter != tt.threshold {
				t.Errorf("ledger %q after %v, want %q after %v", cfg.Ledger, cfg.LedgerAfter, tt.mode, tt.threshold)
			}
		})
	}
}

// TestLoadConfigFiles: COSFLOW_RULES_FILE and COSFLOW_BACKFILLS_FILE read
// the JSON from a file of the code package (USER_CODE_ROOT on SCF, else
// the working directory); errors name the variable and the file.
func TestLoadConfigFiles(t *testing.T) {
	abs, err := filepath.Abs("testdata/config/rules.json")
	if err != nil {
		t.Fatal(err)
	}
	big := t.TempDir()
	exact := "[" + strings.Repeat(" ", maxConfigFileBytes-2) + "]"
	writeFile(t, filepath.Join(big, "exact.json"), exact)
	writeFile(t, filepath.Join(big, "over.json"), exact+" ")

	tests := []struct {
		name      string
		env       map[string]string
		rules     []string // the rule names loaded
		backfills []string // the timer spec names loaded
		err       string   // the whole error starts with this
	}{
		{"rules under USER_CODE_ROOT", map[string]string{EnvCodeRoot: "testdata", EnvRulesFile: "config/rules.json"}, []string{"images", "videos"}, nil, ""},
		{"rules from the working directory", map[string]string{EnvRulesFile: "testdata/config/rules.json"}, []string{"images", "videos"}, nil, ""},
		{"an absolute path ignores the root", map[string]string{EnvCodeRoot: "/nonexistent", EnvRulesFile: abs}, []string{"images", "videos"}, nil, ""},
		{"rules file and the shorthand", map[string]string{EnvCodeRoot: "testdata", EnvRulesFile: "config/rules.json", EnvWorkflowID: wfA}, []string{"images", "videos", DefaultRuleName}, nil, ""},
		{"backfills under USER_CODE_ROOT", map[string]string{EnvCodeRoot: "testdata", EnvBackfillsFile: "config/backfills.json", EnvBucket: testBucket, EnvRegion: testRegion}, nil, []string{"nightly", "sweep"}, ""},
		{"a file of exactly the limit", map[string]string{EnvCodeRoot: big, EnvRulesFile: "exact.json"}, nil, nil, ""},

		{"the root is where a relative file is looked for", map[string]string{EnvCodeRoot: "testdata/config", EnvRulesFile: "testdata/config/rules.json"}, nil, nil,
			`COSFLOW_RULES_FILE (testdata/config/rules.json): cannot read the file: open testdata/config/testdata/config/rules.json: no such file`},
		{"missing file", map[string]string{EnvCodeRoot: "testdata", EnvRulesFile: "config/nope.json"}, nil, nil, `COSFLOW_RULES_FILE (config/nope.json): cannot read the file:`},
		{"a file over the limit", map[string]string{EnvCodeRoot: big, EnvRulesFile: "over.json"}, nil, nil, `COSFLOW_RULES_FILE (over.json): the file is larger than 1048576 bytes`},
		{"a directory", map[string]string{EnvCodeRoot: "testdata", EnvRulesFile: "config"}, nil, nil, `COSFLOW_RULES_FILE (config): cannot read the file:`},
		{"rules both ways", map[string]string{EnvRules: `[]`, EnvRulesFile: "testdata/config/rules.json"}, nil, nil, `COSFLOW_RULES_FILE: cannot be set together with COSFLOW_RULES: set one of them`},
		{"backfills both ways", map[string]string{EnvBackfills: `[]`, EnvBackfillsFile: "testdata/config/backfills.json"}, nil, nil, `COSFLOW_BACKFILLS_FILE: cannot be set together with COSFLOW_BACKFILLS: set one of them`},
		{"a rule's field", map[string]string{EnvCodeRoot: "testdata", EnvRulesFile: "config/rules_bad_workflow.json"}, nil, nil,
			`COSFLOW_RULES_FILE (config/rules_bad_workflow.json)[1].workflowId: is not 'w' and 32 lower-case hex digits`},
		{"a rule named twice", map[string]string{EnvCodeRoot: "testdata", EnvRulesFile: "config/rules_duplicate.json"}, nil, nil,
			`COSFLOW_RULES_FILE (config/rules_duplicate.json)[1].name: "a" is already the name of rule [0]`},
		{"rules not JSON", map[string]string{EnvCodeRoot: "testdata", EnvRulesFile: "config/rules_not_json.json"}, nil, nil,
			`COSFLOW_RULES_FILE (config/rules_not_json.json): is not valid JSON`},
		{"a spec named twice", map[string]string{EnvCodeRoot: "testdata", EnvBackfillsFile: "config/backfills_duplicate.json", EnvBucket: testBucket, EnvRegion: testRegion}, nil, nil,
			`COSFLOW_BACKFILLS_FILE (config/backfills_duplicate.json)[1].name: "a" is already the name of spec [0]`},
		{"a spec's workflow and tag", map[string]string{EnvCodeRoot: "testdata", EnvBackfillsFile: "config/backfills_tag.json", EnvBucket: testBucket, EnvRegion: testRegion}, nil, nil,
			`COSFLOW_BACKFILLS_FILE (config/backfills_tag.json)[0].tag: is only for Job jobs`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(func(k string) string { return tt.env[k] })
			if tt.err != "" {
				var ce *ConfigError
				if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("err = %v\n  want a *ConfigError starting %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			var rules, specs []string
			for _, r := range cfg.Rules {
				rules = append(rules, r.Name)
			}
			for i := range cfg.Backfills {
				specs = append(specs, cfg.Backfills[i].Name())
			}
			if !slices.Equal(rules, tt.rules) || !slices.Equal(specs, tt.backfills) {
				t.Errorf("rules %v, specs %v; want %v, %v", rules, specs, tt.rules, tt.backfills)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrencyBounds: COSFLOW_CONCURRENCY's tag says what its
// constants say, the bounds its error messages name.
func TestConcurrencyBounds(t *testing.T) {
	f, _ := reflect.TypeFor[Config]().FieldByName("Concurrency")
	if want := fmt.Sprintf("gte=%d,lte=%d", MinConcurrency, MaxConcurrency); f.Tag.Get("validate") != want {
		t.Errorf("Concurrency's validate tag is %q, want %q", f.Tag.Get("validate"), want)
	}
}
