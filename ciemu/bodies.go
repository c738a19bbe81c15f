package ciemu

import (
	"net/http"
	"strconv"
	"strings"
)

// The emulator keeps the bodies of small objects, so that a caller keeping
// its state in the bucket (GET and PUT Object) can be tested, while the
// big soaks, which seed millions of objects without bodies, stay as light
// as before: a body over maxKeptBody, or one that would take all the kept
// bodies over maxBodyBytes, is not kept (GET Object answers 501 for it).
const (
	maxKeptBody  = 1 << 20  // more than cosclient reads, so a test can see it refuse
	maxBodyBytes = 16 << 20 // over all buckets
)

// objectBody is what GET Object answers for one object.
type objectBody struct {
	data        []byte
	contentType string
	crc         uint64 // CRC-64/ECMA, as x-cos-hash-crc64ecma
}

// len is the body's length, 0 for none.
func (b *objectBody) len() int64 {
	if b == nil {
		return 0
	}
	return int64(len(b.data))
}

// answer sets GET Object's headers for o, whose body b is.
func (b *objectBody) answer(h http.Header, o object) {
	contentType := b.contentType
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h.Set("Content-Type", contentType)
	h.Set("ETag", o.etag)
	h.Set("Last-Modified", o.modified.UTC().Format(http.TimeFormat))
	h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(b.crc, 10))
}

// keptBody collects a request body while it stays within maxKeptBody.
type keptBody struct {
	data []byte
	over bool
}

// newKeptBody is ready to collect r's body; one announced as too long is
// not collected at all.
func newKeptBody(r *http.Request) *keptBody {
	return &keptBody{over: r.ContentLength > maxKeptBody}
}

// Write implements io.Writer; it never fails.
func (k *keptBody) Write(p []byte) (int, error) {
	switch {
	case k.over:
	case len(k.data)+len(p) > maxKeptBody:
		k.over, k.data = true, nil
	default:
		k.data = append(k.data, p...)
	}
	return len(p), nil
}

// body is what to keep of the object r carried, whose CRC-64 is crc: nil
// when it was too long.
func (k *keptBody) body(r *http.Request, crc uint64) *objectBody {
	if k.over {
		return nil
	}
	return &objectBody{data: k.data, contentType: r.Header.Get("Content-Type"), crc: crc}
}

// forbidOverwrite reads x-cos-forbid-overwrite: "true" makes a PUT Object
// an exclusive create, "false" or no header a plain one (either case, as
// OSS reads its header of the same name). Any other value is refused
// rather than guessed at.
func forbidOverwrite(h http.Header) (bool, *apiError) {
	switch v := h.Get("x-cos-forbid-overwrite"); strings.ToLower(v) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, invalidArgument("x-cos-forbid-overwrite", "%q is not true or false", v)
	}
}
