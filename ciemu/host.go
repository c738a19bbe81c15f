package ciemu

import (
	"net"
	"net/http"
	"strings"

	"github.com/cosflow/cosflow/cosclient"
)

// hostSuffix ends every CI and COS host:
// <BucketName-APPID>.<ci|cos>.<Region>.myqcloud.com.
const hostSuffix = ".myqcloud.com"

// bucketFromHost returns the bucket a Host header names and the service
// it names it at: cosclient.ServiceCI for the .ci. label, ServiceCOS for
// .cos. The bucket comes only from the host, as on the real services.
func bucketFromHost(host string) (bucket, service string, err *apiError) {
	h := strings.ToLower(host)
	if hh, _, splitErr := net.SplitHostPort(h); splitErr == nil {
		h = hh
	}
	bad := func(why string) *apiError {
		return errorf(http.StatusBadRequest, "InvalidHost",
			"host %q is not <BucketName-APPID>.ci.<Region>.myqcloud.com (or .cos. for the bucket): %s", host, why)
	}
	if !strings.HasSuffix(h, hostSuffix) {
		return "", "", bad("it does not end in " + hostSuffix)
	}
	// A bucket name holds no '.', so the first two labels are the bucket
	// and the service.
	bucket, rest, _ := strings.Cut(strings.TrimSuffix(h, hostSuffix), ".")
	label, region, _ := strings.Cut(rest, ".")
	switch label {
	case "ci":
		service = cosclient.ServiceCI
	case "cos":
		service = cosclient.ServiceCOS
	default:
		return "", "", bad("no .ci. or .cos. service label")
	}
	if err := cosclient.ValidateRegion(region); err != nil {
		return "", "", bad(err.Error())
	}
	if err := cosclient.ValidateBucket(bucket); err != nil {
		return "", "", bad(err.Error())
	}
	return bucket, service, nil
}

// idHeaders names the request-ID and trace-ID headers of a service's
// answers: CI answers with x-ci-*, COS with x-cos-*. An invalid host gets
// CI's.
func idHeaders(service string) (requestID, traceID string) {
	if service == cosclient.ServiceCOS {
		return "x-cos-request-id", "x-cos-trace-id"
	}
	return "x-ci-request-id", "x-ci-trace-id"
}
