package cosclient

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"github.com/aws/smithy-go/middleware"
)

// RetryOptions tune retries. Zero values take the defaults.
type RetryOptions struct {
	// MaxAttempts bounds a call's attempts, the first included; default
	// 4. While the Client paces (PacingOptions), a call with a deadline
	// that CI throttles is retried past it at the paced rate, until the
	// next send slot would come after the deadline (ErrPacedPastDeadline),
	// and those attempts are not counted against it for the call's other
	// failures; a MaxAttempts of 1 still means no retry.
	MaxAttempts int
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

// Defaults of the time and page bounds, as documented on Options.
const (
	// DefaultResponseHeaderTimeout: CI and COS answer a call in well under
	// a second; 30 s allows a slow service and still ends a hung attempt
	// (and so an operator's 60 s command) in time.
	DefaultResponseHeaderTimeout = 30 * time.Second
	// DefaultIdleBodyTimeout: once an answer has begun, its bytes follow
	// at once; 15 s without one is a stall.
	DefaultIdleBodyTimeout = 15 * time.Second
	// DefaultMaxPages is 1,000 pages: 100,000 jobs or runs, or 1,000,000
	// keys of a bucket listing.
	DefaultMaxPages = 1000
)

// PacingOptions tune how a Client paces its calls. The zero value paces:
// when CI throttles, every call of the Client slows down (see pacing.go).
type PacingOptions struct {
	// Disabled sends every attempt at once whatever CI answers, and
	// charges a retry after a throttle to the retry budget like any other
	// retry (the benchmarks' baseline).
	Disabled bool
	// MaxInFlight bounds the attempts in flight at once over all calls of
	// the Client, counting those waiting for their send token (an attempt
	// waiting for its backoff holds no place).
	// Zero takes DefaultMaxInFlight; negative means no bound.
	MaxInFlight int
}

// Options configure a Client. Bucket, Region, Credentials, Retry, Logger,
// the timeouts, MaxPages and APIOptions can also be changed for one call
// (see WithBucket, WithLogger, WithMaxPages); Endpoint, HTTPClient and
// Pacing are the Client's.
type Options struct {
	// Region and Bucket name the default bucket (BucketName-APPID) and its
	// region; a call can name another (WithBucket), since upload events
	// carry their own.
	Region string
	Bucket string
	// Credentials are asked for at every attempt (SCF rotates them).
	Credentials CredentialsProvider
	// Endpoint, when set (e.g. http://127.0.0.1:9100), is where connections
	// go; the URL host and Host header stay the bucket's virtual host
	// (<bucket>.ci.<region>.myqcloud.com, or .cos. for bucket listings).
	Endpoint   string
	HTTPClient *http.Client
	Retry      RetryOptions
	// ResponseHeaderTimeout bounds each attempt from its start until the
	// answer's status and headers arrive; IdleBodyTimeout bounds the wait
	// for each next byte of the answer's body. Either ends the attempt
	// with a *TimeoutError (see Classify); the caller's context still
	// bounds the whole call. Zero takes DefaultResponseHeaderTimeout and
	// DefaultIdleBodyTimeout.
	ResponseHeaderTimeout time.Duration
	IdleBodyTimeout       time.Duration
	// MaxPages is the most pages a paginator reads before it stops with a
	// *ListingCutShortError; zero takes DefaultMaxPages.
	MaxPages int
	// Pacing is shared by all calls of the Client: one send rate per
	// service, one bound on attempts in flight.
	Pacing PacingOptions
	// Logger receives one debug line per attempt; nil discards them.
	Logger *slog.Logger
	// APIOptions edit each call's middleware stack after the client built
	// it, e.g. to add a step of the caller's own.
	APIOptions []func(*middleware.Stack) error
}

// Client calls the CI batch API (and the COS bucket listing it builds on).
// It is safe for concurrent use; every call builds its own middleware
// stack.
type Client struct {
	options Options
	scheme  string // https, or the endpoint override's scheme
	// ciHost and cosHost are the default bucket's virtual hosts.
	ciHost, cosHost string
	http            *http.Client
	budget          *retryBudget
	pacer           *pacer
	// clockOffset (nanoseconds) is added to the local clock when signing;
	// it is learnt from the Date of a RequestTimeTooSkewed answer.
	clockOffset atomic.Int64
	// jitter returns a random duration in [0, d]; tests replace it.
	jitter func(d time.Duration) time.Duration
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
		return nil, errors.New("cosclient: option Credentials: a provider is required (StaticCredentials, EnvCredentials, ...)")
	}
	if err := opts.resolve(); err != nil {
		return nil, err
	}
	if opts.Pacing.MaxInFlight == 0 {
		opts.Pacing.MaxInFlight = DefaultMaxInFlight
	}
	c := &Client{scheme: "https", jitter: fullJitter}
	c.http = defaultHTTPClient()
	if opts.HTTPClient != nil {
		// A copy that never follows a redirect either: CI does not
		// redirect, and a followed 3xx would re-send the call, signed,
		// elsewhere (a TriggerWorkflow twice).
		hc := *opts.HTTPClient
		hc.CheckRedirect = noRedirects
		c.http = &hc
	}
	if opts.Endpoint != "" {
		if err := ValidateEndpoint(opts.Endpoint); err != nil {
			return nil, fmt.Errorf("cosclient: option Endpoint: %w", err)
		}
		u, _ := url.Parse(opts.Endpoint) // ValidateEndpoint parsed it
		c.scheme = u.Scheme
		c.http = redirectClient(c.http, u)
	}
	opts.APIOptions = slices.Clone(opts.APIOptions)
	c.options = opts
	if opts.Bucket != "" {
		c.ciHost = virtualHost(ServiceCI, opts.Bucket, opts.Region)
		c.cosHost = virtualHost(ServiceCOS, opts.Bucket, opts.Region)
	}
	c.budget = newRetryBudget(opts.Retry.Budget)
	c.pacer = newPacer(opts.Pacing, time.Now)
	return c, nil
}

// resolve checks the options a call can change and fills in their
// defaults.
func (o *Options) resolve() error {
	for _, err := range [...]error{
		orDefault("ResponseHeaderTimeout", &o.ResponseHeaderTimeout, DefaultResponseHeaderTimeout),
		orDefault("IdleBodyTimeout", &o.IdleBodyTimeout, DefaultIdleBodyTimeout),
		orDefault("MaxPages", &o.MaxPages, DefaultMaxPages),
	} {
		if err != nil {
			return err
		}
	}
	return o.Retry.resolve()
}

// orDefault sets the option *v, named name, to def when it is zero, and
// refuses it negative.
func orDefault[T ~int | ~int64](name string, v *T, def T) error {
	switch {
	case *v < 0:
		return fmt.Errorf("cosclient: option %s: %v is negative", name, *v)
	case *v == 0:
		*v = def
	}
	return nil
}

// resolve checks r and fills in the defaults.
func (r *RetryOptions) resolve() error {
	switch {
	case r.MaxAttempts < 0:
		return fmt.Errorf("cosclient: option Retry.MaxAttempts: %d is negative", r.MaxAttempts)
	case r.BaseDelay < 0:
		return fmt.Errorf("cosclient: option Retry.BaseDelay: %v is negative", r.BaseDelay)
	case r.MaxDelay < 0:
		return fmt.Errorf("cosclient: option Retry.MaxDelay: %v is negative", r.MaxDelay)
	case r.Budget < 0:
		return fmt.Errorf("cosclient: option Retry.Budget: %d is negative", r.Budget)
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
		return fmt.Errorf("cosclient: option Retry.MaxDelay: %v is below BaseDelay %v", r.MaxDelay, r.BaseDelay)
	}
	if r.Budget == 0 {
		r.Budget = DefaultRetryBudget
	}
	return nil
}

// Options returns a copy of the client's options.
func (c *Client) Options() Options {
	o := c.options
	o.APIOptions = slices.Clone(o.APIOptions)
	return o
}

// WithBucket sends one call to another bucket and region.
func WithBucket(bucket, region string) func(*Options) {
	return func(o *Options) { o.Bucket, o.Region = bucket, region }
}

// WithLogger sends one call's attempt lines to l, e.g. a logger carrying
// the caller's request ID.
func WithLogger(l *slog.Logger) func(*Options) {
	return func(o *Options) { o.Logger = l }
}

// WithMaxPages lets one paginator read up to n pages (see
// Options.MaxPages).
func WithMaxPages(n int) func(*Options) {
	return func(o *Options) { o.MaxPages = n }
}

// Services, as smithy.OperationError names them.
const (
	ServiceCI  = "CI"
	ServiceCOS = "COS"
)

// virtualHost is the host that names a bucket at a service: CI for the
// batch API, COS for bucket listings.
func virtualHost(service, bucket, region string) string {
	label := ".ci."
	if service == ServiceCOS {
		label = ".cos."
	}
	return bucket + label + region + ".myqcloud.com"
}

// host is the virtual host of a bucket at a service, the default bucket's
// made once.
func (c *Client) host(service, bucket, region string) string {
	if bucket == c.options.Bucket && region == c.options.Region && bucket != "" {
		if service == ServiceCOS {
			return c.cosHost
		}
		return c.ciHost
	}
	return virtualHost(service, bucket, region)
}

// now is the local clock corrected by what the service told us of its own.
func (c *Client) now() time.Time {
	return time.Now().Add(time.Duration(c.clockOffset.Load()))
}
