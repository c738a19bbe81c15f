package ciemu

import (
	"net"
	"net/http"
	"strings"
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
	if !validRegion(region) {
		return "", bad("region " + region + " is malformed")
	}
	if why := bucketProblem(bucket); why != "" {
		return "", bad(why)
	}
	return bucket, nil
}

// bucketProblem says what is wrong with a BucketName-APPID, or "". The
// custom name may itself contain '-', so the APPID is the last segment.
func bucketProblem(bucket string) string {
	if len(bucket) > 63 {
		return "bucket is longer than a DNS label (63)"
	}
	i := strings.LastIndexByte(bucket, '-')
	if i <= 0 {
		return "bucket " + bucket + " has no -APPID suffix"
	}
	name, appID := bucket[:i], bucket[i+1:]
	if appID == "" || strings.Trim(appID, "0123456789") != "" {
		return "bucket " + bucket + ": APPID " + appID + " is not all digits"
	}
	if strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") {
		return "bucket name " + name + " starts or ends with '-'"
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "bucket name " + name + " has a character other than a-z, 0-9 and '-'"
		}
	}
	return ""
}

// validRegion accepts region names such as ap-guangzhou or na-siliconvalley:
// lower-case letters and digits in '-'-separated parts, at least two.
func validRegion(r string) bool {
	parts := strings.Split(r, "-")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		for _, c := range p {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
				return false
			}
		}
	}
	return true
}
