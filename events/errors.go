package events

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/jsonscan"
	"github.com/cosflow/cosflow/internal/valid"
)

// Problem classifies a DecodeError so callers can branch without parsing
// error strings.
type Problem int

const (
	// ProblemMalformedJSON: the payload is not valid JSON.
	ProblemMalformedJSON Problem = iota + 1
	// ProblemUnrecognised: valid JSON, but not any trigger payload we know.
	ProblemUnrecognised
	// ProblemMissingField: a required field is absent or empty.
	ProblemMissingField
	// ProblemInvalidField: a field is present but its value is unusable.
	ProblemInvalidField
)

// String names the problem.
func (p Problem) String() string {
	switch p {
	case ProblemMalformedJSON:
		return "malformed JSON"
	case ProblemUnrecognised:
		return "unrecognised event"
	case ProblemMissingField:
		return "missing field"
	case ProblemInvalidField:
		return "invalid field"
	default:
		return fmt.Sprintf("Problem(%d)", int(p))
	}
}

// DecodeError reports why a payload could not be decoded. Retrying the same
// payload cannot succeed, so handlers treat it as permanent.
type DecodeError struct {
	// Problem classifies the failure.
	Problem Problem
	// Kind is the trigger kind being decoded, KindUnknown before detection.
	Kind Kind
	// Field is the JSON path of the offending field, such as
	// "Records[2].cos.cosObject.key"; empty when the whole payload is at fault.
	Field string
	// Offset is the byte offset of a JSON syntax error, -1 otherwise.
	Offset int64
	// Reason says what was wrong and what was expected.
	Reason string
	// Err is the underlying error, if any.
	Err error
}

// Error renders the failure, e.g.
// `COS event: Records[2].cos.cosObject.key: missing (expected "/<appid>/<bucket>/<key>")`.
func (e *DecodeError) Error() string {
	var b strings.Builder
	switch e.Problem {
	case ProblemMalformedJSON:
		fmt.Fprintf(&b, "malformed JSON at offset %d", e.Offset)
	case ProblemUnrecognised:
		b.WriteString("unrecognised event")
	default:
		if e.Kind != KindUnknown {
			b.WriteString(e.Kind.String())
			b.WriteString(" event")
		} else {
			b.WriteString("event")
		}
		if e.Field != "" {
			b.WriteString(": ")
			b.WriteString(e.Field)
		}
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// fieldError builds a DecodeError about one field.
func fieldError(kind Kind, p Problem, field, reason string) *DecodeError {
	return &DecodeError{Problem: p, Kind: kind, Field: field, Offset: -1, Reason: reason}
}

// How much of a payload an error repeats, in bytes (clip.String cuts
// there, rune-safely): a short value (an APPID, a region, a Type), a name
// (a bucket, a query parameter), an object key, a field path (which holds
// keys as sent). Payloads are untrusted.
const (
	maxValueEcho = 40
	maxNameEcho  = 80
	maxKeyEcho   = 120
	maxFieldEcho = 200
)

// untrustedField is a path holding keys as sent, made fit for a message:
// valid UTF-8, at most maxFieldEcho bytes.
func untrustedField(path string) string {
	return clip.String(strings.ToValidUTF8(path, "?"), maxFieldEcho)
}

// invalidUTF8 returns a *DecodeError naming the field of raw's first byte
// that is not UTF-8; nil when raw is valid UTF-8. encoding/json would
// decode the bytes as U+FFFD, quietly turning a key or a body into one
// that was never sent.
func invalidUTF8(kind Kind, raw []byte) *DecodeError {
	off := jsonscan.InvalidUTF8(raw)
	if off < 0 {
		return nil
	}
	return fieldError(kind, ProblemInvalidField, untrustedField(jsonscan.PathAt(raw, off)), "is not valid UTF-8")
}

// checkMembers returns a *DecodeError naming the field, under prefix (e.g.
// "Records[1]"), of a member raw gives twice or under another case than v's
// field (valid.CheckMembers, the strictness of every payload cosflow
// reads); nil when there is none. encoding/json would let the last, or the
// other-cased, spelling win. Members v has no field for are the platform's
// to add, and pass.
func checkMembers(kind Kind, prefix string, raw []byte, v any) *DecodeError {
	var fe *valid.FieldError
	if err := valid.CheckMembers(raw, v); !errors.As(err, &fe) {
		return nil
	}
	return fieldError(kind, ProblemInvalidField, untrustedField(jsonscan.Join(prefix, fe.Field)), fe.Reason)
}

// loneSurrogate returns a *DecodeError for the first escaped lone surrogate
// in raw ("\ud800" with no low surrogate after it, or a stray low one),
// naming its field under prefix (e.g. "Records[1]"); nil when there is none.
// encoding/json would decode it as U+FFFD, quietly turning a key, header or
// path into one that was never sent.
func loneSurrogate(kind Kind, prefix string, raw []byte) *DecodeError {
	e := jsonscan.FindLoneSurrogate(raw)
	if e == nil {
		return nil
	}
	return fieldError(kind, ProblemInvalidField, untrustedField(jsonscan.Join(prefix, e.Path)), e.Reason())
}
