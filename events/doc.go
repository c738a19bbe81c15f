// Package events holds the SCF trigger payloads cosflow receives — COS
// object events, timer ticks and HTTP requests (legacy API gateway and
// Function URL) — as plain structs whose JSON tags mirror the wire.
//
// Parse detects which trigger sent a payload and decodes it. Derived values
// (the resolved bucket, region and object key of a COS record, the parsed
// timer time) are computed once, at decode time. A COS record's object key
// is cosObject.key as delivered, its "/<appid>/<bucket>/" prefix stripped
// and nothing decoded; cosObject.url only cross-checks it (ObjectRef.URLKey).
// Every failure is a *DecodeError naming the field at fault.
//
// events checks structure, not policy: whether an object key is one COS
// accepts (length, UTF-8) is cosclient's rule, applied by the handler.
//
// Fixtures under testdata/ are realistic payloads; they double as inputs for
// local invocation (go run . invoke -event events/testdata/cos_put.json).
//
// Some payloads carry secrets (the uploader's Authorization header in a COS
// record, the caller's Authorization header in an HTTP request): never log
// a whole event.
package events
