package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/internal/logx/logxtest"
	"github.com/cosflow/cosflow/scf"
)

const (
	testBucket = citest.Bucket
	testRegion = citest.Region
	wfA        = "w0123456789abcdef0123456789abcdef"
	wfB        = "wfedcba9876543210fedcba9876543210"
)

// withMsg returns the lines whose msg is msg.
func withMsg(lines []map[string]any, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		if l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}

// testEnv is a Handler wired to a real client and an emulator on loopback,
// with a thin fake CI in front of the emulator (front) that can drop calls.
type testEnv struct {
	emu   *ciemu.Emulator
	front *frontCI
	ci    *cosclient.Client
	h     *Handler
	log   *logxtest.Buffer
	cfg   *Config
}

// newTestEnv loads env (plus COSFLOW_CI_ENDPOINT) and builds the handler
// with opts.
func newTestEnv(t testing.TB, env map[string]string, opts ...Option) *testEnv {
	t.Helper()
	return newTestEnvOf(t, ciemu.Options{Seed: 1}, env, opts...)
}

// newTestEnvOf is newTestEnv with an emulator of emuOpts.
func newTestEnvOf(t testing.TB, emuOpts ciemu.Options, env map[string]string, opts ...Option) *testEnv {
	t.Helper()
	emu := ciemu.New(emuOpts)
	front := &frontCI{emu: emu}
	srv := httptest.NewServer(front)
	t.Cleanup(srv.Close)
	full := map[string]string{EnvCIEndpoint: srv.URL}
	for k, v := range env {
		full[k] = v
	}
	cfg, err := LoadConfig(func(k string) string { return full[k] })
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	ci := citest.Client(t, srv.URL, func(o *cosclient.Options) {
		*o = cfg.ClientOptions(citest.Credentials)
		o.Retry = citest.FastRetry
	})
	buf := &logxtest.Buffer{}
	h := New(cfg, ci, logx.New(buf, slog.LevelDebug), nil, opts...)
	return &testEnv{emu: emu, front: front, ci: ci, h: h, log: buf, cfg: cfg}
}

// frontCI stands in front of the emulator and passes every call through,
// but can refuse the next calls of an operation with a 500 before the
// emulator sees them: an answer lost before CI acted, which the emulator's
// own faults cannot limit to the first call of several. It counts the
// calls it saw by operation, refused ones included.
type frontCI struct {
	emu http.Handler

	mu    sync.Mutex
	drops map[string]int // op → calls still to refuse
	seen  map[string]int // op → calls seen
}

// dropNext refuses the next n calls of op before the emulator sees them.
func (f *frontCI) dropNext(op string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.drops == nil {
		f.drops = map[string]int{}
	}
	f.drops[op] = n
}

// calls is how many calls of op the fake CI saw.
func (f *frontCI) calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[op]
}

// opOf names the operations the fake CI tells apart by path.
func opOf(r *http.Request) string {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/triggerworkflow":
		return ciemu.OpTriggerWorkflow
	case r.Method == http.MethodGet && r.URL.Path == "/workflowexecution":
		return ciemu.OpDescribeWorkflowExecutions
	}
	return ""
}

func (f *frontCI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := opOf(r)
	f.mu.Lock()
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	f.seen[op]++
	drop := f.drops[op] > 0
	if drop {
		f.drops[op]--
	}
	f.mu.Unlock()
	if drop {
		http.Error(w, `<Error><Code>InternalError</Code><Message>dropped (test)</Message></Error>`, http.StatusInternalServerError)
		return
	}
	f.emu.ServeHTTP(w, r)
}

// invoke runs one invocation with an SCF request ID.
func (e *testEnv) invoke(t testing.TB, payload []byte) (any, error) {
	t.Helper()
	ctx := scf.NewContext(context.Background(), &scf.InvocationContext{RequestID: "req-test-1"})
	return e.h.Handle(ctx, payload)
}

// upload runs a COS payload and returns its result.
func (e *testEnv) upload(t testing.TB, payload []byte) (*UploadResult, error) {
	t.Helper()
	out, err := e.invoke(t, payload)
	r, ok := out.(*UploadResult)
	if !ok {
		t.Fatalf("result is %T (err %v), want *UploadResult", out, err)
	}
	return r, err
}

// ciCalls counts the requests the emulator received.
func (e *testEnv) ciCalls() int { return len(e.emu.Calls()) }

// opCalls counts the requests for one operation (ciemu.Op...).
func (e *testEnv) opCalls(op string) int { return citest.Calls(e.emu, op) }

// rec describes one COS record for cosEvent.
type rec struct {
	key   string
	size  int64
	event string // default cos:ObjectCreated:Put
	etag  string
	vid   string
	url   string    // cosObject.url; "" leaves it out
	at    time.Time // eventTime; zero means now (a fresh record)
}

// cosEvent builds a COS delivery in the platform's shape.
func cosEvent(recs ...rec) []byte {
	type m = map[string]any
	var records []m
	for _, r := range recs {
		ev := r.event
		if ev == "" {
			ev = "cos:ObjectCreated:Put"
		}
		etag := r.etag
		if etag == "" {
			etag = "9a4802d5c99dafe1c04da0a8e7e166bf"
		}
		at := r.at
		if at.IsZero() {
			at = time.Now()
		}
		records = append(records, m{
			"cos": m{
				"cosSchemaVersion":  "1.0",
				"cosNotificationId": "n",
				"cosBucket":         m{"name": "examplebucket", "appid": "1250000000", "region": "gz", "cosRegion": testRegion},
				"cosObject": m{
					"key":  "/1250000000/examplebucket/" + r.key,
					"url":  r.url,
					"size": r.size,
					"meta": m{"ETag": `"` + etag + `"`, "Content-Type": "image/jpeg"},
					"vid":  r.vid,
				},
			},
			"event": m{
				"eventName": ev, "eventVersion": "1.0", "eventSource": "qcs::cos", "eventTime": at.Unix(),
				"eventQueue": "q", "reqid": 1,
				"requestParameters": m{"requestSourceIP": "203.0.113.1", "requestHeaders": m{"Authorization": "q-sign-algorithm=sha1&q-signature=UPLOADERSECRETSIG"}},
			},
		})
	}
	b, err := json.Marshal(m{"Records": records})
	if err != nil {
		panic(err)
	}
	return b
}

// timerEvent builds a timer tick with message.
func timerEvent(tick, message string) []byte {
	b, _ := json.Marshal(map[string]string{"Type": "Timer", "TriggerName": "nightly", "Time": tick, "Message": message})
	return b
}

// rulesJSON renders rules for COSFLOW_RULES.
func rulesJSON(rules ...Rule) string {
	b, _ := json.Marshal(rules)
	return string(b)
}

// keysOf lists the keys of triggered items, as "key→workflow".
func keysOf(r *UploadResult) []string {
	var out []string
	for _, t := range r.Triggered {
		out = append(out, fmt.Sprintf("%s→%s", t.Key, t.WorkflowID[:2]))
	}
	return out
}
