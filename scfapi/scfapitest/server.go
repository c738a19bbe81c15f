// Package scfapitest is a loopback stand-in for the SCF API's Invoke, for
// tests and benchmarks: it checks each call's TC3 signature against the
// credentials it was given, as the API would, records the invocations
// and hands each to a hook (which may run the function, as SCF would).
// It speaks the API's wire format, so that the official SDK can call it
// too (tools/sdkdiff).
package scfapitest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/scfapi"
)

// Invocation is one Invoke the server accepted.
type Invocation struct {
	scfapi.InvokeInput
	Region    string
	RequestID string // the FunctionRequestId answered
}

// Server is the stand-in. Its zero value is not usable: call New.
type Server struct {
	// URL is the server's endpoint, for scfapi.Options.Endpoint.
	URL string

	srv   *httptest.Server
	creds cosclient.Credentials
	hook  func(Invocation)

	mu    sync.Mutex
	calls []Invocation
	seq   int
}

// New starts a server that accepts calls signed with creds and calls hook
// (if not nil) for every invocation it accepts, in its own goroutine, after
// answering: SCF queues an asynchronous invocation and runs it later.
func New(creds cosclient.Credentials, hook func(Invocation)) *Server {
	s := &Server{creds: creds, hook: hook}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Invocations returns the invocations accepted so far.
func (s *Server) Invocations() []Invocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Invocation(nil), s.calls...)
}

// maxSkew is how far a request's timestamp may be from the server's
// clock, as the API refuses old signatures (AuthFailure.SignatureExpire).
const maxSkew = 5 * time.Minute

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.seq++
	reqID := fmt.Sprintf("scfapitest-%d", s.seq)
	s.mu.Unlock()
	fail := func(status int, code, msg string) {
		writeJSON(w, status, map[string]any{"Response": map[string]any{
			"Error": map[string]string{"Code": code, "Message": msg}, "RequestId": reqID}})
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 6<<20))
	if err != nil || r.Method != http.MethodPost || r.URL.Path != "/" {
		fail(http.StatusBadRequest, "InvalidParameter", "POST / with a JSON body")
		return
	}
	if code, msg := s.checkSignature(r, body); code != "" {
		fail(http.StatusOK, code, msg) // the API answers its errors with 200
		return
	}
	if r.Header.Get("X-TC-Action") != "Invoke" || r.Header.Get("X-TC-Version") != scfapi.Version {
		fail(http.StatusOK, "InvalidAction", "only Invoke of "+scfapi.Version+" is served")
		return
	}
	var in scfapi.InvokeInput
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.FunctionName == "" {
		fail(http.StatusOK, "InvalidParameter", fmt.Sprintf("the body is not an Invoke request: %v", err))
		return
	}
	if in.InvocationType == scfapi.InvocationEvent && len(in.ClientContext) > scfapi.MaxAsyncEvent {
		fail(http.StatusOK, "InvalidParameterValue.ClientContext", "ClientContext is over 128 KB")
		return
	}
	inv := Invocation{InvokeInput: in, Region: r.Header.Get("X-TC-Region"), RequestID: reqID + "-fn"}
	s.mu.Lock()
	s.calls = append(s.calls, inv)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"Response": map[string]any{
		"Result": map[string]any{"FunctionRequestId": inv.RequestID}, "RequestId": reqID}})
	if s.hook != nil {
		go s.hook(inv)
	}
}

// checkSignature checks r's Authorization against s's credentials; the
// code and message of the API's refusal, or "" when it holds.
func (s *Server) checkSignature(r *http.Request, body []byte) (code, msg string) {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, scfapi.Algorithm+" ")
	if !ok {
		return "AuthFailure.InvalidAuthorization", "Authorization is not " + scfapi.Algorithm
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ", ") {
		k, v, _ := strings.Cut(part, "=")
		fields[k] = v
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		return "MissingParameter", "X-TC-Timestamp"
	}
	if d := time.Since(time.Unix(ts, 0)); d > maxSkew || d < -maxSkew {
		return "AuthFailure.SignatureExpire", "the signature is older than 5 minutes"
	}
	date := time.Unix(ts, 0).UTC().Format(time.DateOnly)
	if fields["Credential"] != s.creds.SecretID+"/"+scfapi.Scope(date, scfapi.Service) {
		return "AuthFailure.SecretIdNotFound", "unknown SecretId or scope"
	}
	if fields["SignedHeaders"] != "content-type;host" {
		return "AuthFailure.InvalidAuthorization", "SignedHeaders must be content-type;host"
	}
	if s.creds.SessionToken != "" && r.Header.Get("X-TC-Token") != s.creds.SessionToken {
		return "AuthFailure.TokenFailure", "X-TC-Token does not match"
	}
	want := scfapi.Signature(s.creds.SecretKey, scfapi.Service, r.Host, r.Header.Get("Content-Type"), body, ts)
	if subtle.ConstantTimeCompare([]byte(fields["Signature"]), []byte(want)) != 1 {
		return "AuthFailure.SignatureFailure", "the signature does not match"
	}
	return "", ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
