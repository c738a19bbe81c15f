package hostile_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/internal/hostile"
)

// sentAuth wraps a, remembering every Authorization the server was sent.
type sentAuth struct {
	mu   sync.Mutex
	seen []string
}

func (s *sentAuth) wrap(a hostile.Answer) hostile.Answer {
	return func(srv *hostile.Server, n int, w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.Header.Get("Authorization"))
		s.mu.Unlock()
		a(srv, n, w, r)
	}
}

// secrets are the values no error text may hold: the secret key, the
// session token (and its encoded form), each Authorization sent and its
// signature.
func (s *sentAuth) secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{secretKey, sessionToken, url.QueryEscape(sessionToken)}
	for _, a := range s.seen {
		_, sig, _ := strings.Cut(a, "q-signature=")
		out = append(out, a, sig)
	}
	return out
}

// TestNoSecretByValue: whatever a hostile server echoes of the request's
// credentials (in an <Error>'s fields, the request-ID header, an answered
// ID, an unreadable 2xx, a malformed header line the transport quotes),
// none of it reaches the error's message, its fields, its snapshot, or the
// client's debug log, by value; and each piece of CI's text is clipped.
func TestNoSecretByValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer func(auth *sentAuth) hostile.Answer
	}{
		{"403 echoing everything", func(*sentAuth) hostile.Answer { return hostile.Echo(http.StatusForbidden, secretKey) }},
		{"500 echoing everything, retried", func(*sentAuth) hostile.Answer { return hostile.Echo(http.StatusInternalServerError, secretKey) }},
		{"header line quoted by the transport", func(*sentAuth) hostile.Answer { return hostile.EchoInHeaderLine() }},
		{"unreadable 2xx", func(*sentAuth) hostile.Answer {
			return func(s *hostile.Server, n int, w http.ResponseWriter, r *http.Request) {
				hostile.XML(200, "<Response><"+r.Header.Get("Authorization")+" "+sessionToken+" "+secretKey+">")(s, n, w, r)
			}
		}},
		{"unreadable 2xx, encoded", func(*sentAuth) hostile.Answer {
			return hostile.XML(200, "<Response><a "+url.QueryEscape(sessionToken)+"></Response>")
		}},
		{"answer about the token", func(*sentAuth) hostile.Answer { return hostile.About(sessionToken + " " + secretKey) }},
		{"answer echoing the signature", func(auth *sentAuth) hostile.Answer {
			return func(s *hostile.Server, n int, w http.ResponseWriter, r *http.Request) {
				_, sig, _ := strings.Cut(r.Header.Get("Authorization"), "q-signature=")
				hostile.About(sig)(s, n, w, r)
			}
		}},
	}
	ops := []string{"TriggerWorkflow", "DescribeInventoryTriggerJob", "ListObjects"}
	for _, tt := range tests {
		for _, c := range calls {
			if !strings.Contains(strings.Join(ops, " "), c.op) {
				continue
			}
			t.Run(tt.name+"/"+c.op, func(t *testing.T) {
				t.Parallel()
				var auth sentAuth
				s := hostile.Start(t, auth.wrap(tt.answer(&auth)))
				var log bytes.Buffer
				logger := handler.NewLogger(&log, func(string) string { return "debug" })
				err := c.call(bounded(t), newClient(t, s, func(o *cosclient.Options) { o.Logger = logger }))
				if err == nil {
					t.Fatal("no error")
				}
				texts := map[string]string{
					"message":    err.Error(),
					"%+v":        fmt.Sprintf("%+v", err),
					"request ID": cosclient.ErrorRequestID(err),
					"log":        log.String(),
				}
				var ae *cosclient.APIError
				if errors.As(err, &ae) {
					texts["code"], texts["error message"], texts["trace ID"] = ae.Code, ae.Message, ae.TraceID
					if len(ae.Message) > 1024+3 {
						t.Errorf("CI's message is %d bytes, not clipped", len(ae.Message))
					}
				}
				var de *smithy.DeserializationError
				if errors.As(err, &de) {
					texts["snapshot"] = string(de.Snapshot)
				}
				var me *cosclient.MismatchError
				if errors.As(err, &me) {
					texts["answered"] = me.Answered
				}
				for where, text := range texts {
					for _, secret := range auth.secrets() {
						if secret != "" && strings.Contains(text, secret) {
							t.Errorf("%s holds a secret (%.24s...): %.300q", where, secret, text)
						}
					}
				}
				if len(err.Error()) > 8<<10 {
					t.Errorf("message of %d bytes", len(err.Error()))
				}
			})
		}
	}
}

// TestRedactionKeepsTheRest: what CI said apart from the credentials
// stays, so the error still tells what went wrong.
func TestRedactionKeepsTheRest(t *testing.T) {
	t.Parallel()
	s := hostile.Start(t, hostile.Echo(http.StatusForbidden, "SecretId="+secretID))
	_, err := newClient(t, s, nil).ListObjects(bounded(t), nil)
	var ae *cosclient.APIError
	if !errors.As(err, &ae) || !strings.HasPrefix(ae.Code, "AccessDenied [redacted]") ||
		!strings.Contains(ae.Message, "Authorization: [redacted] token=[redacted] encoded=[redacted] Q-Signature=[redacted]") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(ae.Message, "SecretId="+secretID) {
		t.Errorf("the SecretId, which is no secret, was removed too: %.200q", ae.Message)
	}
}
