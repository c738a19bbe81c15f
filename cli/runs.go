package cli

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/termsafe"
	"github.com/cosflow/cosflow/ledger"
	"github.com/cosflow/cosflow/model"
)

// The runs group: a workflow's executions, CI's own record of what ran,
// as the API's /v1/runs routes serve them.

func runsListCommand() *command {
	return &command{
		name:    "runs ls",
		args:    "-workflow W [-object KEY] [-states S] [-since DUR] [-size N] [-all]",
		summary: "list a workflow's runs (DescribeWorkflowExecutions), newest first",
		help: `Lists a workflow's runs (DescribeWorkflowExecutions), newest first, one page
(-size, CI's default 10) or, with -all, every page. -object keeps the runs
of exactly that key. The filters are GET /v1/runs's query parameters and
are checked the same way.`,
		example:  "cosflow runs ls -workflow w0123456789abcdef0123456789abcdef -object uploads/a.mp4 -since 24h",
		operator: true,
		setup: listing[cosclient.DescribeWorkflowExecutionsInput, cosclient.DescribeWorkflowExecutionsOutput, model.Run]{
			params: map[string]string{
				"workflowId": "workflow `ID` (required)",
				"object":     "only the runs of this object `KEY`",
				"states":     statesUsage(cosclient.ExecutionStates),
				"since":      "only the runs created in the last `DUR`, e.g. 24h",
				"size":       sizeUsage,
			},
			parse: model.ListRunsInput,
			pager: func(c *cosclient.Client, in *cosclient.DescribeWorkflowExecutionsInput) *cosclient.Paginator[cosclient.DescribeWorkflowExecutionsOutput] {
				return cosclient.NewExecutionsPaginator(c, in)
			},
			// CI's name filter may match loosely; -object means exactly.
			page: func(in *cosclient.DescribeWorkflowExecutionsInput, out *cosclient.DescribeWorkflowExecutionsOutput) ([]model.Run, string) {
				return model.RunsOf(out.WorkflowExecutionList, in.Name), out.NextToken
			},
			cols: runColumns,
		}.setup,
	}
}

func runsGetCommand() *command {
	return &command{
		name:     "runs get",
		args:     "RUNID",
		summary:  "show one run (DescribeWorkflowExecution)",
		help:     "Shows one run (DescribeWorkflowExecution): RUNID is the instance ID trigger printed.",
		example:  "cosflow runs get i0123456789abcdef0123456789abcdef",
		operator: true,
		setup: oneID("RUNID", func(s *session, c *command, client *cosclient.Client, p *printer, id string) int {
			out, err := client.DescribeWorkflowExecution(s.ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: id})
			if err != nil {
				return s.ciFailed(c, err)
			}
			return show(s, c, p, runDetailColumns, model.RunFromCI(out.WorkflowExecution))
		}),
	}
}

func runsRetryCommand() *command {
	return &command{
		name:    "runs retry",
		args:    "RUNID [-force]",
		summary: "start one new run of a failed run's object (TriggerWorkflow); prints the instance ID",
		help: `Starts one new run of RUNID's object on RUNID's workflow, as
POST /v1/runs/{runId}/retry does, and prints the new run's instance ID
(-o json: the API's answer). It is refused (exit 1, saying why) when the
run did not fail or a later run of the same object exists, unless -force.`,
		example:  "cosflow runs retry i0123456789abcdef0123456789abcdef",
		operator: true,
		setup: func(s *session, c *command, fs *flag.FlagSet) func([]string) int {
			force := fs.Bool("force", false, "retry even a run that did not fail, or one a later run followed")
			return oneID("RUNID", func(s *session, c *command, client *cosclient.Client, p *printer, id string) int {
				out, err := ledger.New(client, ledger.RetriggerAfterLookup).Retry(s.ctx, id, *force, time.Now())
				var refused *ledger.RetryRefusedError
				switch {
				case errors.As(err, &refused):
					return s.done(c, refused)
				case err != nil:
					return s.ciFailed(c, err)
				}
				resp := model.RetryResponseOf(out, "cosflow runs ls")
				if p.json {
					return show(s, c, p, columns[model.RetryResponse]{}, resp)
				}
				return s.printInstance(c, resp.TriggerResponse)
			})(s, c, fs)
		},
	}
}

// printInstance prints a started run as trigger and runs retry print it
// in a table: the instance ID, and on stderr the note of a lost answer.
func (s *session) printInstance(c *command, resp model.TriggerResponse) int {
	if resp.Note != "" {
		fmt.Fprintf(s.stderr, "cosflow %s: %s\n", c.name, oneLine(resp.Note))
	}
	if resp.InstanceID != "" {
		fmt.Fprintln(s.stdout, termsafe.String(resp.InstanceID))
	}
	return ExitOK
}
