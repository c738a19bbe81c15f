package handler

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cirules"
	"github.com/cosflow/cosflow/scf"
)

// Seeds shared by the fuzzers: valid specs and the classic mistakes.
var (
	fuzzRuleSeeds = []string{
		``,
		`[]`,
		`[{"name":"img","prefix":"uploads/","suffix":".jpg","events":["cos:ObjectCreated:*"],"minSize":1,"maxSize":1048576,"workflowId":"` + wfA + `"}]`,
		`[{"name":"a","workflowId":"` + wfA + `"},{"name":"a","workflowId":"` + wfB + `"}]`,
		`[{"name":"x","prefix":"../etc","workflowId":"` + wfA + `"}]`,
		`[{"name":"x","workflowId":"` + wfA + `","events":["cos:*:x*"]}]`,
		`[{"name":"x","workflowId":"w1","unknown":1}]`,
		`{"name":"x"}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		"[{\"name\":\"\xff\",\"workflowId\":\"" + wfA + "\"}]",
	}
	fuzzBackfillSeeds = []string{
		``,
		`{"name":"nightly","prefix":"uploads/","workflowId":"` + wfA + `","window":"24h"}`,
		`[{"name":"a","object":"a.jpg","workflowId":"` + wfA + `"},{"name":"b","manifest":"m.csv","tag":"Transcode","jobParam":{"TemplateId":"t1"}}]`,
		`[{"name":"a","prefix":"p/","object":"o","workflowId":"` + wfA + `"}]`,
		`{"name":"a","prefix":"p/","workflowId":"` + wfA + `","window":"-1h"}`,
		`{"name":"a","prefix":"p/","workflowId":"` + wfA + `","window":"9000h"}`,
		`{"name":"a","prefix":"p/","tag":"A B"}`,
		`[]`,
		`null`,
		`{"name":"sweep","reconcile":{"window":"6h","lag":"5m","maxTriggers":100}}`,
		`[{"name":"a","prefix":"p/","workflowId":"` + wfA + `"},{"name":"sweep","reconcile":{"window":"6h"}}]`,
		`[{"name":"a","prefix":"p/","workflowId":"` + wfA + `"},{"name":"a","reconcile":{"window":"6h"}}]`,
		`{"name":"sweep","reconcile":{"window":"5m"}}`,
		`{"name":"sweep","prefix":"p/","reconcile":{"window":"6h","maxTriggers":0}}`,
		`{"name":"a","prefix":"p/\ud800","workflowId":"` + wfA + `"}`,
	}
)

// FuzzLoadConfig throws arbitrary settings at LoadConfig: it must never
// panic, and a configuration it accepts must pass validation again and
// survive a JSON round trip of its rules and backfills unchanged (so what
// the function runs with is exactly what it was told).
func FuzzLoadConfig(f *testing.F) {
	for i := range max(len(fuzzRuleSeeds), len(fuzzBackfillSeeds)) {
		f.Add(fuzzRuleSeeds[i%len(fuzzRuleSeeds)], fuzzBackfillSeeds[i%len(fuzzBackfillSeeds)], "outputs/, thumbs/", "8", "false")
	}
	f.Add("", "", ",,, ,", "64", "true")
	f.Add("", "", "a/../b", "0", "maybe")
	f.Add("", "", "x\x00", "-1", "1")
	f.Add("", "", "", "99999999999999999999", "")
	f.Fuzz(func(t *testing.T, rules, backfills, ignore, concurrency, dryRun string) {
		env := map[string]string{
			EnvRules:          rules,
			EnvBackfills:      backfills,
			EnvIgnorePrefixes: ignore,
			EnvConcurrency:    concurrency,
			EnvDryRun:         dryRun,
			EnvBucket:         testBucket,
			EnvRegion:         testRegion,
		}
		cfg, err := LoadConfig(func(k string) string { return env[k] })
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Variable == "" || ce.Reason == "" {
				t.Fatalf("LoadConfig error %v (%T) is not a *ConfigError naming a variable and a reason", err, err)
			}
			if cfg != nil {
				t.Fatal("LoadConfig returned a config together with an error")
			}
			return
		}
		if cfg.Concurrency < 1 || cfg.Concurrency > MaxConcurrency {
			t.Fatalf("accepted concurrency %d", cfg.Concurrency)
		}
		if err := cirules.Struct(cfg); err != nil {
			t.Fatalf("accepted config fails validation: %v", err)
		}
		if err := checkRules(cfg.Rules, source{variable: EnvRules}); err != nil {
			t.Fatalf("accepted rules fail checkRules: %v", err)
		}
		for _, p := range cfg.IgnorePrefixes {
			if p == "" || prefixProblem(p) != "" {
				t.Fatalf("accepted ignore prefix %q", p)
			}
		}
		specs := make([]any, len(cfg.Backfills)) // as written in JSON
		for i := range cfg.Backfills {
			var fields specFields = cfg.Backfills[i].Backfill
			if r := cfg.Backfills[i].Reconcile; r != nil {
				fields = r
			}
			if err := fields.check(); err != nil {
				t.Fatalf("accepted timer spec [%d] fails check: %v", i, err)
			}
			specs[i] = fields
		}

		// Round trip: the accepted values, written back as JSON, load again
		// to the same config.
		env2 := map[string]string{EnvBucket: testBucket, EnvRegion: testRegion, EnvConcurrency: concurrency, EnvDryRun: dryRun,
			EnvIgnorePrefixes: strings.Join(cfg.IgnorePrefixes, ",")}
		if len(cfg.Rules) > 0 {
			b, err := json.Marshal(cfg.Rules)
			if err != nil {
				t.Fatalf("marshal accepted rules: %v", err)
			}
			env2[EnvRules] = string(b)
		}
		if len(cfg.Backfills) > 0 {
			b, err := json.Marshal(specs)
			if err != nil {
				t.Fatalf("marshal accepted backfills: %v", err)
			}
			env2[EnvBackfills] = string(b)
		}
		cfg2, err := LoadConfig(func(k string) string { return env2[k] })
		if err != nil {
			t.Fatalf("accepted config does not load again from its own JSON: %v\nrules: %s\nbackfills: %s", err, env2[EnvRules], env2[EnvBackfills])
		}
		if !reflect.DeepEqual(cfg.Rules, cfg2.Rules) && !(len(cfg.Rules) == 0 && len(cfg2.Rules) == 0) {
			t.Fatalf("rules changed in a round trip:\n%+v\n%+v", cfg.Rules, cfg2.Rules)
		}
		if !reflect.DeepEqual(cfg.Backfills, cfg2.Backfills) && !(len(cfg.Backfills) == 0 && len(cfg2.Backfills) == 0) {
			t.Fatalf("backfills changed in a round trip:\n%+v\n%+v", cfg.Backfills, cfg2.Backfills)
		}
	})
}

// countingTransport fails every request without touching the network and
// counts them: CI calls the handler attempted.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	if r.Body != nil {
		r.Body.Close()
	}
	return nil, errors.New("fuzz: no network")
}

// FuzzTimerMessage sends timer ticks with arbitrary Messages (the backfill
// specs a trigger may carry) through Handle. It must never panic; an
// invalid payload or an invalid spec must not cost a single CI call; and
// every valid spec makes exactly one (the look-up, which fails here).
func FuzzTimerMessage(f *testing.F) {
	for _, s := range fuzzBackfillSeeds {
		f.Add(s, "2026-11-22T02:00:00Z")
	}
	f.Add(`{"name":"a","prefix":"p/","workflowId":"`+wfA+`","window":"1h"}`, "not a time")
	f.Add(`[{"name":"a","prefix":"p/","workflowId":"`+wfA+`"},{"name":"a","prefix":"p/","workflowId":"w"}]`, "2026-01-01T00:00:00+08:00")
	f.Add(`{"name":"中文名字","urlFile":"list.txt","tag":"Snapshot","output":{"Region":"ap-guangzhou","Bucket":"examplebucket-1250000000","Object":"o/${Number}.jpg"}}`, "1970-01-01T00:00:00Z")
	tr := &countingTransport{}
	ci, err := cosclient.New(cosclient.Options{
		Region: testRegion, Bucket: testBucket,
		Endpoint:    "http://127.0.0.1:1",
		HTTPClient:  &http.Client{Transport: tr},
		Credentials: cosclient.StaticCredentials{SecretID: "AKIDfuzz", SecretKey: "fuzz"},
		Retry:       cosclient.RetryOptions{MaxAttempts: 1},
	})
	if err != nil {
		f.Fatal(err)
	}
	cfg, err := LoadConfig(func(k string) string {
		return map[string]string{EnvBucket: testBucket, EnvRegion: testRegion}[k]
	})
	if err != nil {
		f.Fatal(err)
	}
	h := New(cfg, ci, slog.New(slog.NewJSONHandler(io.Discard, nil)), nil)
	f.Fuzz(func(t *testing.T, message, tick string) {
		payload, err := json.Marshal(map[string]string{"Type": "Timer", "TriggerName": "fuzz", "Time": tick, "Message": message})
		if err != nil {
			t.Skip() // not a payload the platform can send
		}
		before := tr.n.Load()
		ctx := scf.NewContext(context.Background(), &scf.InvocationContext{RequestID: "fuzz"})
		out, herr := h.Handle(ctx, payload)
		calls := tr.n.Load() - before

		var invalid *InvalidPayloadError
		if errors.As(herr, &invalid) {
			if calls != 0 {
				t.Fatalf("invalid payload (%v) made %d CI calls", herr, calls)
			}
			return
		}
		res, ok := out.(*TimerResult)
		if !ok {
			t.Fatalf("result is %T (err %v), want *TimerResult", out, herr)
		}
		attempted := 0
		for _, j := range res.Jobs {
			switch {
			case j.Error == "":
				t.Fatalf("job %+v succeeded without a reachable CI", j)
			case strings.HasPrefix(j.Error, "look up existing job"):
				attempted++
			case strings.HasPrefix(j.Error, "Message"):
				if j.Retryable {
					t.Fatalf("invalid spec reported retryable: %+v", j)
				}
			default:
				t.Fatalf("unexpected job error %q", j.Error)
			}
		}
		if int64(attempted) != calls {
			t.Fatalf("%d valid specs made %d CI calls, want one each", attempted, calls)
		}
	})
}
