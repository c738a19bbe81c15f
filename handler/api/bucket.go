package api

import (
	"errors"

	"github.com/cosflow/cosflow/cosclient"
)

// bucketTarget is the bucket and region one request works on.
type bucketTarget struct {
	bucket, region string
}

// option sends a call to the target's bucket and region.
func (t bucketTarget) option() cosclient.CallOption {
	return cosclient.WithBucket(t.bucket, t.region)
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
	if err := cosclient.ValidateBucket(bucket); err != nil {
		return bucketTarget{}, invalid("bucket", reasonOf(err))
	}
	if err := cosclient.ValidateRegion(region); err != nil {
		return bucketTarget{}, invalid("region", reasonOf(err))
	}
	return bucketTarget{bucket: bucket, region: region}, nil
}

// reasonOf is the explanation of a cosclient validator's failure.
func reasonOf(err error) string {
	var ve *cosclient.ValidationError
	if errors.As(err, &ve) {
		return ve.Reason
	}
	return err.Error()
}
