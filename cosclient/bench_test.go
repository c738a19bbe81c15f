package cosclient

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/cosflow/cosflow/internal/benchwire"
)

// The benchmarks compare, for one call against one fixed answer: floor (a
// bare net/http request of the same shape) and cosflow (this client). The
// official SDK's side, sub-benchmark sdk of the same names, is in the tools
// module (tools/benchref/sdkbench), which scripts/bench.sh runs in the same
// rounds: cosflow's overhead above the floor is reported against the SDK's.

// benchClient is cosflow's client for endpoint ("" for the bucket's
// virtual host) over hc (nil for the default).
func benchClient(b *testing.B, endpoint string, hc *http.Client) *Client {
	c, err := New(Options{Region: benchwire.Region, Bucket: benchwire.Bucket, Endpoint: endpoint, HTTPClient: hc,
		Credentials: StaticCredentials{SecretID: benchwire.SecretID, SecretKey: benchwire.SecretKey}})
	if err != nil {
		b.Fatal(err)
	}
	return c
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
	req.Host = benchwire.Host
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

// triggerURL is the floor's TriggerWorkflow request under base.
func triggerURL(base string) string {
	return base + "/triggerworkflow?workflowId=" + benchwire.WorkflowID + "&object=" + url.QueryEscape(benchwire.Object) + "&name=" + benchwire.RunName
}

// benchTrigger runs the floor and cosflow TriggerWorkflow sub-benchmarks
// against base (the floor's URL) over hc, cosflow's client from newClient.
func benchTrigger(b *testing.B, base string, hc *http.Client, newClient func(*testing.B) *Client) {
	ctx := context.Background()
	b.Run("floor", func(b *testing.B) {
		u := triggerURL(base)
		b.ReportAllocs()
		for b.Loop() {
			floorDo(b, hc, "POST", u, nil)
		}
	})
	b.Run("cosflow", func(b *testing.B) {
		c := newClient(b)
		in := &TriggerWorkflowInput{WorkflowID: benchwire.WorkflowID, Object: benchwire.Object, Name: benchwire.RunName}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.TriggerWorkflow(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchCreateJob is benchTrigger for CreateInventoryTriggerJob.
func benchCreateJob(b *testing.B, base string, hc *http.Client, newClient func(*testing.B) *Client) {
	ctx := context.Background()
	in := &CreateInventoryTriggerJobInput{Name: benchwire.JobName, Type: JobTypeWorkflow, Input: JobInput{Prefix: ptr(benchwire.JobPrefix)},
		Operation: JobOperation{WorkflowIDs: benchwire.WorkflowID, TimeInterval: &TimeInterval{Start: benchwire.WindowStart, End: benchwire.WindowEnd}}}
	b.Run("floor", func(b *testing.B) {
		body, err := xml.Marshal(in)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			floorDo(b, hc, "POST", base+"/inventorytriggerjob", body)
		}
	})
	b.Run("cosflow", func(b *testing.B) {
		c := newClient(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.CreateInventoryTriggerJob(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkTriggerWorkflow(b *testing.B) {
	srv := benchwire.Server(b, benchwire.TriggerAnswer)
	benchTrigger(b, srv.URL, &http.Client{Transport: benchwire.Transport()},
		func(b *testing.B) *Client { return benchClient(b, srv.URL, nil) })
}

func BenchmarkCreateInventoryTriggerJob(b *testing.B) {
	srv := benchwire.Server(b, benchwire.CreateJobAnswer)
	benchCreateJob(b, srv.URL, &http.Client{Transport: benchwire.Transport()},
		func(b *testing.B) *Client { return benchClient(b, srv.URL, nil) })
}

func BenchmarkTriggerWorkflowInMemory(b *testing.B) {
	hc := &http.Client{Transport: benchwire.MemTransport{Body: benchwire.TriggerAnswer}}
	benchTrigger(b, "https://"+benchwire.Host, hc, func(b *testing.B) *Client { return benchClient(b, "", hc) })
}

func BenchmarkCreateInventoryTriggerJobInMemory(b *testing.B) {
	hc := &http.Client{Transport: benchwire.MemTransport{Body: benchwire.CreateJobAnswer}}
	benchCreateJob(b, "https://"+benchwire.Host, hc, func(b *testing.B) *Client { return benchClient(b, "", hc) })
}
