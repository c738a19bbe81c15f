package events

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/clip"
)

// ObjectRef is a COS record resolved to what a CI call needs.
type ObjectRef struct {
	// Bucket is "<name>-<appid>", e.g. "examplebucket-1250000000".
	Bucket string
	// Region is the full region name, e.g. "ap-guangzhou".
	Region string
	// Key is the object key as the event delivered it: cosObject.key with
	// its "/<appid>/<bucket>/" prefix stripped, byte for byte, never
	// percent-decoded. It is not checked against COS's key rules (length,
	// UTF-8): those live in cosclient.
	Key string
	// URLKey is the key cosObject.url decodes to, set only when it
	// disagrees with Key under every plausible reading (see Resolve);
	// empty when they agree or the url is absent or unusable. How COS
	// spells a key in url is unconfirmed, so this is a cross-check worth
	// a warning, never a reason to drop the record.
	URLKey string
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
}

// Resolve computes the record's bucket, full region and object key and
// checks the structure they come from. Decoding a COSEvent already did this
// and stored the result in r.Object; call Resolve for records built by
// hand. Errors are *DecodeError with Field relative to the record
// ("cos.cosObject.key").
//
// The object key is cosObject.key with its "/<appid>/<bucket>/" prefix
// stripped, as delivered: the platform's own samples and demos do exactly
// that, and captured payloads carry the key raw (key
// "/1302260381/bookshelfplus/!!!!!!!", url ".../%21%21%21%21%21%21%21").
// cosObject.url is only a cross-check: it is read as net/url decodes its
// path and, in case COS leaves '?' or '#' unescaped, as the whole remainder
// after the host; the key matches when one of those equals it raw or
// percent-decoded. When none does, URLKey holds the url's reading and the
// record still resolves to the stripped key.
func (r *COSRecord) Resolve() (ObjectRef, error) {
	b := r.COS.Bucket
	if b.Name == "" {
		return ObjectRef{}, fieldError(KindCOS, ProblemMissingField, "cos.cosBucket.name", "missing (expected the bucket name without APPID)")
	}
	if b.AppID == "" {
		return ObjectRef{}, fieldError(KindCOS, ProblemMissingField, "cos.cosBucket.appid", "missing (expected the numeric APPID)")
	}
	if !cosclient.Digits(b.AppID) {
		return ObjectRef{}, fieldError(KindCOS, ProblemInvalidField, "cos.cosBucket.appid",
			fmt.Sprintf("%q is not a numeric APPID", clip.String(b.AppID, maxValueEcho)))
	}
	if !cosclient.HostLabel(b.Name) {
		return ObjectRef{}, fieldError(KindCOS, ProblemInvalidField, "cos.cosBucket.name",
			fmt.Sprintf("%q is not a bucket name (expected lower-case letters, digits and '-')", clip.String(b.Name, maxNameEcho)))
	}
	region, err := r.region()
	if err != nil {
		return ObjectRef{}, err
	}
	key, urlKey, err := r.objectKey()
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
		URLKey:    urlKey,
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

// objectKey strips the "/<appid>/<bucket>/" prefix off cosObject.key and
// cross-checks the rest with cosObject.url (see Resolve). Only structural
// faults are errors: the key's own rules are cosclient's.
func (r *COSRecord) objectKey() (key, urlKey string, err error) {
	b, o := r.COS.Bucket, r.COS.Object
	const keyField = "cos.cosObject.key"
	if o.Key == "" {
		return "", "", fieldError(KindCOS, ProblemMissingField, keyField, `missing (expected "/<appid>/<bucket>/<key>")`)
	}
	prefix := "/" + b.AppID + "/" + b.Name + "/"
	if !strings.HasPrefix(o.Key, prefix) {
		return "", "", fieldError(KindCOS, ProblemInvalidField, keyField,
			fmt.Sprintf("%q does not start with %q", clip.String(o.Key, maxKeyEcho), prefix))
	}
	key = o.Key[len(prefix):]
	if key == "" {
		return "", "", fieldError(KindCOS, ProblemInvalidField, keyField,
			fmt.Sprintf("%q names no object: the key after the prefix is empty", clip.String(o.Key, maxKeyEcho)))
	}
	return key, urlDisagreement(key, o.URL), nil
}

// urlDisagreement returns the key rawURL decodes to when no reading of it
// (urlKeys) equals key, raw or percent-decoded; "" when one does, or the
// url is absent or unusable.
func urlDisagreement(key, rawURL string) string {
	readings := urlKeys(rawURL)
	if len(readings) == 0 {
		return ""
	}
	unescaped, err := url.PathUnescape(key)
	for _, k := range readings {
		if k == key || err == nil && k == unescaped {
			return ""
		}
	}
	return readings[0]
}

// urlKeys returns the object keys an object URL can stand for: the decoded
// path as net/url reads it, and (in case COS left '?' or '#' unescaped) the
// whole remainder after the host, decoded. Nil when the URL is absent or
// unusable: then there is nothing to cross-check.
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
