package cosclient

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

// The benchmarks compare, against one loopback server answering a fixed
// body: floor (a bare net/http request of the same shape), sdk (the
// official SDK, test-only) and cosflow (this client, endpoint override).
// Our overhead is (cosflow - floor); the target is at most a quarter of
// the SDK's (sdk - floor), in time and in allocations.

const benchCreateResp = `<Response><RequestId>r</RequestId><JobsDetail><Code>Success</Code><JobId>b0123456789abcdef0123456789abcdef</JobId><State>Submitted</State><Name>bench</Name><CreationTime>2026-11-22T02:00:00+0800</CreationTime></JobsDetail></Response>`

func benchServer(b *testing.B, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("x-ci-request-id", "bench-request")
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func newTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	return tr
}

// benchClient is cosflow's client for endpoint ("" for the bucket's
// virtual host) over hc (nil for the default).
func benchClient(b *testing.B, endpoint string, hc *http.Client) *Client {
	c, err := New(Options{Region: testRegion, Bucket: testBucket, Endpoint: endpoint, HTTPClient: hc,
		Credentials: StaticCredentials{SecretID: testSecretID, SecretKey: testSecret}})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// sdkClient is the official SDK's client for base over rt.
func sdkClient(base string, rt http.RoundTripper) *cos.Client {
	u, _ := url.Parse(base)
	return cos.NewClient(&cos.BaseURL{CIURL: u}, &http.Client{Transport: &cos.AuthorizationTransport{
		SecretID: testSecretID, SecretKey: testSecret, Transport: rt}})
}

// floorDo sends one bare request and drains the answer.
func floorDo(b *testing.B, hc *http.Client, method, u string, body []byte) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u, r)
	if err != nil {
		b.Fatal(err)
	}
	req.Host = testHost
	if body != nil {
		req.Header.Set("Content-Type", "application/xml")
	}
	req.Header.Set("Authorization", "q-sign-algorithm=sha1&q-ak=x&q-sign-time=1;2&q-key-time=1;2&q-header-list=host&q-url-param-list=&q-signature=0")
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatal(resp.Status)
	}
}

func BenchmarkTriggerWorkflow(b *testing.B) {
	srv := benchServer(b, triggerOK)
	const object = "uploads/2026/11/22/photo 001.jpg"
	ctx := context.Background()
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: newTransport()}
		u := srv.URL + "/triggerworkflow?workflowId=" + testWorkflow + "&object=" + url.QueryEscape(object) + "&name=bench"
		b.ReportAllocs()
		for b.Loop() {
			floorDo(b, hc, "POST", u, nil)
		}
	})
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(srv.URL, newTransport())
		opt := &cos.TriggerWorkflowOptions{WorkflowId: testWorkflow, Object: object, Name: "bench"}
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.CI.TriggerWorkflow(ctx, opt); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cosflow", func(b *testing.B) {
		c := benchClient(b, srv.URL, nil)
		in := &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: object, Name: "bench"}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.TriggerWorkflow(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCreateInventoryTriggerJob(b *testing.B) {
	srv := benchServer(b, benchCreateResp)
	ctx := context.Background()
	in := benchCreateInput()
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: newTransport()}
		body, err := xml.Marshal(in)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			floorDo(b, hc, "POST", srv.URL+"/inventorytriggerjob", body)
		}
	})
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(srv.URL, newTransport())
		opt := sdkCreateOptions()
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.CI.CreateInventoryTriggerJob(ctx, opt); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cosflow", func(b *testing.B) {
		c := benchClient(b, srv.URL, nil)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.CreateInventoryTriggerJob(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// memTransport answers every request in memory with a fixed body, so the
// InMemory benchmarks measure client-side cost alone, free of the loopback
// network and of scheduling noise on a shared machine.
type memTransport struct{ body string }

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"X-Ci-Request-Id": {"bench-request"}}, Body: io.NopCloser(bytes.NewReader([]byte(m.body))),
		ContentLength: int64(len(m.body)), Request: r}, nil
}

func BenchmarkTriggerWorkflowInMemory(b *testing.B) {
	const object = "uploads/2026/11/22/photo 001.jpg"
	mem := memTransport{body: triggerOK}
	ctx := context.Background()
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: mem}
		u := "https://" + testHost + "/triggerworkflow?workflowId=" + testWorkflow + "&object=" + url.QueryEscape(object) + "&name=bench"
		b.ReportAllocs()
		for b.Loop() {
			floorDo(b, hc, "POST", u, nil)
		}
	})
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient("https://"+testHost, mem)
		opt := &cos.TriggerWorkflowOptions{WorkflowId: testWorkflow, Object: object, Name: "bench"}
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.CI.TriggerWorkflow(ctx, opt); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cosflow", func(b *testing.B) {
		c := benchClient(b, "", &http.Client{Transport: mem})
		in := &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: object, Name: "bench"}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.TriggerWorkflow(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCreateInventoryTriggerJobInMemory(b *testing.B) {
	mem := memTransport{body: benchCreateResp}
	ctx := context.Background()
	in := benchCreateInput()
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: mem}
		body, err := xml.Marshal(in)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			floorDo(b, hc, "POST", "https://"+testHost+"/inventorytriggerjob", body)
		}
	})
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient("https://"+testHost, mem)
		opt := sdkCreateOptions()
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.CI.CreateInventoryTriggerJob(ctx, opt); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cosflow", func(b *testing.B) {
		c := benchClient(b, "", &http.Client{Transport: mem})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.CreateInventoryTriggerJob(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchCreateInput and sdkCreateOptions are the same job for both clients.
func benchCreateInput() *CreateInventoryTriggerJobInput {
	return &CreateInventoryTriggerJobInput{Name: "bench", Type: JobTypeWorkflow, Input: JobInput{Prefix: ptr("uploads/")},
		Operation: JobOperation{WorkflowIDs: testWorkflow, TimeInterval: &TimeInterval{Start: "2026-11-20T00:00:00+0800", End: "2026-11-22T00:00:00+0800"}}}
}

func sdkCreateOptions() *cos.CreateInventoryTriggerJobOptions {
	return &cos.CreateInventoryTriggerJobOptions{Name: "bench", Type: "Workflow",
		Input: &cos.InventoryTriggerJobInput{Prefix: "uploads/"},
		Operation: &cos.InventoryTriggerJobOperation{WorkflowIds: testWorkflow,
			TimeInterval: cos.InventoryTriggerJobOperationTimeInterval{Start: "2026-11-20T00:00:00+0800", End: "2026-11-22T00:00:00+0800"}}}
}
