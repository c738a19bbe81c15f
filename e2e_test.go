package main

// End-to-end tests of the real binary: TestMain builds it once, each test
// starts the CI emulator in-process on loopback and the binary as an SCF
// runtime pointed at it, then plays the platform over net/rpc with
// scf.Client. Nothing is mocked between the RPC call and the emulator's
// HTTP handler.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/internal/citest"
	"github.com/cosflow/cosflow/scf"
	"github.com/cosflow/cosflow/scf/messages"
)

// Values every started function shares. The credentials are the
// emulator's documented demo pair; the session token and API token are
// made-up strings the scrubbing test looks for in the logs.
const (
	e2eBucket       = "examplebucket-1250000000"
	e2eRegion       = "ap-guangzhou"
	e2eWorkflowID   = "w0123456789abcdef0123456789abcdef"
	e2eSessionToken = "e2eSessionTokenMUSTNOTAPPEARinLogs"
	e2eAPIToken     = "e2eApiTokenMUSTNOTAPPEARinLogs"
	fixtureDir      = "events/testdata"
)

// cosflowBin is the binary TestMain built.
var cosflowBin string

func TestMain(m *testing.M) {
	// The deploy build, as scripts/build.sh makes it: what SCF runs.
	os.Exit(citest.RunWithBinary(m, "cosflow", func(path string) { cosflowBin = path }, "-tags", "deploy"))
}

// syncBuffer is a bytes.Buffer safe for the child's output copier and the
// test reading it at the same time.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startEmulator serves a CI emulator on loopback until the test ends.
func startEmulator(t *testing.T, opts ciemu.Options) (*ciemu.Emulator, string) {
	t.Helper()
	emu := ciemu.New(opts)
	srv, err := emu.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return emu, srv.URL()
}

// functionProcess is one running cosflow process serving the SCF runtime.
type functionProcess struct {
	client         *scf.Client
	stdout, stderr *syncBuffer
	requests       atomic.Int64
	name           string
}

// functionEnv is the environment of a function talking to emuURL with the
// emulator's demo credentials and the catch-all rule; overrides replace or,
// with an empty value, remove variables.
func functionEnv(emuURL string, overrides map[string]string) map[string]string {
	return citest.Env(map[string]string{
		"COSFLOW_CI_ENDPOINT":       emuURL,
		"TENCENTCLOUD_SECRETID":     ciemu.DefaultSecretID,
		"TENCENTCLOUD_SECRETKEY":    ciemu.DefaultSecretKey,
		"TENCENTCLOUD_SESSIONTOKEN": e2eSessionToken,
		"COSFLOW_WORKFLOW_ID":       e2eWorkflowID,
		"COSFLOW_BUCKET":            e2eBucket,
		"COSFLOW_REGION":            e2eRegion,
		"COSFLOW_API_TOKEN":         e2eAPIToken,
	}, overrides)
}

// startFunction runs the binary as an SCF runtime with exactly env (plus
// the port), waits until it answers Ping and stops it when the test ends.
// The port is picked free and released just before the child binds it; a
// clash shows up as an early exit and is retried with another port.
func startFunction(t *testing.T, env map[string]string) *functionProcess {
	t.Helper()
	var lastErr error
	for range 3 {
		fn, err := tryStartFunction(t, env)
		if err == nil {
			return fn
		}
		lastErr = err
	}
	t.Fatalf("start function: %v", lastErr)
	return nil
}

func tryStartFunction(t *testing.T, env map[string]string) (*functionProcess, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	fn := &functionProcess{stdout: &syncBuffer{}, stderr: &syncBuffer{}, name: requestPrefix(t)}
	cmd := exec.Command(cosflowBin)
	cmd.Env = []string{"_LAMBDA_SERVER_PORT=" + port}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	cmd.Stdout, cmd.Stderr = fn.stdout, fn.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cosflowBin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Kill()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Errorf("function process %d did not exit after kill", cmd.Process.Pid)
		}
	}

	client, err := waitForPing(net.JoinHostPort("127.0.0.1", port), exited)
	if err != nil {
		stop()
		return nil, fmt.Errorf("%w (stderr: %q)", err, fn.stderr.String())
	}
	fn.client = client
	t.Cleanup(func() {
		_ = client.Close()
		stop()
		if t.Failed() {
			t.Logf("function stdout:\n%s\nfunction stderr:\n%s", fn.stdout.String(), fn.stderr.String())
		}
	})
	return fn, nil
}

// waitForPing waits until the process answers Ping, exits, or 10 seconds
// pass.
func waitForPing(addr string, exited <-chan struct{}) (*scf.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		select {
		case <-exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	client, err := scf.DialReady(ctx, addr)
	if err != nil {
		select {
		case <-exited:
			return nil, fmt.Errorf("function exited before answering Ping on %s", addr)
		default:
			return nil, err
		}
	}
	return client, nil
}

// freePort is a loopback port the kernel just handed out.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// requestPrefix makes request IDs that name the test they came from.
func requestPrefix(t *testing.T) string {
	return strings.Trim(nonWord.ReplaceAllString(t.Name(), "-"), "-")
}

// invoke delivers payload the way the platform does, with a deadline
// timeout from now; it fails the test only on transport errors.
func (fn *functionProcess) invoke(t *testing.T, payload []byte, timeout time.Duration) *messages.InvokeResponse {
	t.Helper()
	return fn.invokeWithEnv(t, payload, timeout, "")
}

// invokeWithEnv is invoke with the per-call Environment JSON the platform
// sends (the role's rotating credentials, for one).
func (fn *functionProcess) invokeWithEnv(t *testing.T, payload []byte, timeout time.Duration, environment string) *messages.InvokeResponse {
	t.Helper()
	resp, err := fn.call(payload, timeout, environment)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	return resp
}

// call is one Invoke without a *testing.T, for goroutines; the client
// waits 10 s past the deadline before giving up on the function.
func (fn *functionProcess) call(payload []byte, timeout time.Duration, environment string) (*messages.InvokeResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout+10*time.Second)
	defer cancel()
	n := fn.requests.Add(1)
	return fn.client.Invoke(ctx, &messages.InvokeRequest{
		Payload:            payload,
		RequestId:          fmt.Sprintf("%s-%d", fn.name, n),
		Deadline:           messages.TimestampOf(time.Now().Add(timeout)),
		FunctionName:       "cosflow",
		Namespace:          "default",
		FunctionVersion:    "$LATEST",
		MemoryLimitInMb:    128,
		TimeLimitInMs:      int32(timeout / time.Millisecond),
		Environment:        environment,
		TencentcloudRegion: e2eRegion,
	})
}

// decodeResult decodes a successful response's payload into v.
func decodeResult(t *testing.T, resp *messages.InvokeResponse, v any) {
	t.Helper()
	if resp.Error != nil {
		t.Fatalf("function error %s: %s", resp.Error.Type, resp.Error.Message)
	}
	if err := json.Unmarshal(resp.Payload, v); err != nil {
		t.Fatalf("decode result %s: %v", resp.Payload, err)
	}
}

// readFixture reads an event from events/testdata.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return data
}

// bearerToken is the token of an HTTP fixture's Authorization header.
func bearerToken(t *testing.T, name string) string {
	t.Helper()
	ev, err := events.Parse(readFixture(t, name))
	if err != nil || ev.HTTP == nil {
		t.Fatalf("parse HTTP fixture %s: %v", name, err)
	}
	for k, v := range ev.HTTP.Headers {
		if strings.EqualFold(k, "Authorization") {
			if tok, ok := strings.CutPrefix(v, "Bearer "); ok {
				return tok
			}
		}
	}
	t.Fatalf("fixture %s has no bearer token", name)
	return ""
}

// e2eCase is one scenario of TestE2E: a process configured by env, then
// check plays the platform against it.
type e2eCase struct {
	name  string
	env   map[string]string
	check func(t *testing.T, fn *functionProcess, emu *ciemu.Emulator)
}

func TestE2E(t *testing.T) {
	cases := []e2eCase{
		{name: "cos put", check: triggers("cos_put.json", "photos/2026/cat.jpg")},
		{
			// dog.png twice in one delivery fires once; processed/ is
			// the workflow's own output and must not loop.
			name: "cos multi with duplicate and ignored prefix",
			env:  map[string]string{"COSFLOW_IGNORE_PREFIXES": "processed/"},
			check: func(t *testing.T, fn *functionProcess, emu *ciemu.Emulator) {
				res := expectTriggered(t, fn, emu, "cos_multi.json", "photos/2026/dog.png", "videos/intro.mp4")
				wantSkips := map[string]string{
					"photos/2026/dog.png":            handler.ReasonAlreadyTriggered,
					"processed/photos/2026/dog.webp": handler.ReasonIgnoredPrefix + "processed/",
				}
				if len(res.Skipped) != len(wantSkips) {
					t.Fatalf("skipped = %+v, want %v", res.Skipped, wantSkips)
				}
				for _, s := range res.Skipped {
					if wantSkips[s.Key] != s.Reason {
						t.Errorf("skipped %q for %q, want %q", s.Key, s.Reason, wantSkips[s.Key])
					}
				}
			},
		},
		{name: "cos tricky keys", check: triggers("cos_tricky_keys.json",
			"photos/my cat.jpg", "photos/a+b=c.jpg", "reports/100%.pdf", "notes/#1 draft.txt",
			"q/what?.txt", "照片/猫咪 2026.jpg", "/leading-slash.jpg", "photos/encoded%20key%2Bplus.jpg", "photos/1+1=2.jpg", "photos/as-delivered.jpg")},
		{name: "cos old format", check: triggers("cos_old_format.json", "uploads/report.pdf")},
		{name: "cos redelivery on a warm instance", check: checkRedelivery},
		{name: "timer creates one job per tick", check: checkTimerIdempotent},
		{
			// The legacy gateway fixture is a trigger request carrying the
			// gateway's query shapes (a string, a list, a bare flag). A POST
			// route takes no query parameter: 400 naming the first, and
			// nothing sent to CI.
			name: "http gateway fixture",
			env:  map[string]string{"COSFLOW_API_TOKEN": "apigw"},
			check: func(t *testing.T, fn *functionProcess, emu *ciemu.Emulator) {
				body := expectHTTP(t, fn, "apigw_request.json", 400)
				var out struct {
					Error struct{ Field string } `json:"error"`
				}
				if err := json.Unmarshal([]byte(body), &out); err != nil || out.Error.Field != "dryRun" {
					t.Errorf("body %s does not name the dryRun parameter: %v", body, err)
				}
				expectNoCICalls(t, emu)
			},
		},
		{
			name: "http function url fixture",
			env:  map[string]string{"COSFLOW_API_TOKEN": "function_url"},
			check: func(t *testing.T, fn *functionProcess, emu *ciemu.Emulator) {
				body := expectHTTP(t, fn, "function_url_request.json", 200)
				var list struct {
					Jobs []json.RawMessage `json:"jobs"`
				}
				if err := json.Unmarshal([]byte(body), &list); err != nil || list.Jobs == nil {
					t.Errorf("body %s is not a job list: %v", body, err)
				}
				if n := citest.Calls(emu, ciemu.OpDescribeInventoryTriggerJobs); n != 1 {
					t.Errorf("DescribeInventoryTriggerJobs calls = %d, want 1", n)
				}
			},
		},
		{
			name: "http wrong token",
			check: func(t *testing.T, fn *functionProcess, emu *ciemu.Emulator) {
				for _, f := range []string{"apigw_request.json", "function_url_request.json"} {
					expectHTTP(t, fn, f, 401)
				}
				expectNoCICalls(t, emu)
			},
		},
		{
			name: "malformed payloads",
			check: func(t *testing.T, fn *functionProcess, emu *ciemu.Emulator) {
				for _, p := range []string{`{"Records": [`, `not json`, `[]`, `{"Type":"Timer","Message":7}`, `{"hello":"world"}`} {
					expectError(t, fn.invoke(t, []byte(p), 10*time.Second), "invalid", "payload")
				}
				expectNoCICalls(t, emu)
			},
		},
		{
			name: "bad configuration keeps serving",
			env:  map[string]string{"COSFLOW_RULES": "[{"},
			check: func(t *testing.T, fn *functionProcess, emu *ciemu.Emulator) {
				for _, f := range []string{"cos_put.json", "timer.json", "function_url_request.json", "cos_put.json"} {
					expectError(t, fn.invoke(t, readFixture(t, f), 10*time.Second), "COSFLOW_RULES")
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := fn.client.Ping(ctx); err != nil {
					t.Errorf("Ping after failed invocations: %v", err)
				}
				expectNoCICalls(t, emu)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			emu, url := startEmulator(t, ciemu.Options{})
			env := tc.env
			// A fixture name as token means "the token of that fixture".
			if tok := env["COSFLOW_API_TOKEN"]; tok == "apigw" || tok == "function_url" {
				env = maps.Clone(env)
				env["COSFLOW_API_TOKEN"] = bearerToken(t, tok+"_request.json")
			}
			fn := startFunction(t, functionEnv(url, env))
			tc.check(t, fn, emu)
		})
	}
}

// triggers is a TestE2E check: see expectTriggered.
func triggers(fixture string, keys ...string) func(*testing.T, *functionProcess, *ciemu.Emulator) {
	return func(t *testing.T, fn *functionProcess, emu *ciemu.Emulator) {
		expectTriggered(t, fn, emu, fixture, keys...)
	}
}

// expectTriggered invokes a COS fixture and checks that exactly the keys
// given were triggered, each once in the emulator (which saw no other).
func expectTriggered(t *testing.T, fn *functionProcess, emu *ciemu.Emulator, fixture string, keys ...string) *handler.UploadResult {
	t.Helper()
	var res handler.UploadResult
	decodeResult(t, fn.invoke(t, readFixture(t, fixture), 10*time.Second), &res)
	var got []string
	for _, tr := range res.Triggered {
		got = append(got, tr.Key)
		if tr.InstanceID == "" || tr.WorkflowID != e2eWorkflowID || tr.Bucket != e2eBucket {
			t.Errorf("triggered %+v: want an instance of %s in %s", tr, e2eWorkflowID, e2eBucket)
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(keys))) {
		t.Errorf("triggered keys %q, want %q", got, keys)
	}
	for _, k := range keys {
		if n := emu.TriggerCount(e2eBucket, e2eWorkflowID, k); n != 1 {
			t.Errorf("emulator TriggerCount(%q) = %d, want 1", k, n)
		}
	}
	if n := emu.TotalTriggers(); n != len(keys) {
		t.Errorf("emulator TotalTriggers = %d, want %d", n, len(keys))
	}
	if len(res.Failed) != 0 {
		t.Errorf("failed = %+v, want none", res.Failed)
	}
	return &res
}

// checkRedelivery: a platform retry of a delivery that already fired, on
// the same warm instance, must not fire again.
func checkRedelivery(t *testing.T, fn *functionProcess, emu *ciemu.Emulator) {
	expectTriggered(t, fn, emu, "cos_put.json", "photos/2026/cat.jpg")
	var res handler.UploadResult
	decodeResult(t, fn.invoke(t, readFixture(t, "cos_put.json"), 10*time.Second), &res)
	if len(res.Triggered) != 0 || len(res.Skipped) != 1 || res.Skipped[0].Reason != handler.ReasonAlreadyTriggered {
		t.Errorf("redelivery result %+v, want one %q skip", res, handler.ReasonAlreadyTriggered)
	}
	if n := emu.TriggerCount(e2eBucket, e2eWorkflowID, "photos/2026/cat.jpg"); n != 1 {
		t.Errorf("TriggerCount after redelivery = %d, want 1", n)
	}
}

// checkTimerIdempotent: the same tick twice creates one job; the second
// answer says it already existed.
func checkTimerIdempotent(t *testing.T, fn *functionProcess, emu *ciemu.Emulator) {
	payload := readFixture(t, "timer.json")
	for i, wantCreated := range []bool{true, false} {
		var res handler.TimerResult
		decodeResult(t, fn.invoke(t, payload, 10*time.Second), &res)
		if len(res.Jobs) != 1 {
			t.Fatalf("tick %d: jobs = %+v, want one", i, res.Jobs)
		}
		j := res.Jobs[0]
		if j.Created != wantCreated || j.JobID == "" || j.Error != "" || !strings.HasPrefix(j.JobName, "nightly-20261122T020000Z-") {
			t.Errorf("tick %d: job %+v, want created=%v with an ID and a name nightly-20261122T020000Z-<digest>", i, j, wantCreated)
		}
	}
	if jobs := emu.Jobs(e2eBucket); len(jobs) != 1 {
		t.Errorf("emulator holds %d jobs, want exactly 1", len(jobs))
	}
}

// expectHTTP invokes an HTTP fixture and checks the response status; it
// returns the response body.
func expectHTTP(t *testing.T, fn *functionProcess, fixture string, status int) string {
	t.Helper()
	var resp events.HTTPResponse
	decodeResult(t, fn.invoke(t, readFixture(t, fixture), 10*time.Second), &resp)
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d (body %s)", fixture, resp.StatusCode, status, resp.Body)
	}
	return resp.Body
}

// expectError checks that the call failed with a message holding every
// one of parts.
func expectError(t *testing.T, resp *messages.InvokeResponse, parts ...string) {
	t.Helper()
	if resp.Error == nil {
		t.Errorf("result %s, want an error mentioning %q", resp.Payload, parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(resp.Error.Message, p) {
			t.Errorf("error %q does not mention %q", resp.Error.Message, p)
		}
	}
}

func expectNoCICalls(t *testing.T, emu *ciemu.Emulator) {
	t.Helper()
	if calls := emu.Calls(); len(calls) != 0 {
		t.Errorf("emulator saw %d CI calls, want none; first %s %s", len(calls), calls[0].Method, calls[0].Path)
	}
}

// cosDelivery builds a COS event with one record per key, shaped like
// events/testdata/cos_put.json, each key with its own ETag.
func cosDelivery(t *testing.T, keys []string) []byte {
	t.Helper()
	var tmpl struct {
		Records []map[string]any `json:"Records"`
	}
	if err := json.Unmarshal(readFixture(t, "cos_put.json"), &tmpl); err != nil || len(tmpl.Records) != 1 {
		t.Fatalf("cos_put.json as a template: %v", err)
	}
	rawRecord, err := json.Marshal(tmpl.Records[0])
	if err != nil {
		t.Fatal(err)
	}
	records := make([]map[string]any, len(keys))
	for i, key := range keys {
		var rec map[string]any
		if err := json.Unmarshal(rawRecord, &rec); err != nil {
			t.Fatal(err)
		}
		obj := rec["cos"].(map[string]any)["cosObject"].(map[string]any)
		obj["key"] = "/1250000000/examplebucket/" + key
		obj["url"] = "http://" + e2eBucket + ".cos." + e2eRegion + ".myqcloud.com/" + key
		obj["meta"].(map[string]any)["ETag"] = strconv.Quote(fmt.Sprintf("%032x", i+1))
		records[i] = rec
	}
	out, err := json.Marshal(map[string]any{"Records": records})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestConcurrentInvokes(t *testing.T) {
	const n = 50
	// A little latency keeps calls open long enough to overlap, which
	// shows the invocations really ran at the same time.
	emu, url := startEmulator(t, ciemu.Options{Faults: ciemu.Faults{Latency: 50 * time.Millisecond}})
	fn := startFunction(t, functionEnv(url, nil))

	payloads := make([][]byte, n)
	for i := range n {
		payloads[i] = cosDelivery(t, []string{fmt.Sprintf("concurrent/%02d.jpg", i)})
	}
	results := make([]handler.UploadResult, n)
	errs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := fn.call(payloads[i], 20*time.Second, "")
			switch {
			case err != nil:
				errs[i] = err.Error()
				return
			case resp.Error != nil:
				errs[i] = resp.Error.Message
				return
			}
			if err := json.Unmarshal(resp.Payload, &results[i]); err != nil {
				errs[i] = err.Error()
			}
		})
	}
	wg.Wait()
	for i := range n {
		key := fmt.Sprintf("concurrent/%02d.jpg", i)
		if errs[i] != "" {
			t.Errorf("invoke %d: %s", i, errs[i])
			continue
		}
		if tr := results[i].Triggered; len(tr) != 1 || tr[0].Key != key || tr[0].InstanceID == "" {
			t.Errorf("invoke %d: triggered %+v, want one instance for %q", i, tr, key)
		}
		if c := emu.TriggerCount(e2eBucket, e2eWorkflowID, key); c != 1 {
			t.Errorf("TriggerCount(%q) = %d, want 1", key, c)
		}
	}
	if total := emu.TotalTriggers(); total != n {
		t.Errorf("TotalTriggers = %d, want %d", total, n)
	}
	if peak := emu.MaxInFlight(); peak < 2 {
		t.Errorf("emulator peak in flight %d: the %d invocations did not run concurrently", peak, n)
	}
	t.Logf("%d concurrent invocations; emulator peak in flight %d", n, emu.MaxInFlight())
}

// TestDeadline: a CI that never answers in time must not make the function
// outlive its deadline; the delivery must come back as a retryable error
// so the platform delivers it again.
func TestDeadline(t *testing.T) {
	const deadline = 3 * time.Second
	emu, url := startEmulator(t, ciemu.Options{Faults: ciemu.Faults{Latency: time.Minute}})
	fn := startFunction(t, functionEnv(url, nil))

	start := time.Now()
	resp := fn.invoke(t, readFixture(t, "cos_put.json"), deadline)
	took := time.Since(start)

	// A correctness bound, not a performance one: the platform kills the
	// instance at the deadline, so the answer must come before it (the
	// handler stops CI work a margin early for exactly this).
	if took >= deadline {
		t.Errorf("invocation took %v, want an answer before the %v deadline", took, deadline)
	}
	expectError(t, resp, "deadline", "will be retried")
	if n := emu.TotalTriggers(); n != 0 {
		t.Errorf("TotalTriggers = %d, want 0 (every call was cut short)", n)
	}
	t.Logf("invocation with a %v deadline answered after %v: %s", deadline, took.Round(time.Millisecond), resp.Error.Message)

	// The instance is still healthy: with CI back, the redelivery fires.
	emu.SetFaults(ciemu.Faults{})
	expectTriggered(t, fn, emu, "cos_put.json", "photos/2026/cat.jpg")
}

// Recognisable credentials for TestLogScrubbing: if any of them shows up
// in the function's output, something logged what it must not.
const (
	scrubSecretID  = "AKIDe2eScrubSecretIdMUSTNOTLOG00000"
	scrubSecretKey = "e2eScrubSecretKeyMUSTNOTLOG00000"
)

// scrubRun is one process of TestLogScrubbing: which API token it expects
// and how its emulator behaves, so that success, auth-failure and CI-error
// paths all get logged.
type scrubRun struct {
	name   string
	token  string // a fixture name means that fixture's bearer token
	emuKey string // the SecretKey the emulator expects
	faults ciemu.Faults
	level  string // COSFLOW_LOG_LEVEL: debug adds cosclient's per-attempt lines
}

func TestLogScrubbing(t *testing.T) {
	fixtures, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil || len(fixtures) == 0 {
		t.Fatalf("no fixtures under %s: %v", fixtureDir, err)
	}
	forbidden := []string{scrubSecretID, scrubSecretKey, e2eSessionToken, e2eAPIToken, "q-signature", "q-sign-algorithm"}
	for _, f := range fixtures {
		for _, v := range authorizationValues(t, f) {
			forbidden = append(forbidden, v)
			if tok, ok := strings.CutPrefix(v, "Bearer "); ok {
				forbidden = append(forbidden, tok)
			}
		}
	}
	if len(forbidden) < 8 {
		t.Fatalf("found only %d secrets to look for; the fixtures lost their Authorization headers?", len(forbidden))
	}

	runs := []scrubRun{
		{name: "api token set, CI failing", token: e2eAPIToken, emuKey: scrubSecretKey,
			faults: ciemu.Faults{ErrorRate: 0.3, ThrottleRate: 0.1, ResetRate: 0.1}, level: "info"},
		{name: "api token set, CI failing, debug", token: e2eAPIToken, emuKey: scrubSecretKey,
			faults: ciemu.Faults{ErrorRate: 0.3, ThrottleRate: 0.1, ResetRate: 0.1}, level: "debug"},
		{name: "gateway token", token: "apigw_request.json", emuKey: scrubSecretKey, level: "debug"},
		{name: "function url token", token: "function_url_request.json", emuKey: scrubSecretKey, level: "debug"},
		{name: "signature refused", token: e2eAPIToken, emuKey: "e2eTheEmulatorExpectsAnotherKey0", level: "debug"},
	}
	for _, run := range runs {
		t.Run(run.name, func(t *testing.T) {
			token := run.token
			if strings.HasSuffix(token, ".json") {
				token = bearerToken(t, token)
			}
			_, url := startEmulator(t, ciemu.Options{Credentials: map[string]string{scrubSecretID: run.emuKey}, Faults: run.faults})
			fn := startFunction(t, functionEnv(url, map[string]string{
				"TENCENTCLOUD_SECRETID":  scrubSecretID,
				"TENCENTCLOUD_SECRETKEY": scrubSecretKey,
				"COSFLOW_API_TOKEN":      token,
				"COSFLOW_LOG_LEVEL":      run.level,
			}))
			// The platform also hands the credentials to every call.
			callEnv, err := json.Marshal(map[string]string{
				"TENCENTCLOUD_SECRETID":     scrubSecretID,
				"TENCENTCLOUD_SECRETKEY":    scrubSecretKey,
				"TENCENTCLOUD_SESSIONTOKEN": e2eSessionToken,
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fixtures {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				fn.invokeWithEnv(t, data, 10*time.Second, string(callEnv))
			}
			stdout, stderr := fn.stdout.String(), fn.stderr.String()
			for _, s := range forbidden {
				if strings.Contains(stdout, s) || strings.Contains(stderr, s) {
					t.Errorf("the function's output contains the secret %.12s…", s)
				}
			}
			checkLogLines(t, stdout)
			if stderr != "" {
				t.Errorf("stderr is not empty: %.500s", stderr)
			}
		})
	}
}

// authorizationValues returns the value of every "Authorization" member,
// at any depth and in any case, of a fixture.
func authorizationValues(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && strings.EqualFold(k, "Authorization") && s != "" {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return out
}

// checkLogLines asserts the logging contract: every stdout line, the
// client's per-attempt debug lines included, is a JSON object carrying the
// invocation's requestId and trigger.
func checkLogLines(t *testing.T, stdout string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	if len(lines) < 2 {
		t.Fatalf("only %d log lines; the function logged nothing?", len(lines))
	}
	for i, line := range lines {
		var rec struct {
			RequestID string `json:"requestId"`
			Trigger   string `json:"trigger"`
			Msg       string `json:"msg"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("stdout line %d is not JSON: %v: %.200s", i+1, err, line)
			continue
		}
		if rec.RequestID == "" || rec.Trigger == "" {
			t.Errorf("stdout line %d (%q) lacks requestId or trigger: %.300s", i+1, rec.Msg, line)
		}
	}
}

// TestDeployBuildIsTheFunctionOnly: the binary SCF runs (-tags deploy)
// serves the runtime and says its version; the command line is not in it.
func TestDeployBuildIsTheFunctionOnly(t *testing.T) {
	out, err := exec.Command(cosflowBin, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "(deploy build)") {
		t.Errorf("version = %q, %v; want the deploy build named", out, err)
	}
	cmd := exec.Command(cosflowBin, "jobs", "ls")
	cmd.Env = []string{}
	out, err = cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "deploy build") {
		t.Errorf("jobs ls = %q, %v; want exit 2 saying this is the deploy build", out, err)
	}
}
