package cosclient

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc64"
	"net/http"
	"strconv"
	"time"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// GetObject reads one small object whole (COS GET Object, GET /<key> on
// the bucket's COS host, signed like CI calls; API reference 436/7753). It
// is meant for state objects: a body over MaxObjectBodyLen is an error
// wrapping ErrAnswerTooLarge, and no more than that is ever buffered. A
// key the bucket does not hold (404 NoSuchKey) is a *NotFoundError with
// Resource "object"; a missing bucket stays COS's *APIError. It needs the
// CAM action cos:GetObject.
func (c *Client) GetObject(ctx context.Context, params *GetObjectInput, optFns ...func(*Options)) (*GetObjectOutput, error) {
	return invoke(ctx, c, &opGetObject, params, optFns)
}

// GetObjectInput names the object to read.
type GetObjectInput struct {
	// Key is the object key. It travels as the path, percent-encoded;
	// besides the object-key rule (ValidateObjectKey) it may not hold '.'
	// or '..' segments nor empty ones, which a path normalizer would
	// resolve to another object.
	Key string
}

// GetObjectOutput is an object as GET Object answered it.
type GetObjectOutput struct {
	Body        []byte
	ContentType string
	// ETag is the entity tag as COS writes it, quoted. It is the body's
	// MD5 for a plain PUT, but COS does not promise that (encryption,
	// multipart uploads).
	ETag         string
	LastModified time.Time // zero when the answer had none
	// VersionID is x-cos-version-id: set when the bucket keeps versions.
	VersionID string
	OutputMetadata
}

// Validate checks the input before it is sent.
func (in *GetObjectInput) Validate() error {
	v := newChecks("GetObjectInput")
	v.add(checkPathKey("key", in.Key))
	return v.err()
}

// Object answer headers, canonical.
const (
	hdrETag      = "Etag"
	hdrVersionID = "X-Cos-Version-Id"
	hdrCRC64     = "X-Cos-Hash-Crc64ecma"
)

// codeNoSuchKey is COS's error code for a key the bucket does not hold.
const codeNoSuchKey = "NoSuchKey"

// crc64Table is COS's object checksum, CRC-64/ECMA (x-cos-hash-crc64ecma).
var crc64Table = crc64.MakeTable(crc64.ECMA)

var opGetObject = operation[*GetObjectInput, *GetObjectOutput]{
	name:      "GetObject",
	service:   ServiceCOS,
	newInput:  newOf[GetObjectInput],
	newOutput: newOf[GetObjectOutput],
	// A state object is JSON, not XML: only its length is bounded (its
	// element bound is as large, so a '<' in a value never trips it).
	bounds: func(*GetObjectInput) answerBounds { return oneBounds(MaxObjectBodyLen, MaxObjectBodyLen) },
	serialize: func(in *GetObjectInput, req *smithyhttp.Request) (*smithyhttp.Request, error) {
		req.Method = http.MethodGet
		req.URL.Path = "/" + in.Key // escaped by net/url, signed as it is
		return req, nil
	},
	decode: func(_ *GetObjectInput, body []byte, out *GetObjectOutput) error {
		out.Body = bytes.Clone(body) // body is a pooled buffer
		return nil
	},
	decodeHeader: func(h http.Header, out *GetObjectOutput) error {
		out.ContentType, out.ETag, out.VersionID = h.Get("Content-Type"), h.Get(hdrETag), h.Get(hdrVersionID)
		if lm := h.Get("Last-Modified"); lm != "" {
			t, err := http.ParseTime(lm)
			if err != nil {
				return fmt.Errorf("Last-Modified %q: %w", lm, err)
			}
			out.LastModified = t
		}
		// COS answers the object's CRC-64 when it has one: a body that
		// does not match it was damaged on the way.
		if v := h.Get(hdrCRC64); v != "" {
			want, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%s %q: %w", hdrCRC64, v, err)
			}
			if got := crc64.Checksum(out.Body, crc64Table); got != want {
				return fmt.Errorf("body CRC-64 %d, the answer says %d", got, want)
			}
		}
		return nil
	},
	notFound: func(in *GetObjectInput, ae *APIError) *NotFoundError {
		if ae.Code != codeNoSuchKey {
			return nil
		}
		return &NotFoundError{Resource: "object", ID: in.Key}
	},
}
