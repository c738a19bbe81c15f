package cosclient

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Request paths.
const (
	pathTriggerWorkflow     = "/triggerworkflow"
	pathInventoryTriggerJob = "/inventorytriggerjob"
)

func serializeTriggerWorkflow(cl *call, req *smithyhttp.Request) error {
	in := cl.input.(*TriggerWorkflowInput)
	req.Method = "POST"
	req.URL.Path = pathTriggerWorkflow
	var q strings.Builder // String() does not copy
	q.Grow(32 + len(in.WorkflowID) + 3*len(in.Object) + 3*len(in.Name))
	q.WriteString("workflowId=")
	writeEscaped(&q, in.WorkflowID)
	q.WriteString("&object=")
	writeEscaped(&q, in.Object)
	if in.Name != "" {
		q.WriteString("&name=")
		writeEscaped(&q, in.Name)
	}
	req.URL.RawQuery = q.String()
	return nil
}

func serializeCreateInventoryTriggerJob(cl *call, req *smithyhttp.Request) error {
	in := cl.input.(*CreateInventoryTriggerJobInput)
	body, err := xmlBody(in)
	if err != nil {
		return fmt.Errorf("encode request body: %w", err)
	}
	cl.body = body
	req.Method = "POST"
	req.URL.Path = pathInventoryTriggerJob
	req.Header["Content-Type"] = []string{"application/xml"}
	return nil
}

func serializeDescribeInventoryTriggerJobs(cl *call, req *smithyhttp.Request) error {
	in := cl.input.(*DescribeInventoryTriggerJobsInput)
	req.Method = "GET"
	req.URL.Path = pathInventoryTriggerJob
	typ := in.Type
	if typ == "" {
		typ = JobTypeWorkflow
	}
	q := make([]byte, 0, 128)
	q = appendParam(q, "type", string(typ))
	if in.NextToken != "" {
		q = appendParam(q, "nextToken", in.NextToken)
	}
	if in.Size != 0 {
		q = appendParam(q, "size", strconv.Itoa(in.Size))
	}
	if in.OrderByTime != "" {
		q = appendParam(q, "orderByTime", in.OrderByTime)
	}
	if len(in.States) > 0 {
		q = append(q, "&states="...)
		for i, s := range in.States {
			if i > 0 {
				q = append(q, "%2C"...)
			}
			q = appendEscaped(q, string(s))
		}
	}
	for _, p := range [...]struct{ k, v string }{
		{"startCreationTime", in.StartCreationTime},
		{"endCreationTime", in.EndCreationTime},
		{"workflowId", in.WorkflowID},
		{"jobId", in.JobID},
		{"name", in.Name},
	} {
		if p.v != "" {
			q = appendParam(q, p.k, p.v)
		}
	}
	req.URL.RawQuery = string(q)
	return nil
}

func serializeDescribeInventoryTriggerJob(cl *call, req *smithyhttp.Request) error {
	in := cl.input.(*DescribeInventoryTriggerJobInput)
	req.Method = "GET"
	setJobPath(req, in.JobID)
	return nil
}

func serializeCancelInventoryTriggerJob(cl *call, req *smithyhttp.Request) error {
	in := cl.input.(*CancelInventoryTriggerJobInput)
	req.Method = "PUT"
	setJobPath(req, in.JobID)
	req.URL.RawQuery = "cancel"
	return nil
}

// setJobPath puts an opaque job ID into the path as one escaped segment.
func setJobPath(req *smithyhttp.Request, id string) {
	req.URL.Path = pathInventoryTriggerJob + "/" + id
	if esc := url.PathEscape(id); esc != id {
		req.URL.RawPath = pathInventoryTriggerJob + "/" + esc
	}
}

// appendParam appends "&k=v" (no '&' first), v escaped.
func appendParam(q []byte, k, v string) []byte {
	if len(q) > 0 {
		q = append(q, '&')
	}
	q = append(q, k...)
	q = append(q, '=')
	return appendEscaped(q, v)
}

// appendEscaped escapes s as COS signs it (only A-Z a-z 0-9 - _ . ~ bare,
// space as %20), which every server decodes the same way.
func appendEscaped(dst []byte, s string) []byte {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

// writeEscaped is appendEscaped for a strings.Builder.
func writeEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		const hexDigits = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
}

// itoa is strconv.Itoa; named for the hot path's readability.
func itoa(n int) string { return strconv.Itoa(n) }

// xmlBody encodes the CreateInventoryTriggerJob request body.
func xmlBody(in *CreateInventoryTriggerJobInput) ([]byte, error) {
	if b, ok := appendCreateXML(make([]byte, 0, 512), in); ok {
		return b, nil
	}
	return xml.Marshal(in)
}
