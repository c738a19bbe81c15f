package cosclient

import (
	"encoding/xml"
	"log/slog"
	"time"
)

// This file holds the CI batch API's wire types. The CI emulator (package
// ciemu) encodes and decodes the same types, so client and emulator share
// one description of the wire; the official-SDK-against-emulator test checks
// that description against the outside world.

// JobType is the kind of inventory trigger job.
type JobType string

// Job types.
const (
	JobTypeWorkflow JobType = "Workflow" // runs a workflow over each object
	JobTypeJob      JobType = "Job"      // runs one processing tag over each object
)

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

// TimeLayout is CI's time format: an offset without a colon, e.g.
// 2026-11-22T02:00:00+0800.
const TimeLayout = "2006-01-02T15:04:05-0700"

// FormatTime formats t in CI's layout, in China Standard Time (+0800) as the
// service itself answers.
func FormatTime(t time.Time) string {
	return t.In(chinaTime).Format(TimeLayout)
}

// ParseTime parses a CI time in either offset style: +0800 or +08:00.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		if t2, err2 := time.Parse(time.RFC3339, s); err2 == nil {
			return t2, nil
		}
	}
	return t, err
}

var chinaTime = time.FixedZone("CST", 8*60*60)

// TriggerWorkflowInput triggers one workflow for one object
// (POST /triggerworkflow?workflowId=&object=&name=).
type TriggerWorkflowInput struct {
	WorkflowID string // w + 32 lower-case hex
	Object     string // the object key, ≤ 850 bytes of UTF-8
	Name       string // optional job name
}

// TriggerWorkflowOutput is TriggerWorkflow's answer.
type TriggerWorkflowOutput struct {
	XMLName    xml.Name `xml:"Response"`
	InstanceID string   `xml:"InstanceId"`
	RequestID  string   `xml:"RequestId"`
	Meta       CallMeta `xml:"-"`
}

// CreateInventoryTriggerJobInput is the body of POST /inventorytriggerjob.
type CreateInventoryTriggerJobInput struct {
	XMLName   xml.Name     `xml:"Request"`
	Name      string       `xml:"Name"`
	Type      JobType      `xml:"Type,omitempty"` // Workflow when empty
	Input     JobInput     `xml:"Input"`
	Operation JobOperation `xml:"Operation"`
}

// JobInput selects the objects a job covers: exactly one field is set. The
// fields are pointers because an empty prefix is a real value (the whole
// bucket) and differs from an absent one.
type JobInput struct {
	Prefix   *string `xml:"Prefix,omitempty" json:"prefix,omitempty"`
	Object   *string `xml:"Object,omitempty" json:"object,omitempty"`
	Manifest *string `xml:"Manifest,omitempty" json:"manifest,omitempty"`
	URLFile  *string `xml:"UrlFile,omitempty" json:"urlFile,omitempty"`
}

// LogAttr is the input as cosflow's log lines name it: prefix, key (for
// an object), manifest or urlFile, with its value; an empty Attr, which
// slog drops, when no input is set.
func (in *JobInput) LogAttr() slog.Attr {
	switch {
	case in.Prefix != nil:
		return slog.String("prefix", *in.Prefix)
	case in.Object != nil:
		return slog.String("key", *in.Object)
	case in.Manifest != nil:
		return slog.String("manifest", *in.Manifest)
	case in.URLFile != nil:
		return slog.String("urlFile", *in.URLFile)
	}
	return slog.Attr{}
}

// JobOperation says what to do with each object. A Workflow job needs
// WorkflowIDs; a Job job needs Tag and usually JobParam.
type JobOperation struct {
	TimeInterval     *TimeInterval     `xml:"TimeInterval,omitempty" json:"timeInterval,omitempty"`
	WorkflowIDs      string            `xml:"WorkflowIds,omitempty" json:"workflowIds,omitempty"`
	Tag              string            `xml:"Tag,omitempty" json:"tag,omitempty"`
	JobParam         *JobParam         `xml:"JobParam,omitempty" json:"jobParam,omitempty"`
	Output           *JobOutput        `xml:"Output,omitempty" json:"output,omitempty"`
	QueueID          string            `xml:"QueueId,omitempty" json:"queueId,omitempty"`
	UserData         string            `xml:"UserData,omitempty" json:"userData,omitempty"`
	JobLevel         int               `xml:"JobLevel,omitempty" json:"jobLevel,omitempty"`
	CallBack         string            `xml:"CallBack,omitempty" json:"callBack,omitempty"`
	CallBackFormat   string            `xml:"CallBackFormat,omitempty" json:"callBackFormat,omitempty"`
	CallBackType     string            `xml:"CallBackType,omitempty" json:"callBackType,omitempty"`
	CallBackMqConfig *CallBackMqConfig `xml:"CallBackMqConfig,omitempty" json:"callBackMqConfig,omitempty"`
}

// TimeInterval limits a prefix job to objects last modified in [Start, End],
// both in TimeLayout. Empty Start means 0, empty End means now.
type TimeInterval struct {
	Start string `xml:"Start,omitempty" json:"start,omitempty"`
	End   string `xml:"End,omitempty" json:"end,omitempty"`
}

// JobOutput is where a Job job writes its results.
type JobOutput struct {
	Region string `xml:"Region,omitempty" json:"region,omitempty"`
	Bucket string `xml:"Bucket,omitempty" json:"bucket,omitempty"`
	Object string `xml:"Object,omitempty" json:"object,omitempty"`
}

// CallBackMqConfig names the TDMQ queue for CallBackType TDMQ.
type CallBackMqConfig struct {
	MqRegion string `xml:"MqRegion,omitempty" json:"mqRegion,omitempty"`
	MqMode   string `xml:"MqMode,omitempty" json:"mqMode,omitempty"`
	MqName   string `xml:"MqName,omitempty" json:"mqName,omitempty"`
}

// JobParam holds tag-specific parameters of any depth, e.g.
// <ImageInspect><AutoProcess>true</AutoProcess></ImageInspect> or
// <TemplateId>t…</TemplateId>, kept as a tree of elements in order.
type JobParam struct {
	Nodes []Node `xml:",any"`
}

// Node is one XML element of a JobParam: text, or child elements.
type Node struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
	Nodes   []Node `xml:",any"`
}

// JobDetail describes one inventory trigger job as CI reports it.
type JobDetail struct {
	Code         string        `xml:"Code,omitempty" json:"code,omitempty"`
	Message      string        `xml:"Message,omitempty" json:"message,omitempty"`
	Type         JobType       `xml:"Type,omitempty" json:"type,omitempty"`
	Name         string        `xml:"Name,omitempty" json:"name,omitempty"`
	JobID        string        `xml:"JobId,omitempty" json:"jobId,omitempty"`
	Tag          string        `xml:"Tag,omitempty" json:"tag,omitempty"`
	State        JobState      `xml:"State,omitempty" json:"state,omitempty"`
	Progress     string        `xml:"Progress,omitempty" json:"progress,omitempty"`
	QueueID      string        `xml:"QueueId,omitempty" json:"queueId,omitempty"`
	CreationTime string        `xml:"CreationTime,omitempty" json:"creationTime,omitempty"`
	StartTime    string        `xml:"StartTime,omitempty" json:"startTime,omitempty"`
	EndTime      string        `xml:"EndTime,omitempty" json:"endTime,omitempty"`
	Input        *JobInput     `xml:"Input,omitempty" json:"input,omitempty"`
	Operation    *JobOperation `xml:"Operation,omitempty" json:"operation,omitempty"`
}

// CreateInventoryTriggerJobOutput is CreateInventoryTriggerJob's answer.
type CreateInventoryTriggerJobOutput struct {
	XMLName    xml.Name   `xml:"Response"`
	RequestID  string     `xml:"RequestId"`
	JobsDetail *JobDetail `xml:"JobsDetail"`
	Meta       CallMeta   `xml:"-"`
}

// DescribeInventoryTriggerJobsInput lists jobs (GET /inventorytriggerjob).
// Zero values are not sent, except Type, which defaults to Workflow because
// the service's own default is undocumented.
type DescribeInventoryTriggerJobsInput struct {
	NextToken         string
	Size              int        // 1..100; 0 means the service default (10)
	Type              JobType    // Workflow when empty
	OrderByTime       string     // Desc (default) or Asc
	States            []JobState // sent as a comma list
	StartCreationTime string     // TimeLayout
	EndCreationTime   string     // TimeLayout
	WorkflowID        string
	JobID             string
	Name              string
}

// DescribeInventoryTriggerJobsOutput is one page of jobs: every JobsDetail
// the page holds, and the token of the next page ("" on the last).
type DescribeInventoryTriggerJobsOutput struct {
	XMLName    xml.Name    `xml:"Response"`
	RequestID  string      `xml:"RequestId"`
	JobsDetail []JobDetail `xml:"JobsDetail"`
	NextToken  string      `xml:"NextToken"`
	Meta       CallMeta    `xml:"-"`
}

// DescribeInventoryTriggerJobInput reads one job
// (GET /inventorytriggerjob/<jobId>).
type DescribeInventoryTriggerJobInput struct {
	JobID string
}

// DescribeInventoryTriggerJobOutput is DescribeInventoryTriggerJob's
// answer. An unknown ID comes back under NonExistJobIds (the Go SDK spells
// it NonExistJobId; both are read) and becomes a *NotFoundError.
type DescribeInventoryTriggerJobOutput struct {
	XMLName        xml.Name   `xml:"Response"`
	RequestID      string     `xml:"RequestId"`
	JobsDetail     *JobDetail `xml:"JobsDetail"`
	NonExistJobIDs []string   `xml:"NonExistJobIds"`
	NonExistJobID  []string   `xml:"NonExistJobId"`
	Meta           CallMeta   `xml:"-"`
}

// CancelInventoryTriggerJobInput cancels one job
// (PUT /inventorytriggerjob/<jobId>?cancel).
type CancelInventoryTriggerJobInput struct {
	JobID string
}

// CancelInventoryTriggerJobOutput is CancelInventoryTriggerJob's answer
// (an empty 200 body).
type CancelInventoryTriggerJobOutput struct {
	RequestID string
	Meta      CallMeta
}

// CallMeta is what the client learned while making one call.
type CallMeta struct {
	Attempts  int           // 1 when the first attempt succeeded
	Duration  time.Duration // wall time over all attempts
	RequestID string        // x-ci-request-id of the final answer
}

// ErrorBody is the XML body of every CI error answer.
type ErrorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
	TraceID   string   `xml:"TraceId"`
}
