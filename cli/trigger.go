package cli

import (
	"flag"
	"time"

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
	if err != nil {
		return s.ciFailed(c, err)
	}
	resp := model.TriggerResponseOf(out, "cosflow runs ls")
	if p.json {
		return show(s, c, p, columns[model.TriggerResponse]{}, resp)
	}
	return s.printInstance(c, resp)
}
