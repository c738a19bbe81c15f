package handler

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cirules"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/jsonscan"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/internal/valid"
	"github.com/cosflow/cosflow/ledger"
	"github.com/cosflow/cosflow/model"
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
	EnvSCFEndpoint    = "COSFLOW_SCF_ENDPOINT"
	EnvLogLevel       = "COSFLOW_LOG_LEVEL"
	EnvLedger         = "COSFLOW_LEDGER"
	EnvLedgerAfter    = "COSFLOW_LEDGER_AFTER"
	EnvRulesFile      = "COSFLOW_RULES_FILE"
	EnvBackfillsFile  = "COSFLOW_BACKFILLS_FILE"
	EnvMaxAttempts    = "COSFLOW_MAX_ATTEMPTS"
	EnvCallbackToken  = "COSFLOW_CALLBACK_TOKEN"
	EnvStatePrefix    = "COSFLOW_STATE_PREFIX"
	// EnvCodeRoot is where SCF unpacks the code package (USER_CODE_ROOT,
	// /var/user/ on the platform): configuration files are relative to it.
	EnvCodeRoot = "USER_CODE_ROOT"
)

// Settings are every environment variable cosflow reads under its own
// prefix: the configuration contract deployments and the README document.
var Settings = []string{
	EnvRules, EnvRulesFile, EnvWorkflowID, EnvIgnorePrefixes, EnvBucket, EnvRegion,
	EnvBackfills, EnvBackfillsFile, EnvAPIToken, EnvDryRun, EnvConcurrency,
	EnvCIEndpoint, EnvLogLevel, EnvLedger, EnvLedgerAfter,
	EnvMaxAttempts, EnvCallbackToken, EnvStatePrefix, EnvSCFEndpoint,
}

// LedgerMode says when an upload is checked against CI's execution list
// before it is triggered (see package ledger).
type LedgerMode string

// Ledger modes (COSFLOW_LEDGER).
const (
	// LedgerLate checks records delivered late (older than
	// COSFLOW_LEDGER_AFTER: a platform retry, most likely) and every
	// record after an ambiguous failure.
	LedgerLate LedgerMode = "late"
	// LedgerAlways checks every record before triggering it.
	LedgerAlways LedgerMode = "always"
	// LedgerOff never checks: a retried delivery may run a workflow twice.
	LedgerOff LedgerMode = "off"
)

// ledgerModes are the modes COSFLOW_LEDGER takes.
var ledgerModes = []LedgerMode{LedgerLate, LedgerAlways, LedgerOff}

// retrigger is the ledger's policy after an ambiguous trigger in mode m:
// off reads no execution list, so it can only call again blind (a run may
// then start twice; nothing is lost).
func (m LedgerMode) retrigger() ledger.Retrigger {
	if m == LedgerOff {
		return ledger.RetriggerBlind
	}
	return ledger.RetriggerAfterLookup
}

// Ledger defaults and bounds. The platform retries a failed delivery a
// minute later (../shared/spec/scf.md §4): a threshold above that would let
// a retry on a new instance, which remembers nothing, skip the check.
const (
	DefaultLedgerAfter = 30 * time.Second
	MaxLedgerAfter     = time.Minute
)

// maxConfigFileBytes bounds a configuration file: rules and backfills are
// small, the environment itself holds 4 KB.
const maxConfigFileBytes = 1 << 20

// Concurrency bounds and default for COSFLOW_CONCURRENCY.
const (
	DefaultConcurrency = 8
	MinConcurrency     = 1
	MaxConcurrency     = 64
)

// How much of a value a configuration error repeats, in bytes (clip.String
// cuts there, rune-safely): a setting's value, a rule's or a spec's value,
// a name, an object key. Values are the user's, and may be anything.
const (
	maxSettingEcho = 20
	maxValueEcho   = 40
	maxNameEcho    = 100
	maxKeyEcho     = 200
)

// orList is names as a sentence lists them: "a, b or c".
func orList[S ~string](names []S) string {
	var b strings.Builder
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(string(n))
	}
	return b.String()
}

// levelNames are COSFLOW_LOG_LEVEL's values, lowest first.
func levelNames() []string {
	names := make([]string, len(logx.Levels))
	for i, l := range logx.Levels {
		names[i] = strings.ToLower(l.String())
	}
	return names
}

// DefaultStatePrefix is where cosflow keeps its state objects (redrive
// claims, sweep cursors) in the bucket, unless COSFLOW_STATE_PREFIX says
// otherwise.
const DefaultStatePrefix = ".cosflow/"

// Callback token bounds (COSFLOW_CALLBACK_TOKEN): the token travels in the
// callback URL's query, so it is URL-safe as written, and long enough
// that it cannot be guessed (openssl rand -hex 32 gives 64 characters).
const (
	MinCallbackToken = 16
	MaxCallbackToken = 256
)

// DefaultRuleName names the rule COSFLOW_WORKFLOW_ID stands for.
const DefaultRuleName = "default"

// Config is the function's validated configuration, read once at start-up.
// The json tags are the environment variable names, so validation errors
// name the variable the user has to fix.
type Config struct {
	// Rules decide which workflows an upload triggers; every match fires.
	Rules []Rule `json:"COSFLOW_RULES" validate:"unique=Name,dive"`
	// IgnorePrefixes never trigger anything (loop protection for outputs).
	// LoadConfig checks each element as it splits the list, not a tag, so
	// that a mistake names its place in the list as written.
	IgnorePrefixes []string `json:"COSFLOW_IGNORE_PREFIXES"`
	// Bucket and Region are defaults for timer and HTTP requests.
	Bucket string `json:"COSFLOW_BUCKET" validate:"omitempty,ci_bucket"`
	Region string `json:"COSFLOW_REGION" validate:"omitempty,ci_region"`
	// Backfills are used when a timer's Message is empty.
	Backfills []TimerSpec `json:"COSFLOW_BACKFILLS"`
	// Ledger says when uploads are checked against CI's execution list;
	// LedgerAfter is how old a record is before it counts as late.
	Ledger      LedgerMode    `json:"COSFLOW_LEDGER"`
	LedgerAfter time.Duration `json:"COSFLOW_LEDGER_AFTER"`
	// APIToken is the HTTP API's bearer token. Never log it.
	APIToken string `json:"-"`
	// CallbackToken is the secret CI's completion callbacks carry in
	// their URL (?token=); empty turns the callback route off. Never log
	// it.
	CallbackToken string `json:"-"`
	// MaxAttempts is the most runs one upload gets: a failed run is
	// redriven while the upload has had fewer (ledger.Decide).
	MaxAttempts int `json:"COSFLOW_MAX_ATTEMPTS"`
	// StatePrefix is where cosflow keeps its state objects in the bucket
	// (ledger.Claims, sweep cursors). Uploads under it never trigger: it
	// is the first of IgnorePrefixes.
	StatePrefix string `json:"COSFLOW_STATE_PREFIX"`
	// DryRun validates, plans and logs but calls nothing.
	DryRun bool `json:"COSFLOW_DRY_RUN"`
	// Concurrency bounds the CI calls in flight within one invocation;
	// the tag's bounds are MinConcurrency and MaxConcurrency (a tag
	// cannot name a constant; TestConcurrencyBounds holds them equal).
	Concurrency int `json:"COSFLOW_CONCURRENCY" validate:"gte=1,lte=64"`
	// CIEndpoint overrides where CI connections go (emulator, tests).
	CIEndpoint string `json:"COSFLOW_CI_ENDPOINT"`
	// SCFEndpoint overrides where SCF API calls go (a sweep's
	// continuation; tests, benchmarks).
	SCFEndpoint string `json:"COSFLOW_SCF_ENDPOINT"`
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
		slog.String("ledger", string(c.Ledger)),
		slog.Duration("ledgerAfter", c.LedgerAfter),
		slog.Bool("apiEnabled", c.APIToken != ""),
		slog.Bool("callbacksEnabled", c.CallbackToken != ""),
		slog.Int("maxAttempts", c.MaxAttempts),
		slog.String("statePrefix", c.StatePrefix),
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

// defaultTarget is where timer and HTTP requests that name no bucket or
// region go (COSFLOW_BUCKET, COSFLOW_REGION).
func (c *Config) defaultTarget() model.Target {
	return model.Target{Bucket: c.Bucket, Region: c.Region}
}

// ConfigError is a configuration mistake: the variable, the file it names
// (for the *_FILE variables), the field inside the value (a JSON path such
// as "[1].workflowId", "" for the whole value) and why.
type ConfigError struct {
	Variable string
	File     string
	Field    string
	Reason   string
}

func (e *ConfigError) Error() string {
	name := e.Variable
	if e.File != "" {
		name += " (" + e.File + ")"
	}
	switch {
	case e.Field == "":
		return name + ": " + e.Reason
	case strings.HasPrefix(e.Field, "["):
		return name + e.Field + ": " + e.Reason
	}
	return name + "." + e.Field + ": " + e.Reason
}

// configErr turns a *valid.FieldError (or any error) into a *ConfigError
// for variable, under the JSON path prefix.
func configErr(variable, prefix string, err error) *ConfigError {
	if fe, ok := err.(*valid.FieldError); ok {
		return &ConfigError{Variable: variable, Field: jsonscan.Join(prefix, fe.Field), Reason: fe.Reason}
	}
	return &ConfigError{Variable: variable, Field: prefix, Reason: err.Error()}
}

// LoadConfig reads and validates the configuration from getenv (os.Getenv
// on SCF; a map in tests). The first mistake is returned as *ConfigError.
func LoadConfig(getenv func(string) string) (*Config, error) {
	cfg := &Config{Concurrency: DefaultConcurrency, Ledger: LedgerLate, LedgerAfter: DefaultLedgerAfter,
		MaxAttempts: ledger.DefaultMaxAttempts, StatePrefix: DefaultStatePrefix}
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }

	rules, err := configValue(getenv, EnvRules, EnvRulesFile)
	if err != nil {
		return nil, err
	}
	if rules.data != nil {
		if cfg.Rules, err = decodeRules(rules); err != nil {
			return nil, err
		}
	}
	if s := env(EnvWorkflowID); s != "" {
		if err := cosclient.ValidateWorkflowID(s); err != nil {
			return nil, &ConfigError{Variable: EnvWorkflowID, Reason: cirules.Reason(err)}
		}
		for _, r := range cfg.Rules {
			if r.Name == DefaultRuleName {
				return nil, &ConfigError{Variable: EnvWorkflowID, Reason: fmt.Sprintf("adds a rule named %q, but %s already has one", DefaultRuleName, EnvRules)}
			}
		}
		cfg.Rules = append(cfg.Rules, Rule{Name: DefaultRuleName, WorkflowID: s})
	}
	if s := env(EnvStatePrefix); s != "" {
		reason := prefixProblem(s)
		if err := cosclient.ValidatePrefix(s); err != nil {
			reason = cirules.Reason(err)
		}
		if reason != "" {
			return nil, &ConfigError{Variable: EnvStatePrefix, Reason: reason}
		}
		cfg.StatePrefix = s
	}
	// Writing state must never start a workflow (a claim object raises an
	// upload event like any other), so the state prefix is always ignored.
	cfg.IgnorePrefixes = []string{cfg.StatePrefix}
	if s := env(EnvIgnorePrefixes); s != "" {
		for i, p := range strings.Split(s, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			// Both prefix rules here, so that either names the element's
			// place in the list as written, empty elements included.
			reason := prefixProblem(p)
			if err := cosclient.ValidatePrefix(p); err != nil {
				reason = cirules.Reason(err)
			}
			if reason != "" {
				return nil, &ConfigError{Variable: EnvIgnorePrefixes, Field: fmt.Sprintf("[%d]", i), Reason: reason}
			}
			cfg.IgnorePrefixes = append(cfg.IgnorePrefixes, p)
		}
	}
	if s := env(EnvLedger); s != "" {
		m := LedgerMode(strings.ToLower(s))
		if !slices.Contains(ledgerModes, m) {
			return nil, &ConfigError{Variable: EnvLedger, Reason: fmt.Sprintf("must be %s, not %q", orList(ledgerModes), clip.String(s, maxSettingEcho))}
		}
		cfg.Ledger = m
	}
	if s := env(EnvLedgerAfter); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d > MaxLedgerAfter {
			return nil, &ConfigError{Variable: EnvLedgerAfter, Reason: fmt.Sprintf(
				"must be a duration from 0s to %v, like 30s (the platform retries a minute after a failure; a longer threshold would let a retry skip the check), not %q",
				MaxLedgerAfter, clip.String(s, maxSettingEcho))}
		}
		cfg.LedgerAfter = d
	}
	cfg.Bucket, cfg.Region = env(EnvBucket), env(EnvRegion)
	if cfg.Bucket != "" && cfg.Region == "" {
		return nil, &ConfigError{Variable: EnvRegion, Reason: "is required when " + EnvBucket + " is set"}
	}
	cfg.APIToken = getenv(EnvAPIToken)
	if strings.IndexFunc(cfg.APIToken, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return nil, &ConfigError{Variable: EnvAPIToken, Reason: "must not contain spaces or control characters"}
	}
	cfg.CallbackToken = getenv(EnvCallbackToken)
	if t := cfg.CallbackToken; t != "" && (len(t) < MinCallbackToken || len(t) > MaxCallbackToken || strings.IndexFunc(t, func(r rune) bool { return !urlSafe(r) }) >= 0) {
		return nil, &ConfigError{Variable: EnvCallbackToken, Reason: fmt.Sprintf(
			"must be %d to %d characters of A-Z, a-z, 0-9, '-', '.', '_' and '~' (it travels in the callback URL), e.g. openssl rand -hex 32", MinCallbackToken, MaxCallbackToken)}
	}
	if s := env(EnvMaxAttempts); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > ledger.MaxMaxAttempts {
			return nil, &ConfigError{Variable: EnvMaxAttempts, Reason: fmt.Sprintf(
				"must be an integer from 1 (no redrive) to %d, not %q", ledger.MaxMaxAttempts, clip.String(s, maxSettingEcho))}
		}
		cfg.MaxAttempts = n
	}
	if s := env(EnvDryRun); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, &ConfigError{Variable: EnvDryRun, Reason: fmt.Sprintf("must be true or false, not %q", clip.String(s, maxSettingEcho))}
		}
		cfg.DryRun = b
	}
	if s := env(EnvConcurrency); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, &ConfigError{Variable: EnvConcurrency, Reason: fmt.Sprintf("must be an integer from %d to %d, not %q", MinConcurrency, MaxConcurrency, clip.String(s, maxSettingEcho))}
		}
		cfg.Concurrency = n
	}
	if s := env(EnvCIEndpoint); s != "" {
		if err := cosclient.ValidateEndpoint(s); err != nil {
			return nil, &ConfigError{Variable: EnvCIEndpoint, Reason: cirules.Reason(err)}
		}
		cfg.CIEndpoint = s
	}
	if s := env(EnvSCFEndpoint); s != "" {
		if err := cosclient.ValidateEndpoint(s); err != nil {
			return nil, &ConfigError{Variable: EnvSCFEndpoint, Reason: cirules.Reason(err)}
		}
		cfg.SCFEndpoint = s
	}
	level, ok := logx.ParseLevel(env(EnvLogLevel))
	if !ok {
		return nil, &ConfigError{Variable: EnvLogLevel, Reason: fmt.Sprintf("must be %s, not %q", orList(levelNames()), clip.String(env(EnvLogLevel), maxSettingEcho))}
	}
	cfg.LogLevel = level

	if err := cirules.Struct(cfg); err != nil {
		return nil, fieldToConfigErr(err, rules)
	}
	if err := checkRules(cfg.Rules, rules); err != nil {
		return nil, err
	}
	backfills, err := configValue(getenv, EnvBackfills, EnvBackfillsFile)
	if err != nil {
		return nil, err
	}
	if backfills.data != nil {
		specs, err := decodeSpecs(backfills.data, cfg.defaultTarget())
		if err != nil {
			return nil, backfills.err("", err)
		}
		cfg.Backfills = specs
	}
	return cfg, nil
}

// source is a JSON configuration value and where it came from: an
// environment variable, or the file a *_FILE variable names.
type source struct {
	variable string // the variable to fix
	file     string // the file, when the value came from one
	data     []byte // nil when neither is set
}

// err is a *ConfigError for a mistake at field of the value.
func (s source) err(field string, err error) *ConfigError {
	ce := configErr(s.variable, field, err)
	ce.File = s.file
	return ce
}

// configValue reads a JSON setting from the variable, or from the file
// that fileVar names: a path relative to the code package (USER_CODE_ROOT
// on SCF, else the working directory), so that long settings need not fit
// the platform's 4 KB of environment variables. Setting both is a mistake.
func configValue(getenv func(string) string, variable, fileVar string) (source, error) {
	value, file := strings.TrimSpace(getenv(variable)), strings.TrimSpace(getenv(fileVar))
	switch {
	case value != "" && file != "":
		return source{}, &ConfigError{Variable: fileVar, Reason: "cannot be set together with " + variable + ": set one of them"}
	case value != "":
		return source{variable: variable, data: []byte(value)}, nil
	case file == "":
		return source{}, nil
	}
	path := file
	if root := getenv(EnvCodeRoot); root != "" && !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	data, err := readLimited(path, maxConfigFileBytes)
	if err != nil {
		return source{}, &ConfigError{Variable: fileVar, File: file, Reason: err.Error()}
	}
	return source{variable: fileVar, file: file, data: data}, nil
}

// readLimited reads a file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the file: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("the file is larger than %d bytes", limit)
	}
	return data, nil
}

// fieldToConfigErr splits a FieldError on the whole Config
// ("COSFLOW_RULES[1].workflowId") into variable and field; a rule's
// mistake names the rules' source.
func fieldToConfigErr(err error, rules source) *ConfigError {
	fe, ok := err.(*valid.FieldError)
	if !ok {
		return &ConfigError{Variable: "configuration", Reason: err.Error()}
	}
	variable, field := fe.Field, ""
	if i := strings.IndexAny(fe.Field, ".["); i >= 0 {
		variable, field = fe.Field[:i], strings.TrimPrefix(fe.Field[i:], ".")
	}
	if variable == EnvRules && rules.data != nil {
		return rules.err(field, &valid.FieldError{Reason: fe.Reason})
	}
	return &ConfigError{Variable: variable, Field: field, Reason: fe.Reason}
}

// decodeRules strictly decodes the rules element by element, so that
// every error names the rule's index.
func decodeRules(src source) ([]Rule, error) {
	var raws []json.RawMessage
	if err := valid.Decode(src.data, &raws); err != nil {
		return nil, src.err("", err)
	}
	rules := make([]Rule, len(raws))
	for i, raw := range raws {
		if err := valid.Decode(raw, &rules[i]); err != nil {
			return nil, src.err(fmt.Sprintf("[%d]", i), err)
		}
	}
	return rules, nil
}

// checkRules applies cosflow's own rules on each rule, which tags cannot
// say (unique names are the unique tag's).
func checkRules(rules []Rule, src source) error {
	for i, r := range rules {
		at := func(field, reason string) error {
			return src.err(jsonscan.Join(fmt.Sprintf("[%d]", i), field), &valid.FieldError{Reason: reason})
		}
		if reason := nameProblem(r.Name); reason != "" {
			return at("name", reason)
		}
		if reason := prefixProblem(r.Prefix); reason != "" {
			return at("prefix", reason)
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

// prefixProblem explains why p cannot be a key prefix of a rule, an
// ignore list or a backfill, or returns "". CI's own rule for a prefix is
// the ci_prefix tag; this is cosflow's, against "..", which in a key
// prefix is almost surely a path mistaken for a key (COS keys have no
// directories to climb).
func prefixProblem(p string) string {
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return fmt.Sprintf("%q has a \"..\" segment", clip.String(p, maxValueEcho))
		}
	}
	return ""
}

// urlSafe reports whether r is one of RFC 3986's unreserved characters,
// which a URL's query carries as they are.
func urlSafe(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-._~", r)
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
