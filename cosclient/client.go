// Package cosclient is a client for the CI (Cloud Infinite) batch API: one
// method per operation, each run through a smithy-go middleware stack
// (validate, serialize, retry, sign, send, deserialize).
package cosclient

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// CONTRACT STUB: the exported names below are the API other packages build
// against. The implementation replaces the bodies; the names stay.

// Credentials are what a request is signed with.
type Credentials struct {
	SecretID     string
	SecretKey    string
	SessionToken string // temporary credentials only; sent as x-cos-security-token
}

// CredentialsProvider yields the credentials for one request. It is asked
// at every attempt, because SCF rotates temporary credentials between calls.
type CredentialsProvider interface {
	Credentials(ctx context.Context) (Credentials, error)
}

// StaticCredentials always yields the same credentials.
type StaticCredentials Credentials

// Credentials implements CredentialsProvider.
func (s StaticCredentials) Credentials(context.Context) (Credentials, error) {
	return Credentials(s), nil
}

// EnvCredentials reads TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY and
// TENCENTCLOUD_SESSIONTOKEN from the environment at every request.
type EnvCredentials struct{}

// Credentials implements CredentialsProvider.
func (EnvCredentials) Credentials(context.Context) (Credentials, error) {
	return Credentials{}, errNotImplemented
}

// RetryOptions tune retries. Zero values take the defaults.
type RetryOptions struct {
	MaxAttempts int           // per call, first attempt included; default 4
	BaseDelay   time.Duration // first backoff; default 100ms
	MaxDelay    time.Duration // backoff cap; default 5s
	// Budget is the retry token bucket's capacity: each retry spends
	// tokens, each success returns some. Default 500 (as the AWS SDKs).
	Budget int
}

// Options configure a Client. Bucket and Region are defaults that a call
// can override (WithBucket), since upload events carry their own.
type Options struct {
	Region      string // e.g. ap-guangzhou
	Bucket      string // BucketName-APPID
	Credentials CredentialsProvider
	// Endpoint, when set (e.g. http://127.0.0.1:9100), is where connections
	// go; the URL host and Host header stay <bucket>.ci.<region>.myqcloud.com.
	Endpoint   string
	HTTPClient *http.Client
	Retry      RetryOptions
	Logger     *slog.Logger
}

// Client calls the CI batch API. It is safe for concurrent use.
type Client struct {
	opts Options
}

// New returns a Client, or an error naming the option that is wrong.
func New(opts Options) (*Client, error) {
	return &Client{opts: opts}, nil
}

// CallOption adjusts one call.
type CallOption func(*Options)

// WithBucket sends one call to another bucket and region.
func WithBucket(bucket, region string) CallOption {
	return func(o *Options) { o.Bucket, o.Region = bucket, region }
}

var errNotImplemented = errors.New("not implemented")

// TriggerWorkflow runs a workflow for one object.
func (c *Client) TriggerWorkflow(ctx context.Context, in *TriggerWorkflowInput, opts ...CallOption) (*TriggerWorkflowOutput, error) {
	return nil, errNotImplemented
}

// CreateInventoryTriggerJob starts a batch job over many objects.
func (c *Client) CreateInventoryTriggerJob(ctx context.Context, in *CreateInventoryTriggerJobInput, opts ...CallOption) (*CreateInventoryTriggerJobOutput, error) {
	return nil, errNotImplemented
}

// DescribeInventoryTriggerJobs lists one page of jobs.
func (c *Client) DescribeInventoryTriggerJobs(ctx context.Context, in *DescribeInventoryTriggerJobsInput, opts ...CallOption) (*DescribeInventoryTriggerJobsOutput, error) {
	return nil, errNotImplemented
}

// DescribeInventoryTriggerJob reads one job; an unknown ID is a *NotFoundError.
func (c *Client) DescribeInventoryTriggerJob(ctx context.Context, in *DescribeInventoryTriggerJobInput, opts ...CallOption) (*DescribeInventoryTriggerJobOutput, error) {
	return nil, errNotImplemented
}

// CancelInventoryTriggerJob cancels one job.
func (c *Client) CancelInventoryTriggerJob(ctx context.Context, in *CancelInventoryTriggerJobInput, opts ...CallOption) (*CancelInventoryTriggerJobOutput, error) {
	return nil, errNotImplemented
}
