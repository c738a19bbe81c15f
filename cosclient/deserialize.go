package cosclient

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// maxBodyBytes bounds what is read of one answer: CI pages are small.
const maxBodyBytes = 16 << 20

// decodeError is a 2xx answer that could not be read: not retried, since
// the same answer would come back.
type decodeError struct {
	op  string
	err error
}

func (e *decodeError) Error() string { return "decode " + e.op + " response: " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// deserializeStep reads the answer of one attempt into the call's output,
// or into a *ResponseError wrapping an *APIError.
func (c *Client) deserializeStep(ctx context.Context, cl *call, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if err != nil {
		return out, md, err
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok {
		return out, md, fmt.Errorf("deserialize: unexpected raw response %T", out.RawResponse)
	}
	buf := bodyBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer bodyBufs.Put(buf)
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxBodyBytes))
	resp.Body.Close()
	cl.status = resp.StatusCode
	cl.requestID = resp.Header.Get(hdrRequestID)
	if err != nil {
		return out, md, fmt.Errorf("read response body: %w", err)
	}
	body := buf.Bytes()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		re := responseError(resp.Response, body)
		if ae, ok := re.Err.(*APIError); ok && ae.Code == "RequestTimeTooSkewed" {
			c.learnClock(resp.Header.Get("Date"))
		}
		if cl.requestID == "" {
			cl.requestID = re.RequestID
		}
		return out, md, re
	}
	if err := cl.op.decode(cl, body); err != nil {
		return out, md, &decodeError{op: cl.op.name, err: err}
	}
	out.Result = cl.out
	return out, md, nil
}

// responseError builds the layered error of a non-2xx answer. A body that
// is empty or not an <Error> document still yields an *APIError, whose Code
// is the status text.
func responseError(resp *http.Response, body []byte) *ResponseError {
	ae := &APIError{}
	var eb ErrorBody
	if len(body) > 0 && xml.Unmarshal(body, &eb) == nil {
		ae.Code, ae.Message, ae.RequestID, ae.TraceID = eb.Code, eb.Message, eb.RequestID, eb.TraceID
	}
	if ae.Code == "" {
		ae.Code = http.StatusText(resp.StatusCode)
		if ae.Code == "" {
			ae.Code = "HTTP " + itoa(resp.StatusCode)
		}
	}
	if ae.RequestID == "" {
		ae.RequestID = resp.Header.Get(hdrRequestID)
	}
	if ae.TraceID == "" {
		ae.TraceID = resp.Header.Get(hdrTraceID)
	}
	rid := resp.Header.Get(hdrRequestID)
	if rid == "" {
		rid = ae.RequestID
	}
	return &ResponseError{StatusCode: resp.StatusCode, RequestID: rid, Err: ae}
}

// learnClock sets the signing clock's offset from the service's Date.
func (c *Client) learnClock(date string) {
	t, err := http.ParseTime(date)
	if err != nil {
		return
	}
	c.clockOffset.Store(int64(time.Until(t)))
}

// decodeXML reads a 2xx body into the call's output, on the fast path
// when the XML is plain.
func decodeXML(cl *call, body []byte) error {
	var fast bool
	switch out := cl.out.(type) {
	case *TriggerWorkflowOutput:
		fast = fastTriggerWorkflow(body, out)
	case *CreateInventoryTriggerJobOutput:
		fast = fastCreateOutput(body, out)
	case *DescribeInventoryTriggerJobsOutput:
		fast = fastListOutput(body, out)
	case *DescribeInventoryTriggerJobOutput:
		fast = fastDescribeOutput(body, out)
	}
	if fast {
		return nil
	}
	return xml.Unmarshal(body, cl.out)
}

func decodeNothing(*call, []byte) error { return nil }
