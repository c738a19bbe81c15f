package events

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cosflow/cosflow/internal/clip"
)

// MaxKeyBytes is the longest object key COS accepts, in bytes of UTF-8.
const MaxKeyBytes = 850

// ObjectRef is a COS record resolved to what a CI call needs.
type ObjectRef struct {
	// Bucket is "<name>-<appid>", e.g. "examplebucket-1250000000".
	Bucket string
	// Region is the full region name, e.g. "ap-guangzhou".
	Region string
	// Key is the decoded object key, without a leading "/<appid>/<bucket>/".
	Key string
	// Size is the object size in bytes.
	Size int64
	// ETag is the object's ETag with its surrounding quotes stripped.
	ETag string
	// VersionID is the object version, empty when versioning is off.
	VersionID string
	// EventName is the concrete event, e.g. "cos:ObjectCreated:Put".
	EventName string
	// EventTime is when the event happened, in UTC.
	EventTime time.Time
	// URLKey is the key cosObject.url spells when it disagrees with Key.
	URLKey string
}

// Resolve computes the record's bucket, full region and decoded object key
// and validates them. Decoding a COSEvent already did this and stored the
// result in r.Object; call Resolve for records built by hand. Errors are
// *DecodeError with Field relative to the record ("cos.cosObject.key").
//
// The key is derived from the decoded path of cosObject.url and
// cross-checked against cosObject.key with its "/<appid>/<bucket>/" prefix
// stripped (whether that key is percent-encoded is unconfirmed, so both
// readings are accepted); without a usable url the stripped key is used.
func (r *COSRecord) Resolve() (ObjectRef, error) {
	b := r.COS.Bucket
	if b.Name == "" {
		return ObjectRef{}, fieldError(KindCOS, ProblemMissingField, "cos.cosBucket.name", "missing (expected the bucket name without APPID)")
	}
	if b.AppID == "" {
		return ObjectRef{}, fieldError(KindCOS, ProblemMissingField, "cos.cosBucket.appid", "missing (expected the numeric APPID)")
	}
	if !isDigits(b.AppID) {
		return ObjectRef{}, fieldError(KindCOS, ProblemInvalidField, "cos.cosBucket.appid",
			fmt.Sprintf("%q is not a numeric APPID", clip.String(b.AppID, 40)))
	}
	if !isRegionToken(b.Name) {
		return ObjectRef{}, fieldError(KindCOS, ProblemInvalidField, "cos.cosBucket.name",
			fmt.Sprintf("%q is not a bucket name (expected lower-case letters, digits and '-')", clip.String(b.Name, 80)))
	}
	region, err := r.region()
	if err != nil {
		return ObjectRef{}, err
	}
	key, err := r.objectKey()
	if err != nil {
		return ObjectRef{}, err
	}
	bucket := b.Name
	// Tolerate a name that already carries its APPID suffix.
	if !strings.HasSuffix(bucket, "-"+b.AppID) {
		bucket += "-" + b.AppID
	}
	return ObjectRef{
		Bucket:    bucket,
		Region:    region,
		Key:       key,
		Size:      r.COS.Object.Size,
		ETag:      stripQuotes(metaValue(r.COS.Object.Meta, "ETag")),
		VersionID: r.COS.Object.VersionID,
		EventName: r.Event.Name,
		EventTime: time.Unix(r.Event.Time, 0).UTC(),
	}, nil
}

// region picks the record's full region: cosRegion, else s3Region, else the
// (usually short) region code mapped to its full name.
func (r *COSRecord) region() (string, error) {
	b := r.COS.Bucket
	for _, c := range []struct{ field, value string }{
		{"cos.cosBucket.cosRegion", b.COSRegion},
		{"cos.cosBucket.s3Region", b.S3Region},
		{"cos.cosBucket.region", b.Region},
	} {
		if c.value == "" {
			continue
		}
		full, err := FullRegion(c.value)
		if err != nil {
			de := fieldError(KindCOS, ProblemInvalidField, c.field, "")
			de.Err = err
			return "", de
		}
		return full, nil
	}
	return "", fieldError(KindCOS, ProblemMissingField, "cos.cosBucket.region",
		"missing (expected cosRegion \"ap-guangzhou\" or region \"gz\")")
}

// objectKey derives and validates the object key (see Resolve).
func (r *COSRecord) objectKey() (string, error) {
	b, o := r.COS.Bucket, r.COS.Object
	const keyField = "cos.cosObject.key"
	if o.Key == "" {
		return "", fieldError(KindCOS, ProblemMissingField, keyField, `missing (expected "/<appid>/<bucket>/<key>")`)
	}
	prefix := "/" + b.AppID + "/" + b.Name + "/"
	if !strings.HasPrefix(o.Key, prefix) {
		return "", fieldError(KindCOS, ProblemInvalidField, keyField,
			fmt.Sprintf("%q does not start with %q", clip.String(o.Key, 120), prefix))
	}
	stripped := o.Key[len(prefix):]
	key := stripped
	if candidates := urlKeys(o.URL); len(candidates) > 0 {
		matched := false
		unescaped, unescErr := url.PathUnescape(stripped)
		for _, c := range candidates {
			if c == stripped || unescErr == nil && c == unescaped {
				key, matched = c, true
				break
			}
		}
		if !matched {
			return "", fieldError(KindCOS, ProblemInvalidField, keyField,
				fmt.Sprintf("stripped key %q does not match the key %q decoded from cos.cosObject.url", clip.String(stripped, 120), clip.String(candidates[0], 120)))
		}
	}
	if err := validateKey(key); err != nil {
		de := fieldError(KindCOS, ProblemInvalidField, keyField, "")
		de.Err = err
		return "", de
	}
	return key, nil
}

// urlKeys returns the object keys an object URL can stand for: the decoded
// path as net/url reads it, and (in case COS left '?' or '#' unescaped) the
// whole remainder after the host, decoded. Nil when the URL is absent or
// unusable, in which case the caller trusts cosObject.key.
func urlKeys(raw string) []string {
	if raw == "" {
		return nil
	}
	var keys []string
	if u, err := url.Parse(raw); err == nil && u.Host != "" && strings.HasPrefix(u.Path, "/") {
		keys = append(keys, u.Path[1:])
	}
	// The remainder after "scheme://host" taken literally, for URLs whose
	// key holds a raw '?' or '#'.
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			if k, err := url.PathUnescape(rest[i+1:]); err == nil && (len(keys) == 0 || k != keys[0]) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// validateKey enforces COS's rules for an object key.
func validateKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("empty object key")
	case !utf8.ValidString(key):
		return fmt.Errorf("object key is not valid UTF-8")
	case len(key) > MaxKeyBytes:
		return fmt.Errorf("object key is %d bytes, more than the %d allowed", len(key), MaxKeyBytes)
	}
	return nil
}

// metaValue looks name up in meta case-insensitively (COS spells it "ETag",
// other tools "Etag").
func metaValue(meta map[string]string, name string) string {
	if v, ok := meta[name]; ok {
		return v
	}
	for k, v := range meta {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// stripQuotes removes one pair of surrounding double quotes.
func stripQuotes(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
