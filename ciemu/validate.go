package ciemu

import (
	"github.com/cosflow/cosflow/cosclient"
)

// Input checks are cosclient's exported validators, so the client and the
// emulator refuse exactly the same inputs; what the emulator adds is the
// server's answer: 400 InvalidArgument naming the wire field and why. A
// client that skips validation (the official SDK does) still gets the
// service's refusal.

// validationError turns a cosclient validation failure into the answer.
func validationError(err error) *apiError {
	if pes := cosclient.ParamErrors(err); len(pes) > 0 {
		return invalidArgument(pes[0].Path(), "%s", pes[0].Reason())
	}
	return invalidArgument("request", "%v", err)
}
