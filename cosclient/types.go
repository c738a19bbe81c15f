package cosclient

import (
	"encoding/xml"
	"time"

	"github.com/aws/smithy-go/middleware"
)

// This file holds the wire types the operations share. They carry XML only:
// how cosflow's REST API or logs show them is the callers' business. The CI
// emulator (package ciemu) encodes and decodes the same types, so client and
// emulator share one description of the wire; the official-SDK-against-
// emulator test checks that description against the outside world.

// JobType is the kind of inventory trigger job.
type JobType string

// Job types.
const (
	JobTypeWorkflow JobType = "Workflow" // runs a workflow over each object
	JobTypeJob      JobType = "Job"      // runs one processing tag over each object
)

// OrDefault is t, or JobTypeWorkflow when t is empty: CI creates a Workflow
// job when no type is given, and cosflow reads an unset type (in a listing
// filter too) the same way everywhere.
func (t JobType) OrDefault() JobType {
	if t == "" {
		return JobTypeWorkflow
	}
	return t
}

// JobState is the state of an inventory trigger job.
type JobState string

// Job states. Success, Failed and Cancel are terminal.
const (
	JobStateSubmitted JobState = "Submitted"
	JobStateRunning   JobState = "Running"
	JobStateSuccess   JobState = "Success"
	JobStateFailed    JobState = "Failed"
	JobStatePause     JobState = "Pause"
	JobStateCancel    JobState = "Cancel"
)

// Terminal reports whether a job in state s will not change any more.
func (s JobState) Terminal() bool {
	return s == JobStateSuccess || s == JobStateFailed || s == JobStateCancel
}

// ExecutionState is the state of a workflow execution.
type ExecutionState string

// Workflow execution states.
const (
	ExecutionStateRunning ExecutionState = "Running"
	ExecutionStateSuccess ExecutionState = "Success"
	ExecutionStateFailed  ExecutionState = "Failed"
	ExecutionStateCancel  ExecutionState = "Cancel"
)

// FormatTime formats t in CI's layout, in China Standard Time (+0800) as the
// service itself answers.
func FormatTime(t time.Time) string {
	return t.In(chinaTime).Format(TimeLayout)
}

// CallbackTimeLayout is how CI writes times in a workflow's completion
// callback: a space instead of the T, e.g. 2022-08-09 14:54:17+0800
// (docs 436/80040, cos-go-sdk-v5's WorkflowExecutionNotifyBody example).
const CallbackTimeLayout = "2006-01-02 15:04:05-0700"

// answerTimeLayouts are the layouts CI writes times in, most common first:
// the documented TimeLayout (2022-08-09T14:54:17+0800), RFC 3339 as the
// execution answers write it (2022-08-09T14:54:17+08:00), and the
// callback's CallbackTimeLayout.
var answerTimeLayouts = [...]string{TimeLayout, time.RFC3339, CallbackTimeLayout}

// ParseTime parses a time CI wrote, in any of the layouts its answers and
// callbacks use: +0800 (the documented layout), +08:00 (the execution
// answers) or a space before the clock (the completion callback). The
// error, when none fits, is the documented layout's.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(answerTimeLayouts[0], s)
	if err == nil {
		return t, nil
	}
	for _, layout := range answerTimeLayouts[1:] {
		if t2, err2 := time.Parse(layout, s); err2 == nil {
			return t2, nil
		}
	}
	return t, err
}

var chinaTime = time.FixedZone("CST", 8*60*60)

// OutputMetadata is embedded in every operation's output.
type OutputMetadata struct {
	// ResultMetadata is what the client learnt making the call: read CI's
	// request ID with GetRequestIDMetadata and the attempts made with
	// GetAttemptsMetadata.
	ResultMetadata middleware.Metadata `xml:"-"`
}

func (m *OutputMetadata) setResultMetadata(md middleware.Metadata) { m.ResultMetadata = md }

// JobInput selects the objects a job covers: exactly one field is set. The
// fields are pointers because an empty prefix is a real value (the whole
// bucket) and differs from an absent one.
type JobInput struct {
	Prefix   *string `xml:"Prefix,omitempty"`
	Object   *string `xml:"Object,omitempty"`
	Manifest *string `xml:"Manifest,omitempty"`
	URLFile  *string `xml:"UrlFile,omitempty"`
}

// JobOperation says what to do with each object. A Workflow job needs
// WorkflowIDs; a Job job needs Tag and usually JobParam.
type JobOperation struct {
	TimeInterval     *TimeInterval     `xml:"TimeInterval,omitempty"`
	WorkflowIDs      string            `xml:"WorkflowIds,omitempty"`
	Tag              string            `xml:"Tag,omitempty"`
	JobParam         *JobParam         `xml:"JobParam,omitempty"`
	Output           *JobOutput        `xml:"Output,omitempty"`
	QueueID          string            `xml:"QueueId,omitempty"`
	UserData         string            `xml:"UserData,omitempty"`
	JobLevel         int               `xml:"JobLevel,omitempty"`
	CallBack         string            `xml:"CallBack,omitempty"`
	CallBackFormat   string            `xml:"CallBackFormat,omitempty"`
	CallBackType     string            `xml:"CallBackType,omitempty"`
	CallBackMqConfig *CallBackMqConfig `xml:"CallBackMqConfig,omitempty"`
}

// TimeInterval limits a prefix job to objects last modified in [Start, End],
// both in TimeLayout. Empty Start means 0, empty End means now.
type TimeInterval struct {
	Start string `xml:"Start,omitempty"`
	End   string `xml:"End,omitempty"`
}

// JobOutput is where a Job job writes its results.
type JobOutput struct {
	Region string `xml:"Region,omitempty"`
	Bucket string `xml:"Bucket,omitempty"`
	Object string `xml:"Object,omitempty"`
}

// CallBackMqConfig names the TDMQ queue for CallBackType TDMQ.
type CallBackMqConfig struct {
	MqRegion string `xml:"MqRegion,omitempty"`
	MqMode   string `xml:"MqMode,omitempty"`
	MqName   string `xml:"MqName,omitempty"`
}

// JobParam holds tag-specific parameters of any depth, e.g.
// <ImageInspect><AutoProcess>true</AutoProcess></ImageInspect> or
// <TemplateId>t…</TemplateId>, kept as a tree of elements in order.
type JobParam struct {
	Nodes []Node `xml:",any"`
}

// Node is one XML element of a tree CI does not fix the shape of (a
// JobParam, an execution's Topology): text, or child elements.
type Node struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
	Nodes   []Node `xml:",any"`
}

// JobDetail describes one inventory trigger job as CI reports it.
type JobDetail struct {
	Code         string        `xml:"Code,omitempty"`
	Message      string        `xml:"Message,omitempty"`
	Type         JobType       `xml:"Type,omitempty"`
	Name         string        `xml:"Name,omitempty"`
	JobID        string        `xml:"JobId,omitempty"`
	Tag          string        `xml:"Tag,omitempty"`
	State        JobState      `xml:"State,omitempty"`
	Progress     string        `xml:"Progress,omitempty"`
	QueueID      string        `xml:"QueueId,omitempty"`
	CreationTime string        `xml:"CreationTime,omitempty"`
	StartTime    string        `xml:"StartTime,omitempty"`
	EndTime      string        `xml:"EndTime,omitempty"`
	Input        *JobInput     `xml:"Input,omitempty"`
	Operation    *JobOperation `xml:"Operation,omitempty"`
}

// WorkflowExecution is one run of a workflow, which one TriggerWorkflow
// starts: CI's own record of what ran. Its RunID is the InstanceID that
// TriggerWorkflow answered.
type WorkflowExecution struct {
	RunID      string `xml:"RunId,omitempty"`
	WorkflowID string `xml:"WorkflowId,omitempty"`
	// WorkflowName is the workflow's name as the official Go SDK and the
	// callbacks spell it; Name is the same as DescribeWorkflowExecution's
	// reference (436/80046) spells it. Read it with NameOfWorkflow, which
	// takes whichever is set.
	WorkflowName string         `xml:"WorkflowName,omitempty"`
	Name         string         `xml:"Name,omitempty"`
	Object       string         `xml:"Object,omitempty"`
	State        ExecutionState `xml:"State,omitempty"`
	// CreateTime is when the execution was created, as the API reference
	// names it; CreationTime is the same under the official Go SDK's name.
	// Read it with Created (or CreatedAt), which takes whichever is set.
	CreateTime   string    `xml:"CreateTime,omitempty"`
	CreationTime string    `xml:"CreationTime,omitempty"`
	Topology     *Topology `xml:"Topology,omitempty"`
	// Tasks are the jobs the run's nodes started, one per node that ran
	// (DescribeWorkflowExecution only). A run is Failed when one of them
	// failed: FailedTask finds it.
	Tasks []WorkflowTask `xml:"Tasks,omitempty"`
}

// NameOfWorkflow is the workflow's name, from WorkflowName or Name.
func (e *WorkflowExecution) NameOfWorkflow() string {
	if e.WorkflowName != "" {
		return e.WorkflowName
	}
	return e.Name
}

// CreatedAt is the execution's creation time as CI wrote it, from
// CreateTime or CreationTime.
func (e *WorkflowExecution) CreatedAt() string {
	if e.CreateTime != "" {
		return e.CreateTime
	}
	return e.CreationTime
}

// Created is the execution's creation time (CreatedAt), parsed.
func (e *WorkflowExecution) Created() (time.Time, error) {
	return ParseTime(e.CreatedAt())
}

// FailedTask is the run's first task in state Failed, whose Code and
// Message say why the run failed; nil when no task failed.
func (e *WorkflowExecution) FailedTask() *WorkflowTask {
	for i := range e.Tasks {
		if e.Tasks[i].State == JobStateFailed {
			return &e.Tasks[i]
		}
	}
	return nil
}

// WorkflowTask is the job one node of a workflow execution started: a CI
// media job (JobID j…), in a job's states. Code and Message are CI's own
// reason when the task failed.
type WorkflowTask struct {
	Type    string   `xml:"Type,omitempty"` // the node's type, e.g. Transcode, Snapshot
	JobID   string   `xml:"JobId,omitempty"`
	Name    string   `xml:"Name,omitempty"` // the node's name, e.g. Transcode_1581665960537
	State   JobState `xml:"State,omitempty"`
	Code    string   `xml:"Code,omitempty"`
	Message string   `xml:"Message,omitempty"`
	// StartTime is when the task started; CreateTime is the same as the
	// callbacks (and cos-go-sdk-v5) spell it. Read it with Started (or
	// StartedAt), which takes whichever is set.
	CreateTime string `xml:"CreateTime,omitempty"`
	StartTime  string `xml:"StartTime,omitempty"`
	EndTime    string `xml:"EndTime,omitempty"`
}

// StartedAt is when the task started as CI wrote it, from StartTime or
// CreateTime.
func (t *WorkflowTask) StartedAt() string {
	if t.StartTime != "" {
		return t.StartTime
	}
	return t.CreateTime
}

// Started is the task's start time (StartedAt), parsed.
func (t *WorkflowTask) Started() (time.Time, error) {
	return ParseTime(t.StartedAt())
}

// Topology is an execution's graph of workflow nodes, kept as the element
// tree CI sent (DescribeWorkflowExecution only).
type Topology struct {
	Nodes []Node `xml:",any"`
}

// Object is one entry of a COS bucket listing.
type Object struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified,omitempty"` // RFC 3339, e.g. 2026-11-22T10:00:00.000Z
	ETag         string `xml:"ETag,omitempty"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass,omitempty"`
}

// Modified is LastModified, parsed: an upload's time as both redrive
// paths (the sweep, CI's callback) read it, so that they name one upload.
func (o *Object) Modified() (time.Time, error) {
	return time.Parse(time.RFC3339, o.LastModified)
}

// ErrorBody is the XML body of every CI and COS error answer.
type ErrorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
	TraceID   string   `xml:"TraceId"`
}
