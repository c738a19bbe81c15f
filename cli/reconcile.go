package cli

import (
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/model"
)

// maxSpecBytes bounds a spec file: specs are a few lines.
const maxSpecBytes = 1 << 20

func reconcileCommand() *command {
	return &command{
		name:    "reconcile",
		args:    "-f SPEC|- [-dry-run]",
		summary: "run one reconcile sweep now, with the timer's spec and result",
		help: `Runs one reconcile sweep now, exactly as the timer runs the same spec
({"name":"sweep","reconcile":{"window":"6h","lag":"5m","maxTriggers":1000}}):
it lists the bucket under every upload rule, keeps the objects modified in
[now - window, now - lag) that the rule matches, and triggers those CI's
execution list shows no run for. The rules and ignore prefixes are the
function's own configuration, read from the environment (COSFLOW_RULES,
COSFLOW_RULES_FILE, COSFLOW_WORKFLOW_ID, COSFLOW_IGNORE_PREFIXES, ...).
-dry-run (or COSFLOW_DRY_RUN=true) triggers nothing: -o json lists the
keys it would trigger under "planned". Prints one result per rule, the
timer's; exit 1 when a rule could not be swept or a trigger failed.
COSFLOW_LOG_LEVEL, when set, adds the handler's JSON log lines on stderr.`,
		example:  `cosflow reconcile -f sweep.json -dry-run`,
		operator: true,
		setup: func(s *session, c *command, fs *flag.FlagSet) func([]string) int {
			path := fs.String("f", "", "the reconcile spec as JSON: a `FILE`, or - for stdin")
			dryRun := fs.Bool("dry-run", false, "trigger nothing; report what would be triggered")
			f := s.addOpFlags(fs)
			return func(args []string) int {
				if !s.needArgs(c, args) {
					return ExitUsage
				}
				if *path == "" {
					return s.invalid(c, "-f SPEC|- is required")
				}
				return s.reconcile(c, f, *path, *dryRun)
			}
		},
	}
}

// reconcile builds the handler from the environment's configuration and
// the operator's credentials and runs one sweep of the spec at path.
func (s *session) reconcile(c *command, f *opFlags, path string, dryRun bool) int {
	p, ok := s.printer(c, f)
	if !ok {
		return ExitUsage
	}
	data, err := s.readInput(path, maxSpecBytes)
	if err != nil {
		return s.invalid(c, "-f: %v", err)
	}
	cfg, err := handler.LoadConfig(s.getenv)
	if err != nil {
		return s.invalid(c, "%v", err)
	}
	if len(cfg.Rules) == 0 {
		return s.invalid(c, "no upload rule to sweep for: set %s or %s", handler.EnvRules, handler.EnvWorkflowID)
	}
	spec, err := handler.ParseReconcileSpec(data, model.Target{Bucket: f.bucket, Region: f.region})
	if err != nil {
		return s.refused(c, err, path)
	}
	f.bucket, f.region = spec.Bucket, spec.Region
	client, ok := s.client(c, f)
	if !ok {
		return ExitUsage
	}
	cfg.DryRun = cfg.DryRun || dryRun
	var logger *slog.Logger // the results say it all, unless logs are asked for
	if s.getenv(handler.EnvLogLevel) != "" {
		logger = handler.NewLogger(s.stderr, s.getenv)
	}
	results := handler.New(cfg, client, logger, nil).Reconcile(s.ctx, spec, time.Now())
	code := show(s, c, p, reconcileColumns, results...)
	for _, r := range results {
		if r.Error != "" {
			fmt.Fprintf(s.stderr, "cosflow %s: rule %s: %s\n", c.name, oneLine(r.Rule), oneLine(r.Error))
			code = ExitFailed
		}
		for _, fl := range r.Failed {
			fmt.Fprintf(s.stderr, "cosflow %s: rule %s: %s: %s\n", c.name, oneLine(r.Rule), oneLine(fl.Key), oneLine(fl.Error))
			code = ExitFailed
		}
	}
	if s.timedOut() {
		// The rules' lines say where each stopped; this says why.
		fmt.Fprintf(s.stderr, "cosflow %s: -timeout %v ran out during the sweep\n", c.name, *s.timeout)
		return ExitTimeout
	}
	return code
}
