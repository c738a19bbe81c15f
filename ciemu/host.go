package ciemu

import (
	"net"
	"net/http"
	"strings"

	"github.com/cosflow/cosflow/cosclient"
)

// ciHostSuffix ends every CI host: <BucketName-APPID>.ci.<Region>.myqcloud.com.
const ciHostSuffix = ".myqcloud.com"

// bucketFromHost returns the bucket named by a CI Host header. The bucket
// comes only from the host, as on the real service.
func bucketFromHost(host string) (bucket string, err *apiError) {
	h := strings.ToLower(host)
	if hh, _, splitErr := net.SplitHostPort(h); splitErr == nil {
		h = hh
	}
	bad := func(why string) *apiError {
		return errorf(http.StatusBadRequest, "InvalidHost",
			"host %q is not <BucketName-APPID>.ci.<Region>.myqcloud.com: %s", host, why)
	}
	if !strings.HasSuffix(h, ciHostSuffix) {
		return "", bad("it does not end in " + ciHostSuffix)
	}
	rest := strings.TrimSuffix(h, ciHostSuffix)
	bucket, region, ok := strings.Cut(rest, ".ci.")
	if !ok {
		return "", bad("no .ci. service label")
	}
	if err := cosclient.ValidateRegion(region); err != nil {
		return "", bad(err.Error())
	}
	if err := cosclient.ValidateBucket(bucket); err != nil {
		return "", bad(err.Error())
	}
	return bucket, nil
}
