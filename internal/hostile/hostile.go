// Package hostile is a CI and COS endpoint that misbehaves on purpose, on
// loopback, for tests and benchmarks of what cosflow does against it: huge
// and dense answers, answers that never come or trickle, listings that
// never end, errors that echo the caller's credentials, IDs that carry
// control characters, answers about other IDs.
//
// A Server answers every request with one Answer; Route picks an Answer
// per operation. Every answer ends on its own: when the client goes, when
// the server closes, or after Options.Hold; and the server answers at most
// Options.MaxRequests requests (later ones get a 400 and are counted as
// Overflow), so a client that loops ends too.
package hostile

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
)

// Options bound a Server. Zero values take the defaults.
type Options struct {
	// Hold is the longest any answer holds its request; default 30 s.
	Hold time.Duration
	// MaxRequests is how many requests are answered; default 10,000.
	MaxRequests int
}

// Answer answers one request; n counts the server's requests from 1.
type Answer func(s *Server, n int, w http.ResponseWriter, r *http.Request)

// Server is a hostile endpoint on loopback: point a client's endpoint
// override at URL.
type Server struct {
	URL string

	srv      *httptest.Server
	opts     Options
	answer   Answer
	quit     chan struct{}
	closed   sync.Once
	requests atomic.Int64
	overflow atomic.Int64
}

// NewServer starts a Server answering with a; Close stops it.
func NewServer(a Answer, opts Options) *Server {
	if opts.Hold <= 0 {
		opts.Hold = 30 * time.Second
	}
	if opts.MaxRequests <= 0 {
		opts.MaxRequests = 10000
	}
	s := &Server{opts: opts, answer: a, quit: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Start starts a Server answering with a, closed when t ends.
func Start(t testing.TB, a Answer, opts ...Options) *Server {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	s := NewServer(a, o)
	t.Cleanup(s.Close)
	return s
}

// Close ends every answer still held and stops the server.
func (s *Server) Close() {
	s.closed.Do(func() {
		close(s.quit)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

// Requests is how many requests reached the server.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Overflow is how many requests came after MaxRequests.
func (s *Server) Overflow() int { return int(s.overflow.Load()) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	n := int(s.requests.Add(1))
	if n > s.opts.MaxRequests {
		s.overflow.Add(1)
		XML(http.StatusBadRequest, "<Error><Code>HostileLimit</Code><Message>too many requests</Message></Error>")(s, n, w, r)
		return
	}
	s.answer(s, n, w, r)
}

// hold waits until the client goes, the server closes or Hold passes; it
// reports whether the answer may go on (Hold passed).
func (s *Server) hold(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(min(d, s.opts.Hold))
	defer t.Stop()
	select {
	case <-r.Context().Done():
		return false
	case <-s.quit:
		return false
	case <-t.C:
		return d <= s.opts.Hold
	}
}

// Operation names the CI or COS operation r calls, as ciemu and cosclient
// name them ("" for none): the bucket listing on a .cos. host, the CI
// operations by method and path.
func Operation(r *http.Request) string {
	if strings.Contains(r.Host, ".cos.") {
		if r.Method == http.MethodGet && r.URL.Path == "/" {
			return ciemu.OpListObjects
		}
		return ""
	}
	base, id, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case base == "triggerworkflow" && r.Method == http.MethodPost:
		return ciemu.OpTriggerWorkflow
	case base == "inventorytriggerjob" && id == "" && r.Method == http.MethodPost:
		return ciemu.OpCreateInventoryTriggerJob
	case base == "inventorytriggerjob" && id == "" && r.Method == http.MethodGet:
		return ciemu.OpDescribeInventoryTriggerJobs
	case base == "inventorytriggerjob" && r.Method == http.MethodGet:
		return ciemu.OpDescribeInventoryTriggerJob
	case base == "inventorytriggerjob" && r.Method == http.MethodPut:
		return ciemu.OpCancelInventoryTriggerJob
	case base == "workflowexecution" && id == "":
		return ciemu.OpDescribeWorkflowExecutions
	case base == "workflowexecution":
		return ciemu.OpDescribeWorkflowExecution
	}
	return ""
}

// PathID is the ID a request's path names (/inventorytriggerjob/<id>,
// /workflowexecution/<id>), "" for none.
func PathID(r *http.Request) string {
	_, id, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return id
}

// Route answers each operation (see Operation) with its Answer, and any
// other request with a 404.
func Route(answers map[string]Answer) Answer {
	return func(s *Server, n int, w http.ResponseWriter, r *http.Request) {
		if a, ok := answers[Operation(r)]; ok {
			a(s, n, w, r)
			return
		}
		XML(http.StatusNotFound, "<Error><Code>ResourceNotFound</Code></Error>")(s, n, w, r)
	}
}
