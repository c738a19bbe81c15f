// Package cosclient is a client for the CI (Cloud Infinite) batch API: one
// method per operation, each run through a smithy-go middleware stack
// (validate, serialize, retry, sign, send, deserialize).
package cosclient

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// RetryOptions tune retries. Zero values take the defaults.
type RetryOptions struct {
	MaxAttempts int           // per call, first attempt included; default 4
	BaseDelay   time.Duration // first backoff; default 100ms
	MaxDelay    time.Duration // backoff cap; default 5s
	// Budget is the retry token bucket's capacity: each retry spends
	// tokens, each success returns some. Default 500 (as the AWS SDKs).
	Budget int
}

// Retry defaults, as documented on RetryOptions.
const (
	DefaultMaxAttempts = 4
	DefaultBaseDelay   = 100 * time.Millisecond
	DefaultMaxDelay    = 5 * time.Second
	DefaultRetryBudget = 500
)

// Options configure a Client. Bucket and Region are defaults that a call
// can override (WithBucket), since upload events carry their own.
type Options struct {
	Region      string // default region, e.g. ap-guangzhou; required with Bucket
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
	opts   Options
	scheme string // https, or the endpoint override's scheme
	host   string // virtual host of the default bucket and region
	http   *http.Client
	logger *slog.Logger
	budget *retryBudget
	// clockOffset (nanoseconds) is added to the local clock when signing;
	// it is learnt from the Date of a RequestTimeTooSkewed answer.
	clockOffset atomic.Int64
	// jitter returns a random duration in [0, d]; tests replace it.
	jitter func(d time.Duration) time.Duration

	ops [numOps]operation
}

// New returns a Client, or an error naming the option that is wrong.
func New(opts Options) (*Client, error) {
	// Defaults are optional: a client can serve calls that each name their
	// bucket and region (WithBucket). A default bucket needs its region.
	if opts.Region != "" || opts.Bucket != "" {
		if err := ValidateRegion(opts.Region); err != nil {
			return nil, fmt.Errorf("cosclient: option Region: %w", err)
		}
	}
	if opts.Bucket != "" {
		if err := ValidateBucket(opts.Bucket); err != nil {
			return nil, fmt.Errorf("cosclient: option Bucket: %w", err)
		}
	}
	if opts.Credentials == nil {
		return nil, errors.New("cosclient: option Credentials: a provider is required (StaticCredentials or EnvCredentials)")
	}
	r := &opts.Retry
	switch {
	case r.MaxAttempts < 0:
		return nil, fmt.Errorf("cosclient: option Retry.MaxAttempts: %d is negative", r.MaxAttempts)
	case r.BaseDelay < 0:
		return nil, fmt.Errorf("cosclient: option Retry.BaseDelay: %v is negative", r.BaseDelay)
	case r.MaxDelay < 0:
		return nil, fmt.Errorf("cosclient: option Retry.MaxDelay: %v is negative", r.MaxDelay)
	case r.Budget < 0:
		return nil, fmt.Errorf("cosclient: option Retry.Budget: %d is negative", r.Budget)
	}
	if r.MaxAttempts == 0 {
		r.MaxAttempts = DefaultMaxAttempts
	}
	if r.BaseDelay == 0 {
		r.BaseDelay = DefaultBaseDelay
	}
	if r.MaxDelay == 0 {
		r.MaxDelay = DefaultMaxDelay
	}
	if r.MaxDelay < r.BaseDelay {
		return nil, fmt.Errorf("cosclient: option Retry.MaxDelay: %v is below BaseDelay %v", r.MaxDelay, r.BaseDelay)
	}
	if r.Budget == 0 {
		r.Budget = DefaultRetryBudget
	}

	c := &Client{opts: opts, scheme: "https", logger: opts.Logger, jitter: fullJitter}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	c.http = opts.HTTPClient
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	if opts.Endpoint != "" {
		u, err := url.Parse(opts.Endpoint)
		if err != nil {
			return nil, fmt.Errorf("cosclient: option Endpoint: %w", err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("cosclient: option Endpoint: %q is not http(s)://host[:port]", opts.Endpoint)
		}
		c.scheme = u.Scheme
		c.http = redirectClient(c.http, u)
	}
	if opts.Bucket != "" {
		c.host = virtualHost(opts.Bucket, opts.Region)
	}
	c.budget = newRetryBudget(r.Budget)
	c.initOperations()
	return c, nil
}

// CallOption adjusts one call.
type CallOption func(*Options)

// WithBucket sends one call to another bucket and region.
func WithBucket(bucket, region string) CallOption {
	return func(o *Options) { o.Bucket, o.Region = bucket, region }
}

// virtualHost is the CI host that identifies a bucket.
func virtualHost(bucket, region string) string {
	return bucket + ".ci." + region + ".myqcloud.com"
}

// now is the local clock corrected by what the service told us of its own.
func (c *Client) now() time.Time {
	return time.Now().Add(time.Duration(c.clockOffset.Load()))
}
