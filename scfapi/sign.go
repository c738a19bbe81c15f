package scfapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// TencentCloud API 3.0 requests are signed with TC3-HMAC-SHA256
// (tencentcloud.com/document/api/583/17243, "Signature v3"; the official
// Go SDK's tencentcloud/common client.go, sendWithSignatureV3, signs the
// same way): a canonical request of the method, "/", the empty query, the
// content-type and host headers and the body's SHA-256; a string to sign
// of the algorithm, the timestamp, the scope date/service/tc3_request and
// the canonical request's SHA-256; a key derived from "TC3"+SecretKey by
// HMAC over the date, the service and "tc3_request".

// Algorithm is the signature algorithm of the Authorization header.
const Algorithm = "TC3-HMAC-SHA256"

// signedHeaders are the headers the canonical request holds.
const signedHeaders = "content-type;host"

// Signature computes the TC3 signature of a POST of body with the given
// content type to host, for service, at unix time ts, with secretKey. It
// is exported for the test server (scfapitest), which checks what a client
// sent against it.
func Signature(secretKey, service, host, contentType string, body []byte, ts int64) string {
	date := time.Unix(ts, 0).UTC().Format(time.DateOnly)
	canonical := "POST\n/\n\ncontent-type:" + contentType + "\nhost:" + host + "\n\n" + signedHeaders + "\n" + sha256Hex(body)
	toSign := Algorithm + "\n" + strconv.FormatInt(ts, 10) + "\n" + Scope(date, service) + "\n" + sha256Hex([]byte(canonical))
	key := hmacSHA256([]byte("TC3"+secretKey), date)
	key = hmacSHA256(key, service)
	key = hmacSHA256(key, "tc3_request")
	return hex.EncodeToString(hmacSHA256(key, toSign))
}

// Scope is a signature's credential scope: date/service/tc3_request.
func Scope(date, service string) string { return date + "/" + service + "/tc3_request" }

// sign sets req's X-TC-Timestamp, X-TC-Token (temporary credentials) and
// Authorization for body at ts.
func sign(req *http.Request, creds cosclient.Credentials, service string, body []byte, ts int64) {
	h := req.Header
	h.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	if creds.SessionToken != "" {
		h.Set("X-TC-Token", creds.SessionToken)
	}
	date := time.Unix(ts, 0).UTC().Format(time.DateOnly)
	sig := Signature(creds.SecretKey, service, req.Host, h.Get("Content-Type"), body, ts)
	h.Set("Authorization", Algorithm+" Credential="+creds.SecretID+"/"+Scope(date, service)+
		", SignedHeaders="+signedHeaders+", Signature="+sig)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
