// Package benchwire is what the two sides of the client benchmarks share:
// cosclient's (the bare net/http floor and cosflow, cosclient/bench_test.go)
// and the official SDK's (tools/benchref/sdkbench, in the tools module, so
// that the product never requires the SDK). Both send the same call to the
// same fixed answer, over loopback (Server) or from memory (MemTransport);
// the benchmark report (scripts/bench.sh) runs both test binaries in every
// round and compares their sub-benchmarks floor, sdk and cosflow.
package benchwire

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The bucket, its CI host and a key pair (demo values, not secrets).
const (
	Bucket    = "examplebucket-1250000000"
	Region    = "ap-guangzhou"
	Host      = Bucket + ".ci." + Region + ".myqcloud.com"
	SecretID  = "AKIDtestsecretid"
	SecretKey = "testsecretkey"
)

// The TriggerWorkflow call every client makes.
const (
	WorkflowID = "w0123456789abcdef0123456789abcdef"
	Object     = "uploads/2026/11/22/photo 001.jpg"
	RunName    = "bench"
)

// The CreateInventoryTriggerJob call every client makes: a Workflow job
// over Prefix, limited to the window [WindowStart, WindowEnd].
const (
	JobName     = "bench"
	JobPrefix   = "uploads/"
	WindowStart = "2026-11-20T00:00:00+0800"
	WindowEnd   = "2026-11-22T00:00:00+0800"
)

// The fixed answers: TriggerWorkflow's and CreateInventoryTriggerJob's.
const (
	TriggerAnswer   = `<Response><InstanceId>i0123456789abcdef0123456789abcdef</InstanceId><RequestId>body-req</RequestId></Response>`
	CreateJobAnswer = `<Response><RequestId>r</RequestId><JobsDetail><Code>Success</Code><JobId>b0123456789abcdef0123456789abcdef</JobId><State>Submitted</State><Name>bench</Name><CreationTime>2026-11-22T02:00:00+0800</CreationTime></JobsDetail></Response>`
)

// Server is a loopback server answering every request with body as CI
// does (XML with a request ID), closed when b ends.
func Server(b testing.TB, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("x-ci-request-id", "bench-request")
		w.Header().Set("Content-Type", "application/xml")
		_, _ = io.WriteString(w, body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// Transport is a fresh default transport keeping enough idle connections
// that no benchmark iteration dials.
func Transport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	return tr
}

// MemTransport answers every request in memory with Body, so the InMemory
// benchmarks measure client-side cost alone, free of the loopback network
// and of scheduling noise on a shared machine.
type MemTransport struct{ Body string }

// RoundTrip drains the request and answers 200 with Body.
func (m MemTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"X-Ci-Request-Id": {"bench-request"}}, Body: io.NopCloser(bytes.NewReader([]byte(m.Body))),
		ContentLength: int64(len(m.Body)), Request: r}, nil
}
