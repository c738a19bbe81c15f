package cosclient

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// CreateInventoryTriggerJob starts a batch job over many objects.
func (c *Client) CreateInventoryTriggerJob(ctx context.Context, params *CreateInventoryTriggerJobInput, optFns ...func(*Options)) (*CreateInventoryTriggerJobOutput, error) {
	return invoke(ctx, c, &opCreateInventoryTriggerJob, params, optFns)
}

// CreateInventoryTriggerJobInput is the body of POST /inventorytriggerjob.
type CreateInventoryTriggerJobInput struct {
	XMLName   xml.Name     `xml:"Request"`
	Name      string       `xml:"Name"`
	Type      JobType      `xml:"Type,omitempty"` // Workflow when empty
	Input     JobInput     `xml:"Input"`
	Operation JobOperation `xml:"Operation"`
}

// CreateInventoryTriggerJobOutput is CreateInventoryTriggerJob's answer.
type CreateInventoryTriggerJobOutput struct {
	XMLName    xml.Name   `xml:"Response"`
	RequestID  string     `xml:"RequestId"`
	JobsDetail *JobDetail `xml:"JobsDetail"`
	OutputMetadata
}

// Validate checks the input before it is sent: every value, and the rules
// between them (exactly one input; a Workflow job names workflows and
// nothing of a Job job's, and the other way round).
func (in *CreateInventoryTriggerJobInput) Validate() error {
	v := newChecks("CreateInventoryTriggerJobInput")
	v.add(checkJobName("Name", in.Name))
	typ := in.Type.OrDefault()
	v.add(checkJobType("Type", typ))
	v.add(in.Input.check())
	in.Operation.check(v, typ)
	return v.err()
}

// check applies the input rules: exactly one field, each a key (a prefix
// may be empty).
func (in *JobInput) check() *ParamError {
	n := 0
	for _, p := range []*string{in.Prefix, in.Object, in.Manifest, in.URLFile} {
		if p != nil {
			n++
		}
	}
	if n != 1 {
		return paramErr("Input", "needs exactly one of prefix, object, manifest, urlFile")
	}
	switch {
	case in.Prefix != nil:
		return checkKey("Input.Prefix", *in.Prefix, true)
	case in.Object != nil:
		return checkKey("Input.Object", *in.Object, false)
	case in.Manifest != nil:
		return checkKey("Input.Manifest", *in.Manifest, false)
	default:
		return checkKey("Input.UrlFile", *in.URLFile, false)
	}
}

// check applies the operation rules for a job of type typ.
func (op *JobOperation) check(v *checks, typ JobType) {
	if ti := op.TimeInterval; ti != nil {
		v.add(checkTimeRange("Operation.TimeInterval.Start", ti.Start, "Operation.TimeInterval.End", ti.End))
	}
	onlyFor := func(path, jobType string) *ParamError {
		return paramErr(path, "is only for "+jobType+" jobs")
	}
	if typ == JobTypeWorkflow {
		v.add(checkWorkflowIDs("Operation.WorkflowIds", op.WorkflowIDs))
		switch {
		case op.Tag != "":
			v.add(onlyFor("Operation.Tag", "Job"))
		case op.JobParam != nil:
			v.add(onlyFor("Operation.JobParam", "Job"))
		case op.Output != nil:
			v.add(onlyFor("Operation.Output", "Job"))
		}
	} else {
		v.add(checkTag("Operation.Tag", op.Tag))
		if op.WorkflowIDs != "" {
			v.add(onlyFor("Operation.WorkflowIds", "Workflow"))
		}
	}
	if op.JobParam != nil {
		v.add(checkNodes("Operation.JobParam", op.JobParam.Nodes))
	}
	if o := op.Output; o != nil {
		if o.Region != "" {
			v.add(checkRegion("Operation.Output.Region", o.Region))
		}
		if o.Bucket != "" {
			v.add(checkBucket("Operation.Output.Bucket", o.Bucket))
		}
		v.add(checkKey("Operation.Output.Object", o.Object, true))
	}
	if op.QueueID != "" {
		v.add(checkID("Operation.QueueId", op.QueueID))
	}
	v.add(checkPrintable("Operation.UserData", op.UserData, MaxUserDataLen))
	if op.JobLevel < 0 || op.JobLevel > MaxJobLevel {
		v.add(paramErr("Operation.JobLevel", "is not 0, 1 or 2"))
	}
	v.add(checkLongText("Operation.CallBack", op.CallBack, MaxCallBackLen))
	if op.CallBackFormat != "" {
		v.add(checkOneOf("Operation.CallBackFormat", op.CallBackFormat, "JSON", "XML"))
	}
	if op.CallBackType != "" {
		v.add(checkOneOf("Operation.CallBackType", op.CallBackType, "Url", "TDMQ"))
	}
	if mq := op.CallBackMqConfig; mq != nil {
		v.add(checkText("Operation.CallBackMqConfig.MqRegion", mq.MqRegion))
		v.add(checkText("Operation.CallBackMqConfig.MqMode", mq.MqMode))
		v.add(checkText("Operation.CallBackMqConfig.MqName", mq.MqName))
	}
}

// checkNodes checks an element tree: XML names, and text XML can carry.
func checkNodes(path string, nodes []Node) *ParamError {
	for i := range nodes {
		n := &nodes[i]
		at := path + "." + n.XMLName.Local
		if !xmlName(n.XMLName.Local) || n.XMLName.Space != "" {
			return paramErr(path+"["+strconv.Itoa(i)+"]", strconv.Quote(n.XMLName.Local)+" is not an XML element name")
		}
		if e := checkText(at, n.Text); e != nil {
			return e
		}
		if e := checkNodes(at, n.Nodes); e != nil {
			return e
		}
	}
	return nil
}

// xmlName reports whether s can be an XML element name without a prefix:
// what encoding/xml itself reads as one element of that name (the
// emulator and the client parse with it), no namespace prefix, and not
// the reserved "xml" start.
func xmlName(s string) bool {
	if s == "" || strings.Contains(s, ":") || strings.HasPrefix(strings.ToLower(s), "xml") {
		return false
	}
	tok, err := xml.NewDecoder(strings.NewReader("<" + s + "/>")).Token()
	se, ok := tok.(xml.StartElement)
	return err == nil && ok && se.Name.Local == s && se.Name.Space == "" && len(se.Attr) == 0
}

var opCreateInventoryTriggerJob = operation[*CreateInventoryTriggerJobInput, *CreateInventoryTriggerJobOutput]{
	name:      "CreateInventoryTriggerJob",
	service:   ServiceCI,
	newInput:  newOf[CreateInventoryTriggerJobInput],
	newOutput: newOf[CreateInventoryTriggerJobOutput],
	serialize: func(in *CreateInventoryTriggerJobInput, req *smithyhttp.Request) (*smithyhttp.Request, error) {
		req.Method = http.MethodPost
		req.URL.Path = "/inventorytriggerjob"
		return xmlBody(req, in)
	},
	bounds: func(*CreateInventoryTriggerJobInput) answerBounds { return jobBounds },
}
