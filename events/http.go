package events

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"

	"github.com/cosflow/cosflow/internal/clip"
)

// HTTPRequest is an HTTP invocation in either shape: the legacy API gateway
// event (with RequestContext, the *Parameters maps and IsBase64Encoded) or
// the Function URL event (without them; lower-case header names; the
// caller's IP in the x-scf-remote-addr header).
type HTTPRequest struct {
	// HTTPMethod is the request method, e.g. "POST".
	HTTPMethod string `json:"httpMethod"`
	// Path is the request path, e.g. "/v1/trigger".
	Path string `json:"path"`
	// Headers are the request headers, one value each. They may include
	// Authorization: never log them.
	Headers map[string]string `json:"headers,omitempty"`
	// QueryString holds the query parameters; see Query.
	QueryString map[string]QueryValues `json:"queryString,omitempty"`
	// Body is the request body, base64 when IsBase64Encoded; see BodyBytes.
	Body string `json:"body"`
	// IsBase64Encoded says Body is base64 (legacy gateway only).
	IsBase64Encoded bool `json:"isBase64Encoded"`
	// RequestContext describes the gateway call; nil for a Function URL.
	RequestContext *HTTPRequestContext `json:"requestContext,omitempty"`
	// PathParameters are the gateway's path parameters (legacy only).
	PathParameters map[string]string `json:"pathParameters,omitempty"`
	// QueryStringParameters are the gateway's declared query parameters (legacy only).
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	// HeaderParameters are the gateway's declared header parameters (legacy only).
	HeaderParameters map[string]string `json:"headerParameters,omitempty"`
	// StageVariables are the gateway stage's variables (legacy only).
	StageVariables map[string]string `json:"stageVariables,omitempty"`
}

// HTTPRequestContext is the legacy gateway's "requestContext".
type HTTPRequestContext struct {
	// ServiceID is the gateway service, e.g. "service-abcd1234".
	ServiceID string `json:"serviceId"`
	// Path is the API's path pattern.
	Path string `json:"path"`
	// HTTPMethod is the API's method.
	HTTPMethod string `json:"httpMethod"`
	// RequestID is the gateway's request id.
	RequestID string `json:"requestId"`
	// SourceIP is the caller's IP address.
	SourceIP string `json:"sourceIp"`
	// Stage is the gateway stage, e.g. "release".
	Stage string `json:"stage"`
	// Identity identifies a key-authenticated caller.
	Identity HTTPIdentity `json:"identity"`
}

// HTTPIdentity is the gateway's caller identity.
type HTTPIdentity struct {
	// SecretID is the caller's API key id, when key auth is on.
	SecretID string `json:"secretId,omitempty"`
}

// RemoteAddrHeader carries the caller's IP in Function URL events.
const RemoteAddrHeader = "x-scf-remote-addr"

// UnmarshalJSON decodes an HTTP request, requiring httpMethod and path,
// and refuses one holding an escaped lone surrogate (which encoding/json
// would turn into U+FFFD) or giving a member twice or under another case.
// Failures are *DecodeError.
func (r *HTTPRequest) UnmarshalJSON(data []byte) error {
	if de := loneSurrogate(KindHTTP, "", data); de != nil {
		return de
	}
	type plain HTTPRequest // drops this method, avoiding recursion
	if de := checkMembers(KindHTTP, "", data, &plain{}); de != nil {
		return de
	}
	// queryString first, value by value: a value's own decoder cannot say
	// which parameter it was reading, so this loop names it.
	var query struct {
		QueryString map[string]json.RawMessage `json:"queryString"`
	}
	if err := json.Unmarshal(data, &query); err != nil {
		return asDecodeError(KindHTTP, "", err)
	}
	for _, name := range slices.Sorted(maps.Keys(query.QueryString)) {
		var vals QueryValues
		if err := json.Unmarshal(query.QueryString[name], &vals); err != nil {
			de := fieldError(KindHTTP, ProblemInvalidField, "queryString."+clip.String(name, maxNameEcho), "")
			de.Err = err
			return de
		}
	}
	// Into the type itself, not a struct embedding it: encoding/json names
	// a type error by its Go path, which would then begin "plain." instead
	// of the wire name.
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return asDecodeError(KindHTTP, "", err)
	}
	if p.HTTPMethod == "" {
		return fieldError(KindHTTP, ProblemMissingField, "httpMethod", `missing (expected a method such as "GET")`)
	}
	if p.Path == "" {
		return fieldError(KindHTTP, ProblemMissingField, "path", `missing (expected a path such as "/v1/jobs")`)
	}
	*r = HTTPRequest(p)
	return nil
}

// MarshalJSON writes the request in its own shape: a legacy gateway event
// always carries isBase64Encoded and the three *Parameters maps (as the
// gateway sends them, {} when empty); a Function URL event only when set.
func (r HTTPRequest) MarshalJSON() ([]byte, error) {
	type plain HTTPRequest // drops this method, avoiding recursion
	if r.IsFunctionURL() {
		return json.Marshal(struct {
			plain
			IsBase64Encoded bool `json:"isBase64Encoded,omitempty"`
		}{plain(r), r.IsBase64Encoded})
	}
	orEmpty := func(m map[string]string) map[string]string {
		if m == nil {
			return map[string]string{}
		}
		return m
	}
	return json.Marshal(struct {
		plain
		PathParameters        map[string]string `json:"pathParameters"`
		QueryStringParameters map[string]string `json:"queryStringParameters"`
		HeaderParameters      map[string]string `json:"headerParameters"`
	}{plain(r), orEmpty(r.PathParameters), orEmpty(r.QueryStringParameters), orEmpty(r.HeaderParameters)})
}

// IsFunctionURL reports whether the request came from a Function URL rather
// than the legacy API gateway (which always sends requestContext).
func (r *HTTPRequest) IsFunctionURL() bool { return r.RequestContext == nil }

// Query returns the query parameters as url.Values (a bare "?flag" is one
// empty value).
func (r *HTTPRequest) Query() url.Values {
	v := make(url.Values, len(r.QueryString))
	for name, vals := range r.QueryString {
		v[name] = append([]string(nil), vals...)
	}
	return v
}

// RawQuery returns the query parameters encoded as a URL query string,
// sorted by name, e.g. "size=10&states=Running".
func (r *HTTPRequest) RawQuery() string { return r.Query().Encode() }

// Header returns the request headers with canonical names, whichever case
// they arrived in.
func (r *HTTPRequest) Header() http.Header {
	h := make(http.Header, len(r.Headers))
	names := make([]string, 0, len(r.Headers))
	for name := range r.Headers {
		names = append(names, name)
	}
	sort.Strings(names) // deterministic order when two spellings collide
	for _, name := range names {
		h.Add(name, r.Headers[name])
	}
	return h
}

// RemoteIP returns the caller's IP: the x-scf-remote-addr header of a
// Function URL event, or requestContext.sourceIp of a gateway event.
func (r *HTTPRequest) RemoteIP() string {
	if r.RequestContext != nil && r.RequestContext.SourceIP != "" {
		return r.RequestContext.SourceIP
	}
	if ip, ok := r.Headers[RemoteAddrHeader]; ok {
		return ip
	}
	return r.Header().Get(RemoteAddrHeader)
}

// BodyBytes returns the request body, base64-decoded when IsBase64Encoded.
func (r *HTTPRequest) BodyBytes() ([]byte, error) {
	if !r.IsBase64Encoded {
		return []byte(r.Body), nil
	}
	b, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		return nil, fmt.Errorf("decode base64 body: %w", err)
	}
	return b, nil
}

// HTTPResponse is what a function returns to an HTTP invocation. For the
// legacy gateway it needs "integrated response" on.
type HTTPResponse struct {
	// IsBase64Encoded says Body is base64.
	IsBase64Encoded bool `json:"isBase64Encoded"`
	// StatusCode is the HTTP status.
	StatusCode int `json:"statusCode"`
	// Headers are the response headers, one value each.
	Headers map[string]string `json:"headers"`
	// Body is the response body, base64 when IsBase64Encoded.
	Body string `json:"body"`
}
