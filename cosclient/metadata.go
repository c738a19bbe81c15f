package cosclient

import "github.com/aws/smithy-go/middleware"

// Result metadata keys, in the spirit of aws-sdk-go-v2's request-ID
// metadata: the middlewares record, callers read through the getters.
type (
	requestIDKey struct{}
	attemptsKey  struct{}
	statusKey    struct{} // the answer's HTTP status, for the attempt log
)

// GetRequestIDMetadata returns CI's request ID (x-ci-request-id, else the
// body's RequestId) from an output's ResultMetadata.
func GetRequestIDMetadata(md middleware.Metadata) (string, bool) {
	v, ok := md.Get(requestIDKey{}).(string)
	return v, ok && v != ""
}

// GetAttemptsMetadata returns how many attempts a call made (1 when the
// first succeeded) from an output's ResultMetadata.
func GetAttemptsMetadata(md middleware.Metadata) (int, bool) {
	v, ok := md.Get(attemptsKey{}).(int)
	return v, ok
}

func setRequestIDMetadata(md *middleware.Metadata, id string) { md.Set(requestIDKey{}, id) }

func setAttemptsMetadata(md *middleware.Metadata, n int) { md.Set(attemptsKey{}, n) }
