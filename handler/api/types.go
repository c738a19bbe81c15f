package api

import (
	"github.com/cosflow/cosflow/cosclient"
)

// The API's JSON types. They mirror CI's wire types (package cosclient)
// field for field under lower-camel names; the mapping between the two
// lives in this file only. Field rules are declared as tags naming the CI
// rule they apply (see internal/cirules); rules between fields are CI's
// own, checked by cosclient's inputs.

// Job is an inventory trigger job as the API shows it: POST /v1/jobs
// answers one, GET /v1/jobs lists them, GET /v1/jobs/{id} reads one.
type Job struct {
	Code         string        `json:"code,omitempty"`
	Message      string        `json:"message,omitempty"`
	Type         string        `json:"type,omitempty"`
	Name         string        `json:"name,omitempty"`
	JobID        string        `json:"jobId,omitempty"`
	Tag          string        `json:"tag,omitempty"`
	State        string        `json:"state,omitempty"`
	Progress     string        `json:"progress,omitempty"`
	QueueID      string        `json:"queueId,omitempty"`
	CreationTime string        `json:"creationTime,omitempty"`
	StartTime    string        `json:"startTime,omitempty"`
	EndTime      string        `json:"endTime,omitempty"`
	Input        *JobInput     `json:"input,omitempty"`
	Operation    *JobOperation `json:"operation,omitempty"`
}

// JobInput selects a job's objects: exactly one field is set.
type JobInput struct {
	Prefix   *string `json:"prefix,omitempty" validate:"omitempty,ci_prefix"`
	Object   *string `json:"object,omitempty" validate:"omitempty,ci_key"`
	Manifest *string `json:"manifest,omitempty" validate:"omitempty,ci_key"`
	URLFile  *string `json:"urlFile,omitempty" validate:"omitempty,ci_key"`
}

// JobOperation says what a job does with each object: workflowIds for a
// Workflow job, tag (with jobParam and the rest) for a Job job.
type JobOperation struct {
	TimeInterval     *TimeInterval     `json:"timeInterval,omitempty"`
	WorkflowIDs      string            `json:"workflowIds,omitempty" validate:"omitempty,ci_workflow_ids"`
	Tag              string            `json:"tag,omitempty" validate:"omitempty,ci_tag"`
	JobParam         JobParam          `json:"jobParam,omitempty"`
	Output           *JobOutput        `json:"output,omitempty"`
	QueueID          string            `json:"queueId,omitempty" validate:"omitempty,ci_id"`
	UserData         string            `json:"userData,omitempty"`
	JobLevel         int               `json:"jobLevel,omitempty"`
	CallBack         string            `json:"callBack,omitempty" validate:"omitempty,ci_text"`
	CallBackFormat   string            `json:"callBackFormat,omitempty"`
	CallBackType     string            `json:"callBackType,omitempty"`
	CallBackMqConfig *CallBackMqConfig `json:"callBackMqConfig,omitempty"`
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

// Run is one workflow execution as the API shows it (GET /v1/runs,
// GET /v1/runs/{runId}, cosflow runs ls -o json).
type Run struct {
	RunID        string `json:"runId"`
	WorkflowID   string `json:"workflowId"`
	WorkflowName string `json:"workflowName,omitempty"`
	Object       string `json:"object"`
	State        string `json:"state"`
	CreateTime   string `json:"createTime"`
}

// JobFromCI is d as the API shows it.
func JobFromCI(d *cosclient.JobDetail) Job {
	return Job{
		Code: d.Code, Message: d.Message, Type: string(d.Type), Name: d.Name, JobID: d.JobID,
		Tag: d.Tag, State: string(d.State), Progress: d.Progress, QueueID: d.QueueID,
		CreationTime: d.CreationTime, StartTime: d.StartTime, EndTime: d.EndTime,
		Input: inputFromCI(d.Input), Operation: operationFromCI(d.Operation),
	}
}

// RunFromCI is e as the API shows it; createTime is whichever of CI's two
// spellings the answer used.
func RunFromCI(e *cosclient.WorkflowExecution) Run {
	created := e.CreateTime
	if created == "" {
		created = e.CreationTime
	}
	return Run{RunID: e.RunID, WorkflowID: e.WorkflowID, WorkflowName: e.WorkflowName,
		Object: e.Object, State: string(e.State), CreateTime: created}
}

// ToCI is the input as CI takes it.
func (in *JobInput) ToCI() cosclient.JobInput {
	return cosclient.JobInput{Prefix: in.Prefix, Object: in.Object, Manifest: in.Manifest, URLFile: in.URLFile}
}

func inputFromCI(in *cosclient.JobInput) *JobInput {
	if in == nil {
		return nil
	}
	return &JobInput{Prefix: in.Prefix, Object: in.Object, Manifest: in.Manifest, URLFile: in.URLFile}
}

// ToCI is the operation as CI takes it.
func (op *JobOperation) ToCI() cosclient.JobOperation {
	out := cosclient.JobOperation{
		WorkflowIDs: op.WorkflowIDs, Tag: op.Tag, JobParam: op.JobParam.toCI(),
		QueueID: op.QueueID, UserData: op.UserData, JobLevel: op.JobLevel, CallBack: op.CallBack,
		CallBackFormat: op.CallBackFormat, CallBackType: op.CallBackType,
	}
	if ti := op.TimeInterval; ti != nil {
		out.TimeInterval = &cosclient.TimeInterval{Start: ti.Start, End: ti.End}
	}
	if o := op.Output; o != nil {
		out.Output = &cosclient.JobOutput{Region: o.Region, Bucket: o.Bucket, Object: o.Object}
	}
	if mq := op.CallBackMqConfig; mq != nil {
		out.CallBackMqConfig = &cosclient.CallBackMqConfig{MqRegion: mq.MqRegion, MqMode: mq.MqMode, MqName: mq.MqName}
	}
	return out
}

func operationFromCI(op *cosclient.JobOperation) *JobOperation {
	if op == nil {
		return nil
	}
	out := &JobOperation{
		WorkflowIDs: op.WorkflowIDs, Tag: op.Tag, JobParam: jobParamFromCI(op.JobParam),
		QueueID: op.QueueID, UserData: op.UserData, JobLevel: op.JobLevel, CallBack: op.CallBack,
		CallBackFormat: op.CallBackFormat, CallBackType: op.CallBackType,
	}
	if ti := op.TimeInterval; ti != nil {
		out.TimeInterval = &TimeInterval{Start: ti.Start, End: ti.End}
	}
	if o := op.Output; o != nil {
		out.Output = &JobOutput{Region: o.Region, Bucket: o.Bucket, Object: o.Object}
	}
	if mq := op.CallBackMqConfig; mq != nil {
		out.CallBackMqConfig = &CallBackMqConfig{MqRegion: mq.MqRegion, MqMode: mq.MqMode, MqName: mq.MqName}
	}
	return out
}
