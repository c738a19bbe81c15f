package api

import (
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/model"
)

// resolveBucket is the request's target, each of bucket and region
// defaulting to the configured one; values given in the request were
// validated already.
func (a *api) resolveBucket(t model.Target) (model.Target, *apiError) {
	t = t.Or(model.Target{Bucket: a.opts.Bucket, Region: a.opts.Region})
	switch {
	case t.Bucket == "":
		return model.Target{}, invalid("bucket", "is required (no default bucket is configured)")
	case t.Region == "":
		return model.Target{}, invalid("region", "is required (no default region is configured)")
	}
	// Configured defaults are checked too: a bad default must not reach CI.
	for _, check := range []struct {
		field string
		err   error
	}{{"bucket", cosclient.ValidateBucket(t.Bucket)}, {"region", cosclient.ValidateRegion(t.Region)}} {
		if check.err != nil {
			return model.Target{}, fromFieldError(model.FieldError(check.err))
		}
	}
	return t, nil
}
