package cli

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/ledger"
	"github.com/cosflow/cosflow/model"
)

func triggerCommand() *command {
	return &command{
		name:    "trigger",
		args:    "-workflow W -object KEY [-name N]",
		summary: "trigger a workflow for one object (TriggerWorkflow); prints the instance ID",
		help: `Triggers the workflow for one object (TriggerWorkflow), as POST /v1/trigger
does, and prints the run's instance ID (-o json: the API's answer,
{"instanceId","requestId"}). A failure that may have reached CI is looked
up in CI's execution list before trying again, so one command starts at
most one run.`,
		example:  "cosflow trigger -workflow w0123456789abcdef0123456789abcdef -object uploads/a.mp4",
		operator: true,
		setup: func(s *session, c *command, fs *flag.FlagSet) func([]string) int {
			var req model.TriggerRequest
			fs.StringVar(&req.WorkflowID, "workflow", "", "workflow ID (w + 32 hex digits)")
			fs.StringVar(&req.Object, "object", "", "object key, e.g. uploads/a.mp4")
			fs.StringVar(&req.Name, "name", "", "optional name of the run")
			f := s.addOpFlags(fs)
			return func(args []string) int {
				if !s.needArgs(c, args) {
					return ExitUsage
				}
				req.Bucket, req.Region = f.bucket, f.region
				return s.trigger(c, f, &req)
			}
		},
	}
}

// trigger starts req's run through the ledger, as the API does.
func (s *session) trigger(c *command, f *opFlags, req *model.TriggerRequest) int {
	p, ok := s.printer(c, f)
	if !ok {
		return ExitUsage
	}
	if err := req.Validate(); err != nil {
		return s.refused(c, err, "")
	}
	client, ok := s.client(c, f)
	if !ok {
		return ExitUsage
	}
	start := time.Now()
	out, err := ledger.New(client, ledger.RetriggerAfterLookup).Trigger(s.ctx, req.CIInput(), start)
	check := s.checkCommand(f, req)
	if err != nil {
		code := s.ciFailed(c, err)
		if ledger.MayHaveTakenEffect(err) {
			// The ledger's unconfirmed case: neither started nor not.
			calls := ""
			if out.Calls > 1 {
				calls = fmt.Sprintf(" (%d calls of TriggerWorkflow, none answered)", out.Calls)
			}
			fmt.Fprintf(s.stderr, "cosflow %s: %s\n", c.name, oneLine(fmt.Sprintf(
				"the run may have started%s: check with %s before triggering again", calls, check)))
		}
		return code
	}
	resp := model.TriggerResponseOf(out, check)
	if p.json {
		return show(s, c, p, columns[model.TriggerResponse]{}, resp)
	}
	return s.printInstance(c, resp)
}

// checkCommand is the command that shows whether req's run started:
// cosflow runs ls -workflow W -object KEY, with -bucket and -region when
// they are not the environment's, ready to paste into a shell.
func (s *session) checkCommand(f *opFlags, req *model.TriggerRequest) string {
	cmd := "cosflow runs ls -workflow " + req.WorkflowID + " -object " + shellQuote(req.Object)
	for _, v := range []struct{ flag, value, env string }{
		{"-bucket", f.bucket, handler.EnvBucket},
		{"-region", f.region, handler.EnvRegion},
	} {
		if v.value != s.getenv(v.env) {
			cmd += " " + v.flag + " " + v.value
		}
	}
	return cmd
}

// shellQuote is s as one word of a POSIX shell: as it is when it holds
// nothing the shell reads specially, else single-quoted.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:,@%", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
