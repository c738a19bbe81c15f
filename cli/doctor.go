package cli

import (
	"flag"
	"fmt"
	"net/url"
	"strings"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/doctor"
	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/model"
)

func doctorCommand() *command {
	return &command{
		name:    "doctor",
		args:    "[-serverless serverless.yml] [-function-url URL]",
		summary: "check the deployment against CI for silent misconfigurations; starts nothing",
		help: `Checks the function's configuration against CI, making read calls only:
the credentials resolve and can read (a refusal names the CAM action);
every rule's workflow exists in the bucket and is Active (Paused: warn);
no workflow's own upload trigger takes a rule's uploads too (each would run
twice: error); no rule takes what its workflow writes (warn); where the
workflows post their completion callbacks (info); every backfill and
reconcile spec parses; and a reconcile sweep serves every rule (warn).

The configuration is read as the function reads it: from the environment
(COSFLOW_RULES, COSFLOW_RULES_FILE, COSFLOW_WORKFLOW_ID, COSFLOW_BACKFILLS,
...), or, with -serverless, from the file's environment variables (its
${env:NAME} taken from the shell, then from .env beside it; files relative
to its code folder) and its timer triggers' arguments, which are checked as
a tick reads them.

Prints one finding a line: a table, or with -o json one object a finding
with check, rule, workflowId, level (ok, info, warn, error) and message;
then a count on stderr. Exit 0 with no error, 1 with any error, 2 for a
usage mistake.`,
		example:  "cosflow doctor -serverless serverless.yml -function-url https://1250000000-abc.ap-guangzhou.tencentscf.com",
		operator: true,
		setup: func(s *session, c *command, fs *flag.FlagSet) func([]string) int {
			yml := fs.String("serverless", "", "read the function's settings and timers from this serverless.yml `FILE`")
			functionURL := fs.String("function-url", "", "the Function `URL`, to hold the workflows' callback URLs to")
			f := s.addOpFlags(fs)
			return func(args []string) int {
				if !s.needArgs(c, args) {
					return ExitUsage
				}
				set := map[string]bool{}
				fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
				return s.doctor(c, f, doctorFlags{serverless: *yml, functionURL: *functionURL, bucketSet: set["bucket"], regionSet: set["region"]})
			}
		},
	}
}

// doctorFlags are doctor's own flags, and which operator flags were given.
type doctorFlags struct {
	serverless, functionURL string
	bucketSet, regionSet    bool
}

// doctor reads the configuration, runs the checks and prints the
// findings.
func (s *session) doctor(c *command, f *opFlags, df doctorFlags) int {
	p, ok := s.printer(c, f)
	if !ok {
		return ExitUsage
	}
	if df.functionURL != "" {
		if u, err := url.Parse(df.functionURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return s.invalid(c, "-function-url: must be an http(s) URL such as https://1250000000-abc.ap-guangzhou.tencentscf.com, not %q", clip.String(df.functionURL, maxFlagEcho))
		}
	}
	getenv := s.getenv
	var dep *deployment
	if df.serverless != "" {
		var err error
		if dep, err = s.readDeployment(df.serverless); err != nil {
			return s.invalid(c, "-serverless: %v", err)
		}
		getenv = dep.getenv(s.getenv)
	}
	// The bucket and region are the function's, unless a flag says
	// otherwise.
	if !df.bucketSet {
		f.bucket = strings.TrimSpace(getenv(handler.EnvBucket))
	}
	if !df.regionSet {
		f.region = strings.TrimSpace(getenv(handler.EnvRegion))
	}
	if !s.target(c, f) {
		return ExitUsage
	}
	findings := s.diagnose(f, getenv, dep, df.functionURL)
	if err := emit(p, findingColumns, findings...); err != nil {
		return s.done(c, err)
	}
	if err := p.flush(); err != nil {
		return s.done(c, err)
	}
	fmt.Fprintf(s.stderr, "cosflow %s: %s\n", c.name, tally(findings))
	if doctor.Failed(findings) {
		return ExitFailed
	}
	return ExitOK
}

// diagnose runs every check over the configuration getenv holds and the
// bucket f names. A configuration the function would refuse is the one
// finding: nothing else can be told.
func (s *session) diagnose(f *opFlags, getenv func(string) string, dep *deployment, functionURL string) []doctor.Finding {
	source := "the environment"
	if dep != nil {
		source = dep.file
	}
	cfg, err := handler.LoadConfig(getenv)
	if err != nil {
		return []doctor.Finding{{Check: doctor.CheckConfig, Level: doctor.LevelError,
			Message: fmt.Sprintf("the configuration in %s does not load, so the function cannot run: %v", source, err)}}
	}
	findings := []doctor.Finding{configFinding(cfg, source)}
	rules := handler.DoctorRules(cfg.Rules)
	findings = append(findings, s.checkCI(f, cfg, rules, functionURL)...)
	sweeps, specFindings, looked := timerSpecs(cfg, getenv, dep)
	findings = append(findings, specFindings...)
	return append(findings, doctor.CheckSweeps(f.bucket, rules, sweeps, looked)...)
}

// configFinding says what the configuration holds, and warns when it has
// no upload rule.
func configFinding(cfg *handler.Config, source string) doctor.Finding {
	if len(cfg.Rules) == 0 {
		return doctor.Finding{Check: doctor.CheckConfig, Level: doctor.LevelWarn, Message: fmt.Sprintf(
			"the configuration in %s loads but has no upload rule: uploads trigger nothing; set %s or %s", source, handler.EnvRules, handler.EnvWorkflowID)}
	}
	return doctor.Finding{Check: doctor.CheckConfig, Level: doctor.LevelOK, Message: fmt.Sprintf(
		"the configuration in %s loads: upload rules %s, ignore prefixes %q", source, ruleNames(cfg.Rules), cfg.IgnorePrefixes)}
}

// checkCI runs the workflow checks at CI, signed with the operator's
// credentials: their absence is the one finding, and nothing is sent.
func (s *session) checkCI(f *opFlags, cfg *handler.Config, rules []doctor.Rule, functionURL string) []doctor.Finding {
	creds, err := cosclient.OperatorCredentials(f.profile).Credentials(s.ctx)
	if err != nil {
		return []doctor.Finding{{Check: doctor.CheckCredentials, Level: doctor.LevelError,
			Message: fmt.Sprintf("no credentials, so nothing was checked at CI: %v", err)}}
	}
	client, err := cosclient.New(cosclient.Options{
		Bucket: f.bucket, Region: f.region, Credentials: cosclient.StaticCredentials(creds), Endpoint: cfg.CIEndpoint,
	})
	if err != nil {
		return []doctor.Finding{{Check: doctor.CheckConfig, Level: doctor.LevelError, Message: fmt.Sprintf("%s: %v", handler.EnvCIEndpoint, err)}}
	}
	d := doctor.Deployment{Bucket: f.bucket, Rules: rules, Ignore: cfg.IgnorePrefixes,
		Callback: doctor.Callback{Token: cfg.CallbackToken, FunctionURL: functionURL}}
	findings, _ := doctor.CheckWorkflows(s.ctx, client, d) // a failed call is its finding
	return findings
}

// timerSpecs checks the specs the function's timers run, as a tick reads
// them: COSFLOW_BACKFILLS (already parsed with the configuration), which a
// timer with an empty argument runs, and, from the serverless.yml, every
// timer's argument. It returns the reconcile sweeps an enabled timer runs,
// the findings, and where the specs were looked for.
func timerSpecs(cfg *handler.Config, getenv func(string) string, dep *deployment) (sweeps []doctor.Sweep, findings []doctor.Finding, looked []string) {
	backfills := handler.EnvBackfills
	if getenv(handler.EnvBackfillsFile) != "" {
		backfills = handler.EnvBackfillsFile
	}
	looked = []string{backfills}
	finding := func(level doctor.Level, format string, args ...any) {
		findings = append(findings, doctor.Finding{Check: doctor.CheckSpecs, Level: level, Message: fmt.Sprintf(format, args...)})
	}
	// Without the timers, COSFLOW_BACKFILLS is taken as run (by a timer
	// with an empty argument); with them, only when one is.
	backfillsRun := dep == nil
	if dep != nil {
		looked = append(looked, dep.file+" timers")
		def := model.Target{Bucket: cfg.Bucket, Region: cfg.Region}
		for _, t := range dep.timers {
			what := fmt.Sprintf("timer %s", t.name)
			if !t.enabled {
				what += " (disabled)"
			}
			if strings.TrimSpace(t.argument) == "" {
				backfillsRun = backfillsRun || t.enabled
				if len(cfg.Backfills) == 0 {
					finding(doctor.LevelError, "%s has an empty argument and %s is not set: every tick of it fails with nothing to run", what, handler.EnvBackfills)
				} else {
					finding(doctor.LevelOK, "%s has an empty argument: it runs the %d specs of %s", what, len(cfg.Backfills), backfills)
				}
				continue
			}
			specs, bad, err := handler.ParseTimerArgument([]byte(t.argument), def)
			switch {
			case err != nil:
				finding(doctor.LevelError, "%s: its argument does not parse, so every tick of it fails: %v", what, err)
				continue
			case len(bad) > 0:
				for _, e := range bad {
					finding(doctor.LevelError, "%s, in its argument: %v; that spec never runs", what, e)
				}
			default:
				finding(doctor.LevelOK, "%s: its argument parses: %s", what, specNames(specs))
			}
			if t.enabled {
				sweeps = append(sweeps, reconcileSweeps(specs, what)...)
			}
		}
		if len(dep.timers) == 0 {
			finding(doctor.LevelInfo, "%s has no timer trigger: no backfill or sweep runs", dep.file)
		}
	} else {
		finding(doctor.LevelInfo, "the timers' arguments were not checked (they are the timer triggers', not the environment's): pass -serverless serverless.yml to check them")
	}
	if len(cfg.Backfills) > 0 {
		finding(doctor.LevelOK, "%s parses: %s", backfills, specNames(cfg.Backfills))
		if backfillsRun {
			sweeps = append(sweeps, reconcileSweeps(cfg.Backfills, backfills)...)
		} else {
			finding(doctor.LevelWarn, "%s is set, but no enabled timer has an empty argument: its specs never run", backfills)
		}
	}
	return sweeps, findings, looked
}

// ruleNames lists the rules' names, quoted.
func ruleNames(rules []handler.Rule) string {
	names := make([]string, len(rules))
	for i := range rules {
		names[i] = fmt.Sprintf("%q", rules[i].Name)
	}
	return strings.Join(names, ", ")
}

// reconcileSweeps are the reconcile specs of specs, found in source.
func reconcileSweeps(specs []handler.TimerSpec, source string) []doctor.Sweep {
	var out []doctor.Sweep
	for _, ts := range specs {
		if ts.Reconcile != nil {
			out = append(out, doctor.Sweep{Name: ts.Reconcile.Name, Source: source, Bucket: ts.Reconcile.Bucket})
		}
	}
	return out
}

// specNames lists specs as "backfill nightly, reconcile sweep".
func specNames(specs []handler.TimerSpec) string {
	names := make([]string, len(specs))
	for i := range specs {
		kind := "backfill"
		if specs[i].Reconcile != nil {
			kind = "reconcile"
		}
		names[i] = fmt.Sprintf("%s %q", kind, specs[i].Name())
	}
	return strings.Join(names, ", ")
}

// tally counts findings by level, gravest first: "1 error, 2 warn, 0
// info, 9 ok".
func tally(findings []doctor.Finding) string {
	n := map[doctor.Level]int{}
	for _, f := range findings {
		n[f.Level]++
	}
	var parts []string
	for _, l := range []doctor.Level{doctor.LevelError, doctor.LevelWarn, doctor.LevelInfo, doctor.LevelOK} {
		parts = append(parts, fmt.Sprintf("%d %s", n[l], l))
	}
	return strings.Join(parts, ", ")
}

// findingColumns is doctor's table; JSON prints doctor.Finding whole.
var findingColumns = columns[doctor.Finding]{
	header: []string{"LEVEL", "CHECK", "RULE", "WORKFLOW", "MESSAGE"},
	cells: func(f *doctor.Finding) []string {
		return []string{string(f.Level), f.Check, f.Rule, f.WorkflowID, f.Message}
	},
}
