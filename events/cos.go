package events

import (
	"encoding/json"
	"fmt"

	"github.com/cosflow/cosflow/internal/jsonscan"
)

// COSEvent is a COS object notification: one delivery may merge several
// records, and the same record may arrive more than once (async retries).
type COSEvent struct {
	// Records are the object events of this delivery, at least one.
	Records []COSRecord `json:"Records"`
}

// COSRecord is one object event.
type COSRecord struct {
	// COS describes the bucket and object.
	COS COSEntity `json:"cos"`
	// Event describes what happened.
	Event COSEventInfo `json:"event"`

	// Object is the record resolved to bucket, region and key, computed once
	// when the record is decoded; it is not part of the wire format.
	Object ObjectRef `json:"-"`
	// Err says why this record cannot be used (a *DecodeError naming the
	// field); Object is zero then. Set at decode time, not sent on the wire.
	Err error `json:"-"`
}

// COSEntity is the "cos" member of a record.
type COSEntity struct {
	// SchemaVersion is "1.0".
	SchemaVersion string `json:"cosSchemaVersion"`
	// NotificationID identifies the notification rule.
	NotificationID string `json:"cosNotificationId"`
	// Bucket is the bucket the object lives in.
	Bucket COSBucket `json:"cosBucket"`
	// Object is the object the event is about.
	Object COSObject `json:"cosObject"`
}

// COSBucket is the "cosBucket" member of a record.
type COSBucket struct {
	// Name is the bucket name without the APPID suffix ("examplebucket").
	Name string `json:"name"`
	// AppID is the owner's APPID ("1250000000").
	AppID string `json:"appid"`
	// Region is a short region code ("gz") in real events, sometimes a full name.
	Region string `json:"region"`
	// COSRegion is the full region name ("ap-guangzhou"); absent in old samples.
	COSRegion string `json:"cosRegion,omitempty"`
	// S3Region repeats the full region name; absent in old samples.
	S3Region string `json:"s3Region,omitempty"`
}

// COSObject is the "cosObject" member of a record.
type COSObject struct {
	// Key is "/<appid>/<bucket-name>/<object key>", the key raw; use
	// COSRecord.Object.Key.
	Key string `json:"key"`
	// URL is the percent-encoded object URL; it only cross-checks Key (see
	// COSRecord.Resolve).
	URL string `json:"url"`
	// Size is the object size in bytes.
	Size int64 `json:"size"`
	// Meta carries object headers such as Content-Type, ETag and x-cos-request-id.
	Meta map[string]string `json:"meta,omitempty"`
	// VersionID is the object version, empty when versioning is off.
	VersionID string `json:"vid"`
}

// COSEventInfo is the "event" member of a record.
type COSEventInfo struct {
	// Name is the concrete event, e.g. "cos:ObjectCreated:Put".
	Name string `json:"eventName"`
	// Version is "1.0".
	Version string `json:"eventVersion"`
	// Source is "qcs::cos".
	Source string `json:"eventSource"`
	// Time is the event time in Unix seconds.
	Time int64 `json:"eventTime"`
	// Queue names the function invocation queue.
	Queue string `json:"eventQueue"`
	// RequestID is COS's numeric request id.
	RequestID int64 `json:"reqid"`
	// RequestParameters describe the request that caused the event.
	RequestParameters COSRequestParameters `json:"requestParameters"`
	// ReservedInfo is reserved by the platform.
	ReservedInfo string `json:"reservedInfo"`
}

// COSRequestParameters describe the uploader's request.
type COSRequestParameters struct {
	// SourceIP is the uploader's IP address.
	SourceIP string `json:"requestSourceIP"`
	// Headers are the uploader's request headers. They may include
	// Authorization: never log them.
	Headers map[string]string `json:"requestHeaders,omitempty"`
}

// UnmarshalJSON decodes a COS event and rejects one without records. Every
// record is decoded and resolved on its own (see COSRecord.Resolve): one
// bad record does not spoil its delivery, it carries its own Err instead,
// a *DecodeError naming the field, e.g. "Records[2].cos.cosObject.key".
// A record holding an escaped lone surrogate anywhere is such a bad record:
// encoding/json would decode it as U+FFFD, naming an object never uploaded;
// so is one giving a member twice or under another case (checkMembers).
func (e *COSEvent) UnmarshalJSON(data []byte) error {
	var wire struct {
		Records []json.RawMessage `json:"Records"`
	}
	if de := checkMembers(KindCOS, "", data, &wire); de != nil {
		return de
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return asDecodeError(KindCOS, "", err)
	}
	if len(wire.Records) == 0 {
		return fieldError(KindCOS, ProblemMissingField, "Records", "no records (expected at least one)")
	}
	records := make([]COSRecord, len(wire.Records))
	for i, raw := range wire.Records {
		at := jsonscan.JoinIndex("Records", i)
		if de := loneSurrogate(KindCOS, at, raw); de != nil {
			records[i].Err = de
			continue
		}
		if de := checkMembers(KindCOS, at, raw, &records[i]); de != nil {
			records[i].Err = de
			continue
		}
		prefix := fmt.Sprintf("Records[%d].", i)
		if err := json.Unmarshal(raw, &records[i]); err != nil {
			records[i].Err = asDecodeError(KindCOS, prefix, err)
			continue
		}
		ref, err := records[i].Resolve()
		if err != nil {
			de := asDecodeError(KindCOS, prefix, err)
			// Resolve names fields relative to the record; anchor them.
			anchored := *de
			anchored.Field = prefix + de.Field
			records[i].Err = &anchored
			continue
		}
		records[i].Object = ref
	}
	e.Records = records
	return nil
}

// Err is the first record's Err that is not nil, for callers that take a
// delivery all or nothing; nil when every record resolved.
func (e *COSEvent) Err() error {
	for i := range e.Records {
		if e.Records[i].Err != nil {
			return e.Records[i].Err
		}
	}
	return nil
}
