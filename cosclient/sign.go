package cosclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cosflow/cosflow/cosclient/cossign"
	"github.com/cosflow/cosflow/internal/clip"
)

// Signature windows start a little in the past to absorb clock skew, as
// the official SDKs do, and last long enough for slow answers.
const (
	signSkew = 60 * time.Second
	signTTL  = 10 * time.Minute
)

// signMiddleware signs each attempt afresh (it sits inside Retry): it asks
// the provider for credentials every time, since SCF rotates them, and
// signs with the clock corrected by the service's own. Knowing what the
// attempt was signed with, it also cleans what comes back of it (see
// echoes): CI's text in the attempt's error and its request ID.
type signMiddleware struct{}

// ID implements middleware.FinalizeMiddleware.
func (signMiddleware) ID() string { return IDSigning }

// HandleFinalize implements middleware.FinalizeMiddleware.
func (signMiddleware) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, &SigningError{Err: fmt.Errorf("unexpected request %T", in.Request)}
	}
	cl, err := getCall(ctx)
	if err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, &SigningError{Err: err}
	}
	provider := cl.options.Credentials
	if provider == nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, &SigningError{Err: ErrMissingCredentials}
	}
	cr, err := provider.Credentials(ctx)
	if err == nil && (cr.SecretID == "" || cr.SecretKey == "") {
		err = ErrMissingCredentials
	}
	if err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, &SigningError{Err: err}
	}
	h := req.Header
	if cr.SessionToken != "" {
		// CI hosts read either header; send both, signed.
		h.Set(hdrCOSSecurityToken, cr.SessionToken)
		h.Set(hdrCISecurityToken, cr.SessionToken)
	} else {
		h.Del(hdrCOSSecurityToken)
		h.Del(hdrCISecurityToken)
	}
	auth := cossign.Authorization(req.Request, cr.SecretID, cr.SecretKey, cossign.NewWindow(cl.client.now(), signSkew, signTTL))
	h.Del(hdrAuthorization)
	h.Set(hdrAuthorization, auth)
	// What comes back is cleaned here, the one place that knows what this
	// attempt was signed with; the deserializer refuses a 2xx echoing it.
	ec := echoes{secretKey: cr.SecretKey, token: cr.SessionToken, auth: auth}
	if _, sig, ok := strings.Cut(auth, signatureParam); ok {
		ec.signature = sig
	}
	cl.echoes = ec
	out, md, err := next.HandleFinalize(ctx, in)
	if id, ok := GetRequestIDMetadata(md); ok {
		setRequestIDMetadata(&md, ec.clean(id))
	}
	if err != nil {
		ec.scrub(err)
	}
	return out, md, err
}

// maxCIText bounds each piece of CI's text an error carries.
const maxCIText = 1024

// redacted stands where an echoed credential was.
const redacted = "[redacted]"

// signatureParam starts a q-sign signature in an Authorization value.
const signatureParam = "q-signature="

// echoes are the credentials one attempt was signed with, as CI might echo
// them back: the secret key, the session token, the whole Authorization
// header sent, and its signature alone.
type echoes struct {
	secretKey, token, auth, signature string
}

// errEchoed is a 2xx answer that holds the attempt's own credentials: no
// service sends them back, so nothing in it is used (and the error
// carries none of it).
var errEchoed = errors.New("the answer echoes the request's credentials")

// echoedIn reports whether body holds any of e verbatim.
func (e echoes) echoedIn(body []byte) bool {
	for _, v := range [...]string{e.auth, e.token, e.secretKey, e.signature} {
		if v != "" && bytes.Contains(body, []byte(v)) {
			return true
		}
	}
	return false
}

// clean is text from CI without what it echoes of e (verbatim or
// percent-encoded), without any q-signature value (any request's), and
// clipped to maxCIText bytes. The SecretId stays: it names the key, and
// is no secret.
func (e echoes) clean(text string) string {
	encoded := strings.IndexByte(text, '%') >= 0 // no escaped form can be there otherwise
	for _, v := range [...]string{e.auth, e.token, e.secretKey, e.signature} {
		if v == "" {
			continue
		}
		text = strings.ReplaceAll(text, v, redacted)
		if encoded {
			text = strings.ReplaceAll(text, url.QueryEscape(v), redacted)
			text = strings.ReplaceAll(text, url.PathEscape(v), redacted)
		}
	}
	return clip.String(redactSignatures(text), maxCIText)
}

// redactSignatures replaces the value of every q-signature= in s, matched
// in any case: a signature is hex, so its value ends at the first byte
// that is not a letter or digit.
func redactSignatures(s string) string {
	var b strings.Builder
	rest := s
	for {
		i := indexFold(rest, signatureParam)
		if i < 0 {
			break
		}
		i += len(signatureParam)
		j := i
		for j < len(rest) && (lowerAlnum(rest[j]) || rest[j] >= 'A' && rest[j] <= 'Z') {
			j++
		}
		b.WriteString(rest[:i])
		b.WriteString(redacted)
		rest = rest[j:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// indexFold is the index of the first ASCII-case-insensitive match of
// sub (lower-case) in s, or -1.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// scrub cleans, in place, every piece of CI's text err carries: the
// fields of an <Error> answer, request and trace IDs, an answered ID, and
// the messages of a decoder or a transport (which may quote the answer).
// The errors were made for this attempt, so nothing else holds them.
func (e echoes) scrub(err error) {
	for x := err; x != nil; x = errors.Unwrap(x) {
		switch x := x.(type) {
		case *ResponseError:
			x.RequestID = e.clean(x.RequestID)
		case *APIError:
			x.Code, x.Message = e.clean(x.Code), e.clean(x.Message)
			x.RequestID, x.TraceID = e.clean(x.RequestID), e.clean(x.TraceID)
		case *NotFoundError:
			x.RequestID = e.clean(x.RequestID)
		case *MismatchError:
			x.Answered = e.clean(x.Answered)
		case *smithy.DeserializationError:
			x.Err = e.cleanMessage(x.Err)
			if len(x.Snapshot) > 0 {
				x.Snapshot = []byte(e.clean(string(x.Snapshot)))
			}
		case *ConnectionError:
			x.Err = e.cleanMessage(x.Err)
		}
	}
}

// cleanMessage is err, or when its message echoes a credential or is
// long, err under a cleaned message (errors.Is and As still see err).
func (e echoes) cleanMessage(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if c := e.clean(msg); c != msg {
		return &cleanedError{msg: c, err: err}
	}
	return err
}

// cleanedError is an error whose message was cleaned of credentials.
type cleanedError struct {
	msg string
	err error
}

func (e *cleanedError) Error() string { return e.msg }
func (e *cleanedError) Unwrap() error { return e.err }
