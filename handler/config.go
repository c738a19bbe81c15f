package handler

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/internal/valid"
)

// Environment variable names: they are a contract with deployments
// (serverless.yml) and with the local CLI.
const (
	EnvRules          = "COSFLOW_RULES"
	EnvWorkflowID     = "COSFLOW_WORKFLOW_ID"
	EnvIgnorePrefixes = "COSFLOW_IGNORE_PREFIXES"
	EnvBucket         = "COSFLOW_BUCKET"
	EnvRegion         = "COSFLOW_REGION"
	EnvBackfills      = "COSFLOW_BACKFILLS"
	EnvAPIToken       = "COSFLOW_API_TOKEN"
	EnvDryRun         = "COSFLOW_DRY_RUN"
	EnvConcurrency    = "COSFLOW_CONCURRENCY"
	EnvCIEndpoint     = "COSFLOW_CI_ENDPOINT"
	EnvLogLevel       = "COSFLOW_LOG_LEVEL"
)

// Concurrency bounds and default for COSFLOW_CONCURRENCY.
const (
	DefaultConcurrency = 8
	MaxConcurrency     = 64
)

// DefaultRuleName names the rule COSFLOW_WORKFLOW_ID stands for.
const DefaultRuleName = "default"

// Config is the function's validated configuration, read once at start-up.
// The json tags are the environment variable names, so validation errors
// name the variable the user has to fix.
type Config struct {
	// Rules decide which workflows an upload triggers; every match fires.
	Rules []Rule `json:"COSFLOW_RULES" validate:"dive"`
	// IgnorePrefixes never trigger anything (loop protection for outputs).
	IgnorePrefixes []string `json:"COSFLOW_IGNORE_PREFIXES"`
	// Bucket and Region are defaults for timer and HTTP requests.
	Bucket string `json:"COSFLOW_BUCKET" validate:"omitempty,ci_bucket"`
	Region string `json:"COSFLOW_REGION" validate:"omitempty,ci_region"`
	// Backfills are used when a timer's Message is empty.
	Backfills []BackfillSpec `json:"COSFLOW_BACKFILLS"`
	// APIToken is the HTTP API's bearer token. Never log it.
	APIToken string `json:"-"`
	// DryRun validates, plans and logs but calls nothing.
	DryRun bool `json:"COSFLOW_DRY_RUN"`
	// Concurrency bounds the CI calls in flight within one invocation.
	Concurrency int `json:"COSFLOW_CONCURRENCY" validate:"gte=1,lte=64"`
	// CIEndpoint overrides where CI connections go (emulator, tests).
	CIEndpoint string `json:"COSFLOW_CI_ENDPOINT"`
	// LogLevel is the minimum level logged.
	LogLevel slog.Level `json:"-"`
}

// LogValue keeps the API token out of logs when a Config is logged whole.
func (c *Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("rules", len(c.Rules)),
		slog.Any("ignorePrefixes", c.IgnorePrefixes),
		slog.String("bucket", c.Bucket),
		slog.String("region", c.Region),
		slog.Int("backfills", len(c.Backfills)),
		slog.Bool("apiEnabled", c.APIToken != ""),
		slog.Bool("dryRun", c.DryRun),
		slog.Int("concurrency", c.Concurrency),
		slog.String("logLevel", c.LogLevel.String()),
	)
}

// ClientOptions returns the cosclient options this configuration implies:
// the default bucket and region, and the endpoint override. Credentials
// are the caller's (on SCF, cosclient.EnvCredentials).
func (c *Config) ClientOptions(creds cosclient.CredentialsProvider) cosclient.Options {
	return cosclient.Options{Region: c.Region, Bucket: c.Bucket, Credentials: creds, Endpoint: c.CIEndpoint}
}

// ConfigError is a configuration mistake: the variable, the field inside
// it (a JSON path such as "[1].workflowId", "" for the whole value) and why.
type ConfigError struct {
	Variable string
	Field    string
	Reason   string
}

func (e *ConfigError) Error() string {
	switch {
	case e.Field == "":
		return e.Variable + ": " + e.Reason
	case strings.HasPrefix(e.Field, "["):
		return e.Variable + e.Field + ": " + e.Reason
	}
	return e.Variable + "." + e.Field + ": " + e.Reason
}

// configErr turns a *valid.FieldError (or any error) into a *ConfigError
// for variable, under the JSON path prefix.
func configErr(variable, prefix string, err error) *ConfigError {
	if fe, ok := err.(*valid.FieldError); ok {
		return &ConfigError{Variable: variable, Field: joinPath(prefix, fe.Field), Reason: fe.Reason}
	}
	return &ConfigError{Variable: variable, Field: prefix, Reason: err.Error()}
}

// joinPath appends a JSON path segment ("x" or "[2]") to a prefix.
func joinPath(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	case strings.HasPrefix(field, "["):
		return prefix + field
	}
	return prefix + "." + field
}

// LoadConfig reads and validates the configuration from getenv (os.Getenv
// on SCF; a map in tests). The first mistake is returned as *ConfigError.
func LoadConfig(getenv func(string) string) (*Config, error) {
	cfg := &Config{Concurrency: DefaultConcurrency}
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }

	if s := env(EnvRules); s != "" {
		rules, err := decodeRules(s)
		if err != nil {
			return nil, err
		}
		cfg.Rules = rules
	}
	if s := env(EnvWorkflowID); s != "" {
		if err := cosclient.ValidateWorkflowID(s); err != nil {
			var ve *cosclient.ValidationError
			reason := err.Error()
			if errors.As(err, &ve) {
				reason = ve.Reason
			}
			return nil, &ConfigError{Variable: EnvWorkflowID, Reason: reason}
		}
		for _, r := range cfg.Rules {
			if r.Name == DefaultRuleName {
				return nil, &ConfigError{Variable: EnvWorkflowID, Reason: fmt.Sprintf("adds a rule named %q, but %s already has one", DefaultRuleName, EnvRules)}
			}
		}
		cfg.Rules = append(cfg.Rules, Rule{Name: DefaultRuleName, WorkflowID: s})
	}
	if s := env(EnvIgnorePrefixes); s != "" {
		for i, p := range strings.Split(s, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if reason := prefixProblem(p); reason != "" {
				return nil, &ConfigError{Variable: EnvIgnorePrefixes, Field: fmt.Sprintf("[%d]", i), Reason: reason}
			}
			cfg.IgnorePrefixes = append(cfg.IgnorePrefixes, p)
		}
	}
	cfg.Bucket, cfg.Region = env(EnvBucket), env(EnvRegion)
	if cfg.Bucket != "" && cfg.Region == "" {
		return nil, &ConfigError{Variable: EnvRegion, Reason: "is required when " + EnvBucket + " is set"}
	}
	cfg.APIToken = getenv(EnvAPIToken)
	if strings.IndexFunc(cfg.APIToken, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return nil, &ConfigError{Variable: EnvAPIToken, Reason: "must not contain spaces or control characters"}
	}
	if s := env(EnvDryRun); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, &ConfigError{Variable: EnvDryRun, Reason: fmt.Sprintf("must be true or false, not %q", clip.String(s, 20))}
		}
		cfg.DryRun = b
	}
	if s := env(EnvConcurrency); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, &ConfigError{Variable: EnvConcurrency, Reason: fmt.Sprintf("must be an integer from 1 to %d, not %q", MaxConcurrency, clip.String(s, 20))}
		}
		cfg.Concurrency = n
	}
	if s := env(EnvCIEndpoint); s != "" {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return nil, &ConfigError{Variable: EnvCIEndpoint, Reason: "must be http(s)://host[:port]"}
		}
		cfg.CIEndpoint = s
	}
	level, ok := logx.ParseLevel(env(EnvLogLevel))
	if !ok {
		return nil, &ConfigError{Variable: EnvLogLevel, Reason: fmt.Sprintf("must be debug, info, warn or error, not %q", clip.String(env(EnvLogLevel), 20))}
	}
	cfg.LogLevel = level

	if err := valid.Struct(cfg); err != nil {
		return nil, fieldToConfigErr(err)
	}
	if err := checkRules(cfg.Rules); err != nil {
		return nil, err
	}
	if s := env(EnvBackfills); s != "" {
		specs, err := decodeSpecs([]byte(s), cfg.Bucket, cfg.Region)
		if err != nil {
			return nil, configErr(EnvBackfills, "", err)
		}
		cfg.Backfills = specs
	}
	return cfg, nil
}

// fieldToConfigErr splits a FieldError on the whole Config
// ("COSFLOW_RULES[1].workflowId") into variable and field.
func fieldToConfigErr(err error) *ConfigError {
	fe, ok := err.(*valid.FieldError)
	if !ok {
		return &ConfigError{Variable: "configuration", Reason: err.Error()}
	}
	variable, field := fe.Field, ""
	if i := strings.IndexAny(fe.Field, ".["); i >= 0 {
		variable, field = fe.Field[:i], strings.TrimPrefix(fe.Field[i:], ".")
	}
	return &ConfigError{Variable: variable, Field: field, Reason: fe.Reason}
}

// decodeRules strictly decodes COSFLOW_RULES element by element, so that
// every error names the rule's index.
func decodeRules(s string) ([]Rule, error) {
	var raws []json.RawMessage
	if err := valid.Decode([]byte(s), &raws); err != nil {
		return nil, configErr(EnvRules, "", err)
	}
	rules := make([]Rule, len(raws))
	for i, raw := range raws {
		if err := valid.Decode(raw, &rules[i]); err != nil {
			return nil, configErr(EnvRules, fmt.Sprintf("[%d]", i), err)
		}
	}
	return rules, nil
}

// checkRules applies the cross-field rules the validator tags cannot say.
func checkRules(rules []Rule) error {
	seen := make(map[string]int, len(rules))
	for i, r := range rules {
		at := func(field, reason string) error {
			return &ConfigError{Variable: EnvRules, Field: joinPath(fmt.Sprintf("[%d]", i), field), Reason: reason}
		}
		if j, dup := seen[r.Name]; dup {
			return at("name", fmt.Sprintf("%q is already the name of rule [%d]", r.Name, j))
		}
		seen[r.Name] = i
		if reason := nameProblem(r.Name); reason != "" {
			return at("name", reason)
		}
		if reason := prefixProblem(r.Prefix); reason != "" {
			return at("prefix", reason)
		}
		if strings.ContainsFunc(r.Suffix, unicode.IsControl) {
			return at("suffix", "must not contain control characters")
		}
		if r.MaxSize > 0 && r.MinSize > r.MaxSize {
			return at("minSize", fmt.Sprintf("%d is above maxSize %d", r.MinSize, r.MaxSize))
		}
		for k, p := range r.Events {
			if reason := eventPatternProblem(p); reason != "" {
				return at(fmt.Sprintf("events[%d]", k), reason)
			}
		}
	}
	return nil
}

// prefixProblem explains why p cannot be a key prefix, or returns "".
func prefixProblem(p string) string {
	if strings.ContainsFunc(p, unicode.IsControl) {
		return "must not contain control characters"
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return fmt.Sprintf("%q has a \"..\" segment (path traversal)", clip.String(p, 40))
		}
	}
	if len(p) > cosclient.MaxObjectKeyLen {
		return fmt.Sprintf("is longer than an object key can be (%d bytes)", cosclient.MaxObjectKeyLen)
	}
	return ""
}

// nameProblem explains why a rule or backfill name is unusable: names go
// into logs and job names, so no control characters and a sane length.
func nameProblem(name string) string {
	if strings.ContainsFunc(name, unicode.IsControl) {
		return "must not contain control characters"
	}
	if n := len([]rune(name)); n > maxNameRunes {
		return fmt.Sprintf("must have at most %d characters, has %d", maxNameRunes, n)
	}
	return ""
}

// maxNameRunes bounds rule and backfill names.
const maxNameRunes = 100
