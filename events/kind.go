package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cosflow/cosflow/internal/clip"
)

// Kind is the trigger that sent a payload.
type Kind int

const (
	// KindUnknown is the zero Kind: not (yet) detected.
	KindUnknown Kind = iota
	// KindCOS is a COS object event ({"Records":[...]}).
	KindCOS
	// KindTimer is a timer tick ({"Type":"Timer",...}).
	KindTimer
	// KindHTTP is an HTTP request from the API gateway or a Function URL.
	KindHTTP
)

// String names the kind as it appears in error messages and logs.
func (k Kind) String() string {
	switch k {
	case KindCOS:
		return "COS"
	case KindTimer:
		return "timer"
	case KindHTTP:
		return "HTTP"
	default:
		return "unknown"
	}
}

// Event is one decoded payload: exactly the pointer matching Kind is set.
type Event struct {
	// Kind says which trigger sent the payload.
	Kind Kind
	// COS is set when Kind is KindCOS; its records are already resolved.
	COS *COSEvent
	// Timer is set when Kind is KindTimer.
	Timer *TimerEvent
	// HTTP is set when Kind is KindHTTP.
	HTTP *HTTPRequest
}

// expectedShapes is what Detect tells the caller it was looking for.
const expectedShapes = `expected a COS event ("Records"), a timer event ("Type":"Timer") or an HTTP request ("httpMethod")`

// Detect reports which trigger sent raw by looking at its top-level keys
// (matched exactly, as the platform spells them). Malformed or unrecognised
// payloads yield a *DecodeError.
func Detect(raw []byte) (Kind, error) {
	top, err := topLevel(raw)
	if err != nil {
		return KindUnknown, err
	}
	return detectKeys(top)
}

// Parse detects the trigger kind of raw and decodes it, validating required
// fields and computing derived ones (see COSRecord.Object). It reads the
// platform's payload as strictly as cosflow reads its own: bytes that are
// not UTF-8, and a member given twice or under another case than its
// field, are refused naming the field (a COS record's fault fails that
// record only); members cosflow has no field for pass. Any failure is a
// *DecodeError.
func Parse(raw []byte) (*Event, error) {
	kind, err := Detect(raw)
	if err != nil {
		return nil, err
	}
	if de := invalidUTF8(kind, raw); de != nil {
		return nil, de
	}
	ev := &Event{Kind: kind}
	switch kind {
	case KindCOS:
		ev.COS = new(COSEvent)
		err = json.Unmarshal(raw, ev.COS)
	case KindTimer:
		ev.Timer = new(TimerEvent)
		err = json.Unmarshal(raw, ev.Timer)
	case KindHTTP:
		ev.HTTP = new(HTTPRequest)
		err = json.Unmarshal(raw, ev.HTTP)
	}
	if err != nil {
		return nil, asDecodeError(kind, "", err)
	}
	return ev, nil
}

// topLevel decodes the outermost JSON object of raw into its members.
func topLevel(raw []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return nil, &DecodeError{Problem: ProblemUnrecognised, Offset: -1,
			Reason: expectedShapes + "; got an empty payload"}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, &DecodeError{Problem: ProblemMalformedJSON, Offset: syn.Offset, Err: err}
		}
		// Valid JSON, but not an object.
		return nil, &DecodeError{Problem: ProblemUnrecognised, Offset: -1,
			Reason: expectedShapes + "; got " + jsonTypeName(trimmed[0])}
	}
	if top == nil { // the literal null
		return nil, &DecodeError{Problem: ProblemUnrecognised, Offset: -1,
			Reason: expectedShapes + "; got null"}
	}
	return top, nil
}

// detectKeys picks the kind from the marker keys of a top-level object.
func detectKeys(top map[string]json.RawMessage) (Kind, error) {
	var found []Kind
	var markers []string
	if _, ok := top["Records"]; ok {
		found = append(found, KindCOS)
		markers = append(markers, `"Records"`)
	}
	typeRaw, hasType := top["Type"]
	if hasType {
		var typ string
		if json.Unmarshal(typeRaw, &typ) == nil && typ == "Timer" {
			found = append(found, KindTimer)
			markers = append(markers, `"Type":"Timer"`)
		}
	}
	if _, ok := top["httpMethod"]; ok {
		found = append(found, KindHTTP)
		markers = append(markers, `"httpMethod"`)
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		reason := expectedShapes + "; got an object with keys " + describeKeys(top)
		if hasType {
			reason += fmt.Sprintf(" and \"Type\":%s", clip.String(string(typeRaw), maxValueEcho))
		}
		return KindUnknown, &DecodeError{Problem: ProblemUnrecognised, Offset: -1, Reason: reason}
	default:
		return KindUnknown, &DecodeError{Problem: ProblemUnrecognised, Offset: -1,
			Reason: "ambiguous payload: it has the markers of several triggers (" + strings.Join(markers, ", ") + ")"}
	}
}

// maxKeysShown bounds how many keys an error lists: payloads are untrusted.
const maxKeysShown = 10

// describeKeys renders the sorted keys of an object for an error message,
// quoting odd keys and eliding long lists so the message stays one sane line.
func describeKeys(top map[string]json.RawMessage) string {
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	more := 0
	if len(keys) > maxKeysShown {
		more = len(keys) - maxKeysShown
		keys = keys[:maxKeysShown]
	}
	for i, k := range keys {
		keys[i] = displayKey(k)
	}
	s := "[" + strings.Join(keys, " ")
	if more > 0 {
		s += fmt.Sprintf(" ...+%d more", more)
	}
	return s + "]"
}

// displayKey returns k as is when it is a plain identifier, otherwise quoted
// (and clipped), so control characters never reach a log line raw.
func displayKey(k string) string {
	plain := k != ""
	for _, r := range k {
		if !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			plain = false
			break
		}
	}
	if plain && len(k) <= maxValueEcho {
		return k
	}
	return strconv.QuoteToASCII(clip.String(k, maxValueEcho))
}

// jsonTypeName names the JSON type starting with byte c.
func jsonTypeName(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// asDecodeError turns an error from encoding/json into a *DecodeError for
// kind, prefixing field paths with prefix (e.g. "Records[2].").
func asDecodeError(kind Kind, prefix string, err error) *DecodeError {
	var de *DecodeError
	if errors.As(err, &de) {
		if de.Kind == KindUnknown {
			de.Kind = kind
		}
		return de
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return &DecodeError{Problem: ProblemMalformedJSON, Kind: kind, Offset: syn.Offset, Err: err}
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		field := typ.Field
		if field == "" {
			field = strings.TrimSuffix(prefix, ".")
		} else {
			field = prefix + field
		}
		return &DecodeError{Problem: ProblemInvalidField, Kind: kind, Field: field, Offset: -1,
			Reason: fmt.Sprintf("expected %s, got JSON %s", typ.Type, typ.Value)}
	}
	return &DecodeError{Problem: ProblemInvalidField, Kind: kind, Field: strings.TrimSuffix(prefix, "."), Offset: -1, Err: err}
}
