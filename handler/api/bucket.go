package api

import (
	"log/slog"

	"github.com/cosflow/cosflow/cosclient"
)

// Target is the bucket and region a CI call works on. As a query names it
// (ListJobsInput, ListRunsInput), empty fields take the configured
// defaults; resolveBucket fills them in.
type Target struct {
	Bucket, Region string
}

// Options send a call to the target's bucket and region, its attempt
// lines to log: how every call of the API and of package handler goes out.
func (t Target) Options(log *slog.Logger) []func(*cosclient.Options) {
	return []func(*cosclient.Options){cosclient.WithBucket(t.Bucket, t.Region), cosclient.WithLogger(log)}
}

// resolveBucket takes the request's bucket and region, each defaulting to
// the configured one; values given in the request were validated already.
func (a *api) resolveBucket(bucket, region string) (Target, *apiError) {
	if bucket == "" {
		bucket = a.opts.Bucket
	}
	if region == "" {
		region = a.opts.Region
	}
	switch {
	case bucket == "":
		return Target{}, invalid("bucket", "is required (no default bucket is configured)")
	case region == "":
		return Target{}, invalid("region", "is required (no default region is configured)")
	}
	// Configured defaults are checked too: a bad default must not reach CI.
	for _, check := range []struct {
		field string
		err   error
	}{{"bucket", cosclient.ValidateBucket(bucket)}, {"region", cosclient.ValidateRegion(region)}} {
		if check.err != nil {
			return Target{}, fromFieldError(fieldErr(check.err))
		}
	}
	return Target{Bucket: bucket, Region: region}, nil
}
