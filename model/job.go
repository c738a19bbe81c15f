package model

import (
	"log/slog"

	"github.com/cosflow/cosflow/cosclient"
)

// Job is an inventory trigger job as cosflow shows it: POST /v1/jobs
// answers one, GET /v1/jobs lists them, GET /v1/jobs/{id} and `cosflow
// jobs get` read one. It is cosclient.JobDetail field for field, in JSON.
type Job struct {
	Code         string             `json:"code,omitempty"`
	Message      string             `json:"message,omitempty"`
	Type         cosclient.JobType  `json:"type,omitempty"`
	Name         string             `json:"name,omitempty"`
	JobID        string             `json:"jobId,omitempty"`
	Tag          string             `json:"tag,omitempty"`
	State        cosclient.JobState `json:"state,omitempty"`
	Progress     string             `json:"progress,omitempty"`
	QueueID      string             `json:"queueId,omitempty"`
	CreationTime string             `json:"creationTime,omitempty"`
	StartTime    string             `json:"startTime,omitempty"`
	EndTime      string             `json:"endTime,omitempty"`
	Input        *JobInput          `json:"input,omitempty"`
	Operation    *JobOperation      `json:"operation,omitempty"`
}

// JobInput selects a job's objects: exactly one field is set. A backfill
// spec embeds it, so its members are the spec's own.
//
// It is cosclient.JobInput in JSON, field for field, so that one converts
// to the other (tags aside, the two are one struct); so are TimeInterval,
// JobOutput and CallBackMqConfig.
type JobInput struct {
	Prefix   *string `json:"prefix,omitempty" validate:"omitempty,ci_prefix"`
	Object   *string `json:"object,omitempty" validate:"omitempty,ci_key"`
	Manifest *string `json:"manifest,omitempty" validate:"omitempty,ci_key"`
	URLFile  *string `json:"urlFile,omitempty" validate:"omitempty,ci_key"`
}

// JobOperation says what a job does with each object: workflowIds for a
// Workflow job, tag (with jobParam and the rest of JobOptions) for a Job
// job.
type JobOperation struct {
	TimeInterval *TimeInterval `json:"timeInterval,omitempty"`
	WorkflowIDs  string        `json:"workflowIds,omitempty" validate:"omitempty,ci_workflow_ids"`
	JobOptions
	CallBackMqConfig *CallBackMqConfig `json:"callBackMqConfig,omitempty"`
}

// JobOptions are what a Job job runs and where it reports: the members a
// POST /v1/jobs operation and a backfill spec share.
type JobOptions struct {
	Tag            string     `json:"tag,omitempty" validate:"omitempty,ci_tag"`
	JobParam       JobParam   `json:"jobParam,omitempty"`
	Output         *JobOutput `json:"output,omitempty"`
	QueueID        string     `json:"queueId,omitempty" validate:"omitempty,ci_id"`
	UserData       string     `json:"userData,omitempty"`
	JobLevel       int        `json:"jobLevel,omitempty"`
	CallBack       string     `json:"callBack,omitempty" validate:"omitempty,ci_text"`
	CallBackFormat string     `json:"callBackFormat,omitempty"`
	CallBackType   string     `json:"callBackType,omitempty"`
}

// TimeInterval limits a prefix job to objects last modified in
// [start, end], in CI's layout (2026-11-22T02:00:00+0800).
type TimeInterval struct {
	Start string `json:"start,omitempty" validate:"omitempty,ci_time"`
	End   string `json:"end,omitempty" validate:"omitempty,ci_time"`
}

// JobOutput is where a Job job writes its results.
type JobOutput struct {
	Region string `json:"region,omitempty" validate:"omitempty,ci_region"`
	Bucket string `json:"bucket,omitempty" validate:"omitempty,ci_bucket"`
	Object string `json:"object,omitempty" validate:"omitempty,ci_key"`
}

// CallBackMqConfig names the TDMQ queue of a TDMQ callback.
type CallBackMqConfig struct {
	MqRegion string `json:"mqRegion,omitempty" validate:"omitempty,ci_text"`
	MqMode   string `json:"mqMode,omitempty" validate:"omitempty,ci_text"`
	MqName   string `json:"mqName,omitempty" validate:"omitempty,ci_text"`
}

// JobFromCI is d as cosflow shows it.
func JobFromCI(d *cosclient.JobDetail) Job {
	j := Job{
		Code: d.Code, Message: d.Message, Type: d.Type, Name: d.Name, JobID: d.JobID,
		Tag: d.Tag, State: d.State, Progress: d.Progress, QueueID: d.QueueID,
		CreationTime: d.CreationTime, StartTime: d.StartTime, EndTime: d.EndTime,
	}
	if d.Input != nil {
		j.Input = ptr(JobInput(*d.Input))
	}
	if op := d.Operation; op != nil {
		j.Operation = &JobOperation{
			WorkflowIDs: op.WorkflowIDs,
			JobOptions: JobOptions{
				Tag: op.Tag, JobParam: jobParamFromCI(op.JobParam), QueueID: op.QueueID,
				UserData: op.UserData, JobLevel: op.JobLevel, CallBack: op.CallBack,
				CallBackFormat: op.CallBackFormat, CallBackType: op.CallBackType,
			},
		}
		if ti := op.TimeInterval; ti != nil {
			j.Operation.TimeInterval = ptr(TimeInterval(*ti))
		}
		if o := op.Output; o != nil {
			j.Operation.Output = ptr(JobOutput(*o))
		}
		if mq := op.CallBackMqConfig; mq != nil {
			j.Operation.CallBackMqConfig = ptr(CallBackMqConfig(*mq))
		}
	}
	return j
}

// JobsOf is a page of jobs as cosflow shows them: always an array, never
// null.
func JobsOf(page []cosclient.JobDetail) []Job {
	jobs := make([]Job, len(page))
	for i := range page {
		jobs[i] = JobFromCI(&page[i])
	}
	return jobs
}

// ToCI is the operation as CI takes it.
func (op *JobOperation) ToCI() cosclient.JobOperation {
	out := cosclient.JobOperation{
		WorkflowIDs: op.WorkflowIDs, Tag: op.Tag, JobParam: op.JobParam.toCI(), QueueID: op.QueueID,
		UserData: op.UserData, JobLevel: op.JobLevel, CallBack: op.CallBack,
		CallBackFormat: op.CallBackFormat, CallBackType: op.CallBackType,
	}
	if ti := op.TimeInterval; ti != nil {
		out.TimeInterval = ptr(cosclient.TimeInterval(*ti))
	}
	if o := op.Output; o != nil {
		out.Output = ptr(cosclient.JobOutput(*o))
	}
	if mq := op.CallBackMqConfig; mq != nil {
		out.CallBackMqConfig = ptr(cosclient.CallBackMqConfig(*mq))
	}
	return out
}

// ptr is a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// JobAttrs are the log attributes naming what a job covers and does: its
// bucket, its input (prefix, key, manifest or urlFile) and its workflow or
// tag, for the lines of the REST API and of the timer alike.
func JobAttrs(bucket string, in *cosclient.CreateInventoryTriggerJobInput) []any {
	attrs := []any{slog.String("bucket", bucket)}
	switch i := in.Input; {
	case i.Prefix != nil:
		attrs = append(attrs, slog.String("prefix", *i.Prefix))
	case i.Object != nil:
		attrs = append(attrs, slog.String("key", *i.Object))
	case i.Manifest != nil:
		attrs = append(attrs, slog.String("manifest", *i.Manifest))
	case i.URLFile != nil:
		attrs = append(attrs, slog.String("urlFile", *i.URLFile))
	}
	if op := in.Operation; op.WorkflowIDs != "" {
		attrs = append(attrs, slog.String("workflowId", op.WorkflowIDs))
	} else if op.Tag != "" {
		attrs = append(attrs, slog.String("tag", op.Tag))
	}
	return attrs
}
