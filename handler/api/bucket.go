package api

import (
	"log/slog"

	"github.com/cosflow/cosflow/cosclient"
)

// bucketTarget is the bucket and region one request works on.
type bucketTarget struct {
	bucket, region string
}

// options send a call to the target's bucket and region, its attempt lines
// to log.
func (t bucketTarget) options(log *slog.Logger) []func(*cosclient.Options) {
	return []func(*cosclient.Options){cosclient.WithBucket(t.bucket, t.region), cosclient.WithLogger(log)}
}

// resolveBucket takes the request's bucket and region, each defaulting to
// the configured one; values given in the request were validated already.
func (a *api) resolveBucket(bucket, region string) (bucketTarget, *apiError) {
	if bucket == "" {
		bucket = a.opts.Bucket
	}
	if region == "" {
		region = a.opts.Region
	}
	switch {
	case bucket == "":
		return bucketTarget{}, invalid("bucket", "is required (no default bucket is configured)")
	case region == "":
		return bucketTarget{}, invalid("region", "is required (no default region is configured)")
	}
	// Configured defaults are checked too: a bad default must not reach CI.
	for _, check := range []struct {
		field string
		err   error
	}{{"bucket", cosclient.ValidateBucket(bucket)}, {"region", cosclient.ValidateRegion(region)}} {
		if check.err != nil {
			return bucketTarget{}, fromFieldError(fieldErr(check.err))
		}
	}
	return bucketTarget{bucket: bucket, region: region}, nil
}
