// Package scfapi is the one SCF API call cosflow makes: Invoke, which
// starts an invocation of a function, here the function itself, so that a
// sweep with work left goes on at once instead of at the next timer tick
// (issue 21). It is a TencentCloud API 3.0 call: POST / on
// scf.tencentcloudapi.com with a JSON body, TC3-HMAC-SHA256 signed
// (sign.go), answered {"Response":{…,"RequestId"}} or
// {"Response":{"Error":{"Code","Message"},"RequestId"}}
// (tencentcloud.com/document/api/583/17243). One call with one answer
// shape needs no middleware stack: plain net/http, encoding/json and
// crypto/hmac.
package scfapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/clip"
)

// Wire constants of the SCF API.
const (
	// DefaultEndpoint is the SCF API's public endpoint.
	DefaultEndpoint = "https://scf.tencentcloudapi.com"
	// Service names the API in the signature's scope.
	Service = "scf"
	// Version is the API version Invoke is documented under.
	Version = "2018-04-16"
	// ContentType is the body's type, as the official SDK sends it.
	ContentType = "application/json"
	// InvocationEvent asks for an asynchronous invocation: Invoke answers
	// once SCF has queued it, and SCF retries it as any async event.
	InvocationEvent = "Event"
	// MaxAsyncEvent is the largest ClientContext of an asynchronous
	// invocation (128 KB, the Invoke reference).
	MaxAsyncEvent = 128 << 10
)

// maxAnswer bounds how much of an answer is read: an Invoke answer of an
// asynchronous invocation is a few hundred bytes.
const maxAnswer = 64 << 10

// Options configure a Client.
type Options struct {
	// Region is the function's region (X-TC-Region).
	Region string
	// Credentials sign every call; asked at every call (SCF rotates
	// temporary credentials).
	Credentials cosclient.CredentialsProvider
	// Endpoint overrides DefaultEndpoint (tests, an emulator):
	// http(s)://host[:port].
	Endpoint string
	// HTTPClient sends the calls; nil uses one with a 10 s timeout.
	HTTPClient *http.Client
	// Now tells the signing time; nil is time.Now.
	Now func() time.Time
}

// Client calls the SCF API.
type Client struct {
	endpoint *url.URL
	opts     Options
}

// New checks o and returns a Client.
func New(o Options) (*Client, error) {
	if o.Endpoint == "" {
		o.Endpoint = DefaultEndpoint
	}
	if err := cosclient.ValidateEndpoint(o.Endpoint); err != nil {
		return nil, fmt.Errorf("scfapi: %w", err)
	}
	if err := cosclient.ValidateRegion(o.Region); err != nil {
		return nil, fmt.Errorf("scfapi: %w", err)
	}
	if o.Credentials == nil {
		return nil, errors.New("scfapi: no credentials provider")
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	u, _ := url.Parse(o.Endpoint) // checked above
	return &Client{endpoint: u, opts: o}, nil
}

// InvokeInput is one Invoke call.
type InvokeInput struct {
	FunctionName string `json:"FunctionName"`
	// InvocationType is InvocationEvent for an asynchronous invocation.
	InvocationType string `json:"InvocationType,omitempty"`
	// Qualifier is the version or alias to run ("$LATEST" when empty).
	Qualifier string `json:"Qualifier,omitempty"`
	// ClientContext is the event the function receives, JSON.
	ClientContext string `json:"ClientContext,omitempty"`
	Namespace     string `json:"Namespace,omitempty"`
}

// InvokeOutput is what Invoke answered.
type InvokeOutput struct {
	RequestID string
	// FunctionRequestID is the invocation's request ID, when SCF gave one.
	FunctionRequestID string
}

// APIError is an error answer of the SCF API.
type APIError struct {
	Code, Message, RequestID string
	Status                   int
}

func (e *APIError) Error() string {
	return fmt.Sprintf("scf api: %s: %s (HTTP %d, request %s)", e.Code, e.Message, e.Status, e.RequestID)
}

// answer is the API's JSON answer.
type answer struct {
	Response struct {
		RequestID string `json:"RequestId"`
		Error     *struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		Result *struct {
			FunctionRequestID string `json:"FunctionRequestId"`
		} `json:"Result"`
	} `json:"Response"`
}

// Invoke starts an invocation of in.FunctionName with in.ClientContext as
// its event. It makes one attempt: its caller decides what a failure
// costs (for a sweep, waiting for the next tick).
func (c *Client) Invoke(ctx context.Context, in *InvokeInput) (*InvokeOutput, error) {
	if in.FunctionName == "" {
		return nil, errors.New("scfapi: invoke: no function name")
	}
	if in.InvocationType == InvocationEvent && len(in.ClientContext) > MaxAsyncEvent {
		return nil, fmt.Errorf("scfapi: invoke %s: the event is %d bytes, over the %d an asynchronous invocation takes", in.FunctionName, len(in.ClientContext), MaxAsyncEvent)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("scfapi: invoke %s: %w", in.FunctionName, err)
	}
	creds, err := c.opts.Credentials.Credentials(ctx)
	if err != nil {
		return nil, fmt.Errorf("scfapi: invoke %s: %w", in.FunctionName, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint.String()+"/", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("scfapi: invoke %s: %w", in.FunctionName, err)
	}
	h := req.Header
	h.Set("Content-Type", ContentType)
	h.Set("X-TC-Action", "Invoke")
	h.Set("X-TC-Version", Version)
	h.Set("X-TC-Region", c.opts.Region)
	sign(req, creds, Service, body, c.opts.Now().Unix())
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scfapi: invoke %s: %w", in.FunctionName, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("scfapi: invoke %s: reading the answer: %w", in.FunctionName, err)
	}
	if len(data) > maxAnswer {
		return nil, fmt.Errorf("scfapi: invoke %s: the answer is over %d bytes", in.FunctionName, maxAnswer)
	}
	var a answer
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("scfapi: invoke %s: HTTP %d, an answer that is not the API's JSON: %w", in.FunctionName, resp.StatusCode, err)
	}
	if e := a.Response.Error; e != nil || resp.StatusCode != http.StatusOK {
		ae := &APIError{RequestID: a.Response.RequestID, Status: resp.StatusCode}
		if e != nil {
			ae.Code, ae.Message = clip.String(e.Code, 100), clip.String(e.Message, 400)
		}
		return nil, ae
	}
	out := &InvokeOutput{RequestID: a.Response.RequestID}
	if a.Response.Result != nil {
		out.FunctionRequestID = a.Response.Result.FunctionRequestID
	}
	return out, nil
}
