package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/handler"
)

// functionURL stands in for the function's Function URL in front of fn:
// each HTTP request it receives (the emulator's callbacks, a forger's
// posts) becomes the SCF HTTP event the platform would send, over the SCF
// protocol, and fn's answer is its answer.
func functionURL(t *testing.T, fn *functionProcess) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		ev := events.HTTPRequest{HTTPMethod: r.Method, Path: r.URL.Path, Headers: map[string]string{},
			QueryString: map[string]events.QueryValues{}, Body: string(body)}
		for k := range r.Header {
			ev.Headers[strings.ToLower(k)] = r.Header.Get(k)
		}
		for k, v := range r.URL.Query() {
			ev.QueryString[k] = v
		}
		payload, err := json.Marshal(ev)
		if err != nil {
			t.Errorf("function URL: %v", err)
			return
		}
		resp, err := fn.call(payload, 10*time.Second, "")
		if err != nil || resp.Error != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		var out events.HTTPResponse
		if err := json.Unmarshal(resp.Payload, &out); err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(out.StatusCode)
		_, _ = io.WriteString(w, out.Body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestE2ECallbacks: the deploy binary behind a Function URL receives the
// emulator's WorkflowFinish callbacks as CI posts them (XML, unsigned, at
// each run's end) and redrives failed runs at once, with no sweep: an
// upload whose first run fails ends with 2 runs and a success, one that
// always fails with exactly COSFLOW_MAX_ATTEMPTS runs, reported; one that
// succeeds with 1. Then repeated callbacks, forged ones (a wrong token,
// garbage, a success claimed failed, JSON) and a huge body start nothing
// and answer 4xx or 2xx, never 5xx; the token never reaches the logs.
func TestE2ECallbacks(t *testing.T) {
	const token = "e2eCallbackTokenMUSTNOTAPPEARinLogs"
	emu, emuURL := startEmulator(t, ciemu.Options{Seed: 1, RunningFor: 200 * time.Millisecond})
	fn := startFunction(t, functionEnv(emuURL, map[string]string{handler.EnvCallbackToken: token}))
	base := functionURL(t, fn)
	callbackURL := base + "/v1/callbacks/ci?token=" + token
	if err := emu.SetCallback(e2eBucket, e2eWorkflowID, callbackURL, ciemu.FormatXML); err != nil {
		t.Fatal(err)
	}
	emu.StageRuns(e2eBucket, e2eWorkflowID, "cb/once.jpg", ciemu.Staging{Next: []ciemu.Outcome{ciemu.Fail("InternalError", "once")}})
	emu.StageRuns(e2eBucket, e2eWorkflowID, "cb/always.jpg", ciemu.Staging{Then: ciemu.Fail("InvalidInput", "the source cannot be decoded")})
	keys := []string{"cb/once.jpg", "cb/always.jpg", "cb/fine.jpg"}
	for _, k := range keys {
		if err := emu.PutObject(e2eBucket, k, 1, time.Now().Add(-2*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	var up handler.UploadResult
	decodeResult(t, fn.invoke(t, cosDelivery(t, keys), 10*time.Second), &up)
	if len(up.Triggered) != len(keys) || len(up.Failed) != 0 {
		t.Fatalf("upload: %+v", up)
	}

	want := map[string]int{"cb/once.jpg": 2, "cb/always.jpg": 3, "cb/fine.jpg": 1}
	settled := func() bool {
		for k, n := range want {
			if emu.TriggerCount(e2eBucket, e2eWorkflowID, k) != n {
				return false
			}
		}
		answered := 0
		for _, cb := range emu.Callbacks() {
			if cb.Status != 0 {
				answered++
			}
		}
		return answered == 6 // one per run, each answered
	}
	for deadline := time.Now().Add(20 * time.Second); !settled() && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	for k, n := range want {
		if got := emu.TriggerCount(e2eBucket, e2eWorkflowID, k); got != n {
			t.Errorf("%s: %d runs, want %d", k, got, n)
		}
	}
	last := map[string]cosclient.WorkflowExecution{}
	for _, x := range emu.Executions(e2eBucket, e2eWorkflowID) {
		last[x.Object] = x
	}
	for k, st := range map[string]cosclient.ExecutionState{"cb/once.jpg": "Success", "cb/always.jpg": "Failed", "cb/fine.jpg": "Success"} {
		if last[k].State != st {
			t.Errorf("%s: last run %s, want %s", k, last[k].State, st)
		}
	}
	for _, cb := range emu.Callbacks() {
		if cb.Status != http.StatusOK {
			t.Errorf("callback of %s answered %d (%s)", cb.RunID, cb.Status, cb.Err)
		}
	}

	// Repeats, forgeries and garbage: nothing more starts.
	before := emu.TotalTriggers()
	ctx := context.Background()
	for _, x := range emu.Executions(e2eBucket, e2eWorkflowID) {
		if cb, err := emu.RepeatCallback(ctx, e2eBucket, x.RunID); err != nil || cb.Status != http.StatusOK {
			t.Errorf("repeat of %s: %+v, %v", x.RunID, cb, err)
		}
	}
	forge := func(url, format string, n ciemu.Notice) int {
		cb, err := emu.ForgeCallback(ctx, url, format, n)
		if err != nil {
			t.Fatal(err)
		}
		return cb.Status
	}
	fine, _ := emu.Notice(e2eBucket, last["cb/fine.jpg"].RunID)
	claimedFailed := fine
	claimedFailed.State = cosclient.ExecutionStateFailed
	for name, status := range map[string]int{
		"wrong token":         forge(base+"/v1/callbacks/ci?token=guess", ciemu.FormatXML, claimedFailed),
		"no token":            forge(base+"/v1/callbacks/ci", ciemu.FormatXML, claimedFailed),
		"success said failed": forge(callbackURL, ciemu.FormatXML, claimedFailed),
		"as JSON":             forge(callbackURL, ciemu.FormatJSON, claimedFailed),
		"unknown run":         forge(callbackURL, ciemu.FormatXML, ciemu.Notice{RunID: "i" + strings.Repeat("0", 32), WorkflowID: e2eWorkflowID, Object: "cb/once.jpg", State: "Failed"}),
		"garbage":             post(t, callbackURL, "<Response><EventName>"),
		"huge":                post(t, callbackURL, "<Response>"+strings.Repeat(" ", 1<<20)+"</Response>"),
	} {
		if status < 200 || status >= 500 || (strings.Contains(name, "token") && status != http.StatusUnauthorized) {
			t.Errorf("%s: status %d", name, status)
		}
	}
	if n := emu.TotalTriggers(); n != before {
		t.Errorf("repeats and forgeries started %d runs", n-before)
	}

	out := fn.stdout.String()
	checkLogLines(t, out)
	if strings.Contains(out+fn.stderr.String(), token) {
		t.Error("the callback token reached the logs")
	}
	finished, permanent := 0, 0
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"msg":"run finished"`) && strings.Contains(line, `"state":"Failed"`) {
			finished++
			if !strings.Contains(line, `"code":"`) {
				t.Errorf("run finished without CI's code: %s", line)
			}
		}
		if strings.Contains(line, `"msg":"run failed permanently"`) && strings.Contains(line, `"code":"InvalidInput"`) {
			permanent++
		}
	}
	if finished < 4 || permanent == 0 {
		t.Errorf("%d 'run finished' lines of failed runs (want at least 4), %d 'run failed permanently'", finished, permanent)
	}
}

// post sends body to url as a forger would and returns the status.
func post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
