package cosclient

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cosflow/cosflow/cosclient/cossign"
)

// Signature windows start a little in the past to absorb clock skew, as
// the official SDKs do, and last long enough for slow answers.
const (
	signSkew = 60 * time.Second
	signTTL  = 10 * time.Minute
)

// signMiddleware signs each attempt afresh (it sits inside Retry): it asks
// the provider for credentials every time, since SCF rotates them, and
// signs with the clock corrected by the service's own.
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
	h.Del(hdrAuthorization)
	h.Set(hdrAuthorization, cossign.Authorization(req.Request, cr.SecretID, cr.SecretKey, cossign.NewWindow(cl.client.now(), signSkew, signTTL)))
	return next.HandleFinalize(ctx, in)
}
