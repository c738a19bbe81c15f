package hostile

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cosflow/cosflow/ciemu"
)

// The answers. Each is an Answer a Server can give; Route combines them
// per operation.

// XML answers status with body.
func XML(status int, body string) Answer {
	return func(_ *Server, _ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// Huge answers status with size bytes: open (e.g. "<Response><RequestId>")
// and then text, never closed. With length set Content-Length announces
// the size; without, the body is chunked, its size known only by reading
// it.
func Huge(status int, size int64, open string, length bool) Answer {
	return func(s *Server, _ int, w http.ResponseWriter, r *http.Request) {
		if length {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		}
		w.WriteHeader(status)
		s.stream(w, r, size, open, "", filler)
	}
}

// Dense answers status with about size bytes of one tiny element repeated
// under root, <root><elem/><elem/>...</root>, chunked: what costs a
// decoder the most for the bytes.
func Dense(status int, size int64, root, elem string) Answer {
	return func(s *Server, _ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		tiny := "<" + elem + "/>"
		s.stream(w, r, size, "<"+root+">", "</"+root+">", strings.Repeat(tiny, chunkSize/len(tiny)))
	}
}

// chunkSize is how much stream writes at a time.
const chunkSize = 32 << 10

var filler = strings.Repeat("a", chunkSize)

// stream writes open, then chunk repeated (cut to fit) until size bytes in
// all are written with close, or the client goes or the server closes.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, size int64, open, close, chunk string) {
	bw := bufio.NewWriterSize(w, chunkSize)
	left := size - int64(len(open)) - int64(len(close))
	if _, err := bw.WriteString(open); err != nil {
		return
	}
	for left > 0 {
		select {
		case <-r.Context().Done():
			return
		case <-s.quit:
			return
		default:
		}
		c := chunk[:min(int64(len(chunk)), left)]
		if _, err := bw.WriteString(c); err != nil {
			return
		}
		left -= int64(len(c))
	}
	bw.WriteString(close)
	bw.Flush()
}

// Silent reads the request and never answers: no status, no headers. After
// Options.Hold it drops the connection.
func Silent() Answer {
	return func(s *Server, _ int, w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		s.hold(r, s.opts.Hold)
		hangUp(w)
	}
}

// Trickle answers status with body, announced whole, one byte every
// interval.
func Trickle(status int, body string, every time.Duration) Answer {
	return func(s *Server, _ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		for i := range len(body) {
			w.(http.Flusher).Flush()
			if !s.hold(r, every) {
				return
			}
			if _, err := io.WriteString(w, body[i:i+1]); err != nil {
				return
			}
		}
	}
}

// Stall answers status with body announced whole, sends its first sent
// bytes and then nothing, until Options.Hold.
func Stall(status int, body string, sent int) Answer {
	return func(s *Server, _ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		io.WriteString(w, body[:sent])
		w.(http.Flusher).Flush()
		s.hold(r, s.opts.Hold)
	}
}

// HugeHeaders answers 200 with one header of size bytes.
func HugeHeaders(size int) Answer {
	return func(_ *Server, _ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Ci-Padding", strings.Repeat("p", size))
		w.WriteHeader(http.StatusOK)
	}
}

// EndlessPages answers every listing with a page that says there is
// another: a CI listing (jobs, runs) holds one item and a new NextToken,
// tokenLen bytes long, each page; a bucket listing is truncated and holds
// one key, the marker it was asked with and one byte more, so its last
// key grows every page and always moves forward.
func EndlessPages(tokenLen int) Answer {
	return func(s *Server, n int, w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		token := fmt.Sprintf("t%d-", n)
		token += strings.Repeat("x", max(0, tokenLen-len(token)))
		var body string
		switch Operation(r) {
		case ciemu.OpDescribeInventoryTriggerJobs:
			body = "<Response><JobsDetail><JobId>b" + strconv.Itoa(n) + "</JobId></JobsDetail><NextToken>" + token + "</NextToken></Response>"
		case ciemu.OpDescribeWorkflowExecutions:
			body = "<Response><WorkflowExecutionList><RunId>i" + strconv.Itoa(n) + "</RunId><WorkflowId>" + esc(q.Get("workflowId")) +
				"</WorkflowId></WorkflowExecutionList><NextToken>" + token + "</NextToken></Response>"
		case ciemu.OpListObjects:
			body = listing(true, "", q.Get("marker")+"a")
		default:
			XML(http.StatusNotFound, "<Error><Code>ResourceNotFound</Code></Error>")(s, n, w, r)
			return
		}
		XML(http.StatusOK, body)(s, n, w, r)
	}
}

// StuckMarker answers a bucket listing with a truncated page holding the
// key k, and k as its NextMarker, whatever the marker asked: from the
// second page on, the listing does not move.
func StuckMarker() Answer {
	return XML(http.StatusOK, listing(true, "k", "k"))
}

// listing is a COS GET Bucket answer.
func listing(truncated bool, nextMarker string, keys ...string) string {
	b := "<ListBucketResult><Name>examplebucket-1250000000</Name><IsTruncated>" + strconv.FormatBool(truncated) + "</IsTruncated>"
	if nextMarker != "" {
		b += "<NextMarker>" + esc(nextMarker) + "</NextMarker>"
	}
	for _, k := range keys {
		b += "<Contents><Key>" + esc(k) + "</Key><LastModified>2026-11-22T10:00:00.000Z</LastModified><Size>1</Size></Contents>"
	}
	return b + "</ListBucketResult>"
}

// Echo answers status with an <Error> whose every field echoes what the
// request carried of its credentials: the whole Authorization header, its
// q-signature, the session token (as sent, and percent-encoded), and each
// of extra (e.g. the secret key, which a server cannot see but a test can
// pass), in a message long enough to need clipping. The request-ID header
// echoes the token too.
func Echo(status int, extra ...string) Answer {
	return func(s *Server, n int, w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		token := r.Header.Get("X-Cos-Security-Token")
		_, sig, _ := strings.Cut(auth, "q-signature=")
		echo := "Authorization: " + auth + " token=" + token + " encoded=" + url.QueryEscape(token) +
			" Q-Signature=" + sig + " " + strings.Join(extra, " ")
		w.Header().Set("X-Ci-Request-Id", url.QueryEscape(token))
		XML(status, "<Error><Code>AccessDenied "+esc(token)+"</Code><Message>"+esc(echo+strings.Repeat(" padding", 1024)+echo)+
			"</Message><RequestId>"+esc(auth)+"</RequestId><TraceId>"+esc(sig)+"</TraceId></Error>")(s, n, w, r)
	}
}

// EchoInHeaderLine answers with a status line and then the request's
// Authorization as a header line without a colon: the transport refuses
// it, quoting the line in its error.
func EchoInHeaderLine() Answer {
	return func(_ *Server, _ int, w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\n" + auth + "\r\n\r\n")
		buf.Flush()
	}
}

// SameID, given to About, answers about the ID each request asks about.
const SameID = ""

// ControlID is an ID carrying what XML can carry and a terminal or a log
// must not act on: CR and LF, a forged JSON log line, NEL and CSI (C1),
// the line separator, a right-to-left override.
const ControlID = "i0\r\n{\"level\":\"INFO\",\"msg\":\"forged\"}\r\n\u0085\u009b2J\u2028\u202egpj.exe"

// About answers every operation as the service would, but about id: the
// trigger's InstanceId, the created or described job's JobId, the
// described run's RunId, the listed runs' RunId and WorkflowId, the listed
// key. With SameID a read is answered about the ID it asked about (a
// listing's runs about the asked workflow), so the answer is right.
func About(id string) Answer {
	return func(s *Server, n int, w http.ResponseWriter, r *http.Request) {
		asked := id
		if asked == SameID {
			asked = PathID(r)
		}
		var body string
		switch Operation(r) {
		case ciemu.OpTriggerWorkflow:
			body = "<Response><InstanceId>" + esc(id) + "</InstanceId><RequestId>r</RequestId></Response>"
		case ciemu.OpCreateInventoryTriggerJob, ciemu.OpDescribeInventoryTriggerJob:
			body = "<Response><RequestId>r</RequestId><JobsDetail><JobId>" + esc(asked) + "</JobId><State>Failed</State><Code>Failed</Code>" +
				"<Message>about " + esc(asked) + "</Message></JobsDetail></Response>"
		case ciemu.OpDescribeWorkflowExecution:
			body = "<Response><RequestId>r</RequestId><WorkflowExecution><RunId>" + esc(asked) + "</RunId><State>Failed</State></WorkflowExecution></Response>"
		case ciemu.OpDescribeWorkflowExecutions:
			wf := id
			if wf == SameID {
				wf = r.URL.Query().Get("workflowId")
			}
			body = "<Response><RequestId>r</RequestId><WorkflowExecutionList><RunId>i1</RunId><WorkflowId>" + esc(wf) + "</WorkflowId>" +
				"<Object>a.jpg</Object><State>Success</State></WorkflowExecutionList></Response>"
		case ciemu.OpListObjects:
			body = listing(false, "", id)
		default:
			XML(http.StatusNotFound, "<Error><Code>ResourceNotFound</Code></Error>")(s, n, w, r)
			return
		}
		XML(http.StatusOK, body)(s, n, w, r)
	}
}

// esc is s as XML text.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// hangUp drops the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		conn.Close()
	}
}
