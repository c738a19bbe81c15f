package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/handler/api"
	"github.com/cosflow/cosflow/internal/termsafe"
	"github.com/cosflow/cosflow/model"
)

// The jobs group: CI's inventory trigger (batch) jobs, as the API's
// /v1/jobs routes serve them.

func jobsCreateCommand() *command {
	return &command{
		name:    "jobs create",
		args:    "-f FILE|-",
		summary: "start a batch job (CreateInventoryTriggerJob) from a POST /v1/jobs body; prints the job ID",
		help: `Starts an inventory trigger (batch) job from the JSON body POST /v1/jobs
takes, read from FILE or, with -f -, stdin, and prints the job's ID (-o
json: the job as CI describes it). The file's bucket and region, when
it names them, win over the defaults; -bucket or -region given as well
must agree.`,
		example:  "cosflow jobs create -f backfill.json",
		operator: true,
		setup: func(s *session, c *command, fs *flag.FlagSet) func([]string) int {
			path := fs.String("f", "", "the job as JSON: a `FILE`, or - for stdin")
			f := s.addOpFlags(fs)
			return func(args []string) int {
				if !s.needArgs(c, args) {
					return ExitUsage
				}
				if *path == "" {
					return s.invalid(c, "-f FILE|- is required")
				}
				explicit := map[string]bool{}
				fs.Visit(func(fl *flag.Flag) { explicit[fl.Name] = true })
				return s.createJob(c, f, *path, explicit)
			}
		},
	}
}

// createJob sends the job the file describes.
func (s *session) createJob(c *command, f *opFlags, path string, explicit map[string]bool) int {
	p, ok := s.printer(c, f)
	if !ok {
		return ExitUsage
	}
	data, err := s.readInput(path, api.MaxBodyBytes)
	if err != nil {
		return s.invalid(c, "-f: %v", err)
	}
	req, err := model.DecodeCreateJob(data)
	if err != nil {
		return s.refused(c, err, path)
	}
	for _, v := range []struct {
		name       string
		file, flag *string
	}{{"bucket", &req.Bucket, &f.bucket}, {"region", &req.Region, &f.region}} {
		switch {
		case *v.file == "":
			*v.file = *v.flag
		case explicit[v.name] && *v.flag != *v.file:
			return s.invalid(c, "-%s %s disagrees with the %s %q in %s", v.name, *v.flag, v.name, *v.file, path)
		default:
			*v.flag = *v.file
		}
	}
	client, ok := s.client(c, f)
	if !ok {
		return ExitUsage
	}
	out, err := client.CreateInventoryTriggerJob(s.ctx, req.CIInput())
	if err != nil {
		return s.ciFailed(c, err)
	}
	if out.JobsDetail == nil {
		id, _ := cosclient.GetRequestIDMetadata(out.ResultMetadata)
		fmt.Fprintf(s.stderr, "cosflow %s: %s\n", c.name, oneLine(fmt.Sprintf("CI accepted the job but did not describe it (request ID %s); find it with cosflow jobs ls -name %s", id, req.Name)))
		return ExitFailed
	}
	if !p.json {
		fmt.Fprintln(s.stdout, termsafe.String(out.JobsDetail.JobID))
		return ExitOK
	}
	return s.printJob(c, p, out.JobsDetail)
}

func jobsListCommand() *command {
	return &command{
		name:    "jobs ls",
		args:    "[-type T] [-states S] [-workflow W] [-name N] [-since DUR] [-size N] [-all]",
		summary: "list jobs (DescribeInventoryTriggerJobs), newest first",
		help: `Lists jobs (DescribeInventoryTriggerJobs), newest first, one page (-size,
CI's default 10) or, with -all, every page. The filters are GET /v1/jobs's
query parameters and are checked the same way.`,
		example:  "cosflow jobs ls -states Running,Submitted -since 24h",
		operator: true,
		setup: listing[cosclient.DescribeInventoryTriggerJobsInput, cosclient.DescribeInventoryTriggerJobsOutput, model.Job]{
			params: map[string]string{
				"type":       "job type: Workflow (default) or Job",
				"states":     statesUsage(cosclient.JobStates),
				"workflowId": "only the jobs of this workflow ID",
				"name":       "only the jobs of this name",
				"since":      "only the jobs created in the last `DUR`, e.g. 24h",
				"size":       sizeUsage,
			},
			parse: model.ListJobsInput,
			pager: func(c *cosclient.Client, in *cosclient.DescribeInventoryTriggerJobsInput) *cosclient.Paginator[cosclient.DescribeInventoryTriggerJobsOutput] {
				return cosclient.NewJobsPaginator(c, in)
			},
			page: func(_ *cosclient.DescribeInventoryTriggerJobsInput, out *cosclient.DescribeInventoryTriggerJobsOutput) ([]model.Job, string) {
				return model.JobsOf(out.JobsDetail), out.NextToken
			},
			cols: jobColumns,
		}.setup,
	}
}

func jobsGetCommand() *command {
	return &command{
		name:     "jobs get",
		args:     "ID",
		summary:  "show one job (DescribeInventoryTriggerJob)",
		help:     "Shows one job (DescribeInventoryTriggerJob); -o json prints all of it, input and operation included.",
		example:  "cosflow jobs get b0123456789abcdef0123456789abcdef -o json",
		operator: true,
		setup: oneID("ID", func(s *session, c *command, client *cosclient.Client, p *printer, id string) int {
			out, err := client.DescribeInventoryTriggerJob(s.ctx, &cosclient.DescribeInventoryTriggerJobInput{JobID: id})
			if err != nil {
				return s.ciFailed(c, err)
			}
			return s.printJob(c, p, out.JobsDetail)
		}),
	}
}

// printJob prints one job.
func (s *session) printJob(c *command, p *printer, d *cosclient.JobDetail) int {
	return show(s, c, p, jobColumns, model.JobFromCI(d))
}

func jobsCancelCommand() *command {
	return &command{
		name:     "jobs cancel",
		args:     "ID",
		summary:  "cancel a job (CancelInventoryTriggerJob)",
		help:     "Cancels a job (CancelInventoryTriggerJob). CI refuses to cancel a job that has already ended (exit 1).",
		example:  "cosflow jobs cancel b0123456789abcdef0123456789abcdef",
		operator: true,
		setup: oneID("ID", func(s *session, c *command, client *cosclient.Client, p *printer, id string) int {
			if _, err := client.CancelInventoryTriggerJob(s.ctx, &cosclient.CancelInventoryTriggerJobInput{JobID: id}); err != nil {
				return s.ciFailed(c, err)
			}
			return show(s, c, p, cancelColumns, model.CancelJobResponse{JobID: id, State: cosclient.JobStateCancel})
		}),
	}
}

// describeOK is the Code of a job detail CI described without trouble;
// any other Code (and its Message) says why the job failed.
const describeOK = "Success"

// Bounds of jobs wait.
const (
	defaultWaitTimeout = 2 * time.Hour
	minWaitInterval    = 100 * time.Millisecond
)

func jobsWaitCommand() *command {
	return &command{
		name:    "jobs wait",
		args:    "ID [-interval 5s] [-timeout 2h]",
		summary: "wait for a job to end; exit 0 on Success, 1 on Failed or Cancel, 3 on timeout",
		help: `Polls the job (DescribeInventoryTriggerJob) every -interval until it ends,
then prints it. Each state change goes to stderr with the time since the
wait began; on a terminal a status line is redrawn at every poll. Exit 0
when the job succeeded, 1 when it ended Failed or Cancel, 3 when -timeout
ran out first (the job goes on), 130 when interrupted.`,
		example:  "cosflow jobs wait b0123456789abcdef0123456789abcdef -interval 10s -timeout 1h",
		operator: true,
		setup: func(s *session, c *command, fs *flag.FlagSet) func([]string) int {
			interval := fs.Duration("interval", cosclient.DefaultWaitInterval, "time between polls")
			timeout := fs.Duration("timeout", defaultWaitTimeout, "give up waiting after this long (exit 3)")
			f := s.addOpFlags(fs)
			return func(args []string) int {
				switch {
				case *interval < minWaitInterval:
					return s.invalid(c, "-interval: must be at least %v", minWaitInterval)
				case *timeout <= 0:
					return s.invalid(c, "-timeout: must be positive")
				}
				client, p, ok := s.idCall(c, f, args, "ID")
				if !ok {
					return ExitUsage
				}
				return s.waitJob(c, client, p, args[0], *interval, *timeout)
			}
		},
	}
}

// waitJob polls the job until it ends, -timeout runs out or the operator
// interrupts, and prints the job as last seen.
func (s *session) waitJob(c *command, client *cosclient.Client, p *printer, id string, interval, timeout time.Duration) int {
	sigCtx, stop := signal.NotifyContext(s.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(sigCtx, timeout)
	defer cancel()
	prog := newProgress(s.stderr, isTerminal(s.stderr) && s.getenv("TERM") != "dumb")
	waiter := cosclient.NewJobWaiter(client, func(o *cosclient.JobWaiterOptions) {
		o.Interval = interval
		o.OnPoll = prog.poll
	})
	last, err := waiter.Wait(ctx, id)
	prog.end()
	if last != nil {
		if code := s.printJob(c, p, last); code != ExitOK {
			return code
		}
	}
	switch {
	case err == nil:
	case sigCtx.Err() != nil:
		fmt.Fprintf(s.stderr, "cosflow %s: interrupted; job %s goes on\n", c.name, id)
		return ExitInterrupted
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		state := "not yet seen"
		if last != nil {
			state = "still " + describe(last)
		}
		fmt.Fprintf(s.stderr, "cosflow %s: -timeout %v ran out; job %s is %s\n", c.name, timeout, id, oneLine(state))
		return ExitTimeout
	default:
		return s.ciFailed(c, err)
	}
	if last.State == cosclient.JobStateSuccess {
		return ExitOK
	}
	msg := ""
	if last.Code != "" && last.Code != describeOK {
		msg = ": " + oneLine(last.Code+" "+last.Message)
	}
	fmt.Fprintf(s.stderr, "cosflow %s: job %s ended %s%s\n", c.name, id, oneLine(string(last.State)), msg)
	return ExitFailed
}
