package events

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/jsonscan"
	"github.com/cosflow/cosflow/internal/valid"
)

// A CI workflow whose Start node has a NotifyConfig posts a callback to its
// URL when a run starts or finishes (docs 436/80040, 460/80039):
//
//	<Response><EventName>WorkflowFinish</EventName><WorkflowExecution>
//	  <RunId/><BucketId/><Object/><CosHeaders><Key/><Value/></CosHeaders>…
//	  <WorkflowId/><WorkflowName/><CreateTime/><State/><Tasks/>…
//	</WorkflowExecution></Response>
//
// in XML, or in JSON when the NotifyConfig's ResultFormat is JSON. CI signs
// nothing, so the body is a hint of which run to read back, never the
// truth: ParseCICallback returns only what that read-back needs.
//
// The JSON form is not documented. The one sample found of CI's JSON
// callbacks (a job's TaskFinish body, in a third party's test:
// unconfirmed) uses the XML element names as keys, with no Response
// wrapper, and writes a one-element list as an object; the official Go
// SDK's WorkflowExecutionNotifyBody, which has no JSON tags, reads the
// same keys. Both the bare object and one under a "Response" key are
// accepted, and CosHeaders and Tasks may be an array or an object. The
// decoding is strict (valid.Decode): a key beyond the documented ones is
// refused, naming it, until it is listed here.

// CallbackFormat is the body format a workflow's NotifyConfig ResultFormat
// asks CI for.
type CallbackFormat string

// Callback formats.
const (
	CallbackXML  CallbackFormat = "XML" // CI's default
	CallbackJSON CallbackFormat = "JSON"
)

// The workflow events a callback names (460/80039). A NotifyConfig may
// also ask for TaskFinish, whose body describes one job (JobsDetail), not
// a run.
const (
	CIEventWorkflowFinish = "WorkflowFinish"
	CIEventWorkflowStart  = "WorkflowStart"
)

// CICallback is what a CI workflow callback claims: enough to read the run
// back with DescribeWorkflowExecution, and to tell one not worth reading
// (another workflow's) without a call. Nothing here is verified.
type CICallback struct {
	// EventName is always set. Only for the workflow events
	// (CIEventWorkflowFinish, CIEventWorkflowStart) are the fields below
	// read; for any other they are empty.
	EventName  string
	RunID      string
	WorkflowID string
	// BucketID is the bucket the run processed an object of, as CI spells
	// it (examplebucket-1250000000). It may be empty: the SDK's own
	// example body carries <BucketId></BucketId>.
	BucketID string
	Object   string
	State    string // as claimed: Success or Failed for WorkflowFinish
}

// IsWorkflowEvent reports whether c is about a run (WorkflowFinish or
// WorkflowStart), so its run fields are set.
func (c *CICallback) IsWorkflowEvent() bool {
	return c.EventName == CIEventWorkflowFinish || c.EventName == CIEventWorkflowStart
}

// ParseCICallback reads a workflow callback body in format (CallbackXML
// when empty). It refuses, as a *valid.FieldError naming the field, a body
// that is not one well-formed document of that format (XML: one <Response>
// element; JSON: strictly decoded, see valid.Decode), a missing or empty
// EventName, and for a workflow event a missing WorkflowExecution or an
// empty RunId, WorkflowId, Object or State. A field given twice is refused
// too: which of the two a reader believes is not for the sender to choose.
// Values are returned as sent; their syntax (an ID's shape) is the
// caller's rule, like any other input's. The body is not bounded here: the
// caller reads it through its own limit.
func ParseCICallback(body []byte, format CallbackFormat) (*CICallback, error) {
	switch format {
	case CallbackXML, "":
		return parseXMLCallback(body)
	case CallbackJSON:
		return parseJSONCallback(body)
	}
	return nil, fmt.Errorf("events: unknown callback format %q", format)
}

// The run fields ParseCICallback reads, by their wire names; every one but
// BucketId is required.
const (
	fieldEventName = "EventName"
	fieldExecution = "WorkflowExecution"
	fieldRunID     = "RunId"
	fieldWorkflow  = "WorkflowId"
	fieldBucket    = "BucketId"
	fieldObject    = "Object"
	fieldState     = "State"
)

// xmlCallback is the XML body. Each field read is a list, so that one
// given twice is seen; what ParseCICallback does not read is skipped.
type xmlCallback struct {
	XMLName   xml.Name       `xml:"Response"`
	EventName []string       `xml:"EventName"`
	Execution []xmlExecution `xml:"WorkflowExecution"`
}

type xmlExecution struct {
	RunID      []string `xml:"RunId"`
	WorkflowID []string `xml:"WorkflowId"`
	BucketID   []string `xml:"BucketId"`
	Object     []string `xml:"Object"`
	State      []string `xml:"State"`
}

func parseXMLCallback(body []byte) (*CICallback, error) {
	var doc xmlCallback
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&doc); err != nil {
		switch {
		case len(bytes.TrimSpace(body)) == 0:
			return nil, &valid.FieldError{Reason: "is empty: an XML <Response> is required"}
		case errors.Is(err, io.EOF):
			return nil, &valid.FieldError{Reason: "is not a CI callback in XML: it holds no <Response> element"}
		}
		return nil, &valid.FieldError{Reason: "is not a CI callback in XML: " + clip.String(err.Error(), 200)}
	}
	if err := xmlEnds(dec); err != nil {
		return nil, err
	}
	c := &CICallback{}
	var err error
	if c.EventName, err = one(fieldEventName, doc.EventName, true); err != nil {
		return nil, err
	}
	// An indented body may put the name between line breaks; no event
	// name has spaces. (Values keep theirs: an object key may begin with
	// one.)
	if c.EventName = strings.TrimSpace(c.EventName); c.EventName == "" {
		return nil, &valid.FieldError{Field: fieldEventName, Reason: "is required"}
	}
	if !c.IsWorkflowEvent() {
		return c, nil
	}
	switch len(doc.Execution) {
	case 0:
		return nil, &valid.FieldError{Field: fieldExecution, Reason: "is required"}
	case 1:
	default:
		return nil, &valid.FieldError{Field: fieldExecution, Reason: "is given twice"}
	}
	in := doc.Execution[0]
	for _, f := range []struct {
		name     string
		values   []string
		to       *string
		required bool
	}{
		{fieldRunID, in.RunID, &c.RunID, true},
		{fieldWorkflow, in.WorkflowID, &c.WorkflowID, true},
		{fieldBucket, in.BucketID, &c.BucketID, false},
		{fieldObject, in.Object, &c.Object, true},
		{fieldState, in.State, &c.State, true},
	} {
		if *f.to, err = one(jsonscan.JoinKey(fieldExecution, f.name), f.values, f.required); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// xmlEnds checks nothing but whitespace, comments and processing
// instructions follows the root element: a second <Response> would be a
// second claim.
func xmlEnds(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &valid.FieldError{Reason: "is not well-formed XML after the Response element: " + clip.String(err.Error(), 200)}
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) == 0 {
				continue
			}
			return &valid.FieldError{Reason: "has text after the Response element"}
		default:
			return &valid.FieldError{Reason: "has data after the Response element"}
		}
	}
}

// one is the single value of field: an error when it is given more than
// once, or, when required, missing or empty.
func one(field string, values []string, required bool) (string, error) {
	switch {
	case len(values) > 1:
		return "", &valid.FieldError{Field: field, Reason: "is given twice"}
	case len(values) == 0 || values[0] == "":
		if required {
			return "", &valid.FieldError{Field: field, Reason: "is required"}
		}
		return "", nil
	}
	return values[0], nil
}

// jsonCallback is the JSON body of a workflow event, decoded strictly:
// only the documented keys, each once, in their exact case.
type jsonCallback struct {
	EventName string         `json:"EventName"`
	Execution *jsonExecution `json:"WorkflowExecution"`
}

type jsonExecution struct {
	RunID        string `json:"RunId"`
	BucketID     string `json:"BucketId"`
	Object       string `json:"Object"`
	WorkflowID   string `json:"WorkflowId"`
	WorkflowName string `json:"WorkflowName"`
	CreateTime   string `json:"CreateTime"`
	State        string `json:"State"`
	// Not read, and their shape differs in what CI writes (a list, or an
	// object for one element): kept opaque.
	CosHeaders json.RawMessage `json:"CosHeaders"`
	Tasks      json.RawMessage `json:"Tasks"`
}

func parseJSONCallback(body []byte) (*CICallback, error) {
	// First as any object, strictly (UTF-8, depth, duplicate keys, lone
	// surrogates, nothing after it), to find the event and the wrapper.
	var top map[string]json.RawMessage
	if err := valid.Decode(body, &top); err != nil {
		return nil, clipped(err)
	}
	if top == nil {
		return nil, &valid.FieldError{Reason: "is not a JSON object"}
	}
	path, doc := "", body
	if inner, ok := top["Response"]; ok && len(top) == 1 {
		path, doc = "Response", inner
		top = nil
		if err := valid.Decode(doc, &top); err != nil {
			return nil, under(path, err)
		}
		if top == nil {
			return nil, &valid.FieldError{Field: path, Reason: "is not a JSON object"}
		}
	}
	raw, ok := top[fieldEventName]
	if !ok {
		return nil, &valid.FieldError{Field: jsonscan.JoinKey(path, fieldEventName), Reason: "is required"}
	}
	c := &CICallback{}
	if err := valid.Decode(raw, &c.EventName); err != nil {
		return nil, under(jsonscan.JoinKey(path, fieldEventName), err)
	}
	if c.EventName == "" {
		return nil, &valid.FieldError{Field: jsonscan.JoinKey(path, fieldEventName), Reason: "is required"}
	}
	if !c.IsWorkflowEvent() {
		return c, nil
	}
	var in jsonCallback
	if err := valid.Decode(doc, &in); err != nil {
		return nil, under(path, err)
	}
	if in.Execution == nil {
		return nil, &valid.FieldError{Field: jsonscan.JoinKey(path, fieldExecution), Reason: "is required"}
	}
	x := in.Execution
	c.BucketID = x.BucketID
	for _, f := range []struct {
		name  string
		value string
		to    *string
	}{
		{fieldRunID, x.RunID, &c.RunID},
		{fieldWorkflow, x.WorkflowID, &c.WorkflowID},
		{fieldObject, x.Object, &c.Object},
		{fieldState, x.State, &c.State},
	} {
		if f.value == "" {
			return nil, &valid.FieldError{Field: jsonscan.Join(path, fieldExecution+"."+f.name), Reason: "is required"}
		}
		*f.to = f.value
	}
	return c, nil
}

// under puts a *valid.FieldError from decoding the value at path under
// it, its field clipped (it may hold a key as sent).
func under(path string, err error) error {
	var fe *valid.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	return &valid.FieldError{Field: clip.String(jsonscan.Join(path, fe.Field), 200), Reason: fe.Reason}
}

// clipped is err with its field clipped.
func clipped(err error) error { return under("", err) }
