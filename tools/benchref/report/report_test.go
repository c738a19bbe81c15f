package main

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/internal/citest"
)

func loadBench(t *testing.T) benchResults {
	t.Helper()
	f, err := os.Open("testdata/bench.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parseBench(f)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestParseBenchMedians(t *testing.T) {
	res := loadBench(t)
	tests := []struct {
		name, unit string
		want       float64
		ok         bool
	}{
		{"BenchmarkTriggerWorkflow/floor", "ns/op", 90000, true},    // odd count: middle
		{"BenchmarkTriggerWorkflow/cosflow", "ns/op", 115000, true}, // even count: mean of the middle two
		{"BenchmarkTriggerWorkflow/floor", "allocs/op", 71, true},   // other units kept apart
		{"BenchmarkUpload", "ns/record", 150000, true},              // custom metrics
		{"BenchmarkTriggerWorkflow/floor-2", "ns/op", 0, false},     // GOMAXPROCS suffix trimmed
		{"BenchmarkBroken", "ns/op", 0, false},                      // failures are not results
		{"BenchmarkTriggerWorkflow/sdk", "MB/s", 0, false},          // absent unit
	}
	for _, tt := range tests {
		got, ok := res.median(tt.name, tt.unit)
		if ok != tt.ok || got != tt.want {
			t.Errorf("median(%s, %s) = %v, %v; want %v, %v", tt.name, tt.unit, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseBenchRejectsBadValue(t *testing.T) {
	if _, err := parseBench(strings.NewReader("BenchmarkX-2 10 abc ns/op\n")); err == nil {
		t.Error("a non-numeric value was accepted")
	}
}

func TestClientRows(t *testing.T) {
	res := loadBench(t)
	// The fixture has loopback TriggerWorkflow results only: a missing
	// benchmark must be an error, not a silent zero.
	if _, err := clientRows(res); err == nil || !strings.Contains(err.Error(), "InMemory") {
		t.Fatalf("clientRows without the in-memory benchmarks: err %v", err)
	}
	for _, op := range []string{"BenchmarkTriggerWorkflowInMemory", "BenchmarkCreateInventoryTriggerJobInMemory", "BenchmarkCreateInventoryTriggerJob"} {
		for _, sub := range []string{"floor", "sdk", "cosflow"} {
			res[op+"/"+sub] = res["BenchmarkTriggerWorkflow/"+sub]
		}
	}
	rows, err := clientRows(res)
	if err != nil {
		t.Fatal(err)
	}
	byMetric := map[string]row{}
	for _, r := range rows {
		byMetric[r.Metric] = r
	}
	// cosflow: 115000-90000 = 25 µs over the floor; SDK: 110 µs → 0.23.
	// allocs: 110-71 = 39 vs 270-71 = 199 → 0.20.
	tests := []struct {
		metric, suffix, goal string
	}{
		{"TriggerWorkflow (in memory) overhead above floor, time: cosflow / SDK", "= 0.23", "≤ 0.75"},
		{"TriggerWorkflow (in memory) overhead above floor, allocs: cosflow / SDK", "= 0.20", "≤ 0.75"},
		{"CreateInventoryTriggerJob (in memory) overhead above floor, time: cosflow / SDK", "= 0.23", "≤ 0.75"},
		// Loopback ratios are information: no goal, no verdict.
		{"TriggerWorkflow (loopback) overhead above floor, time: cosflow / SDK", "= 0.23", ""},
		{"CreateInventoryTriggerJob (loopback) overhead above floor, allocs: cosflow / SDK", "= 0.20", ""},
	}
	for _, tt := range tests {
		r, ok := byMetric[tt.metric]
		if !ok {
			t.Errorf("no row %q in %+v", tt.metric, rows)
			continue
		}
		wantMet := ""
		if tt.goal != "" {
			wantMet = "yes"
		}
		if !strings.HasSuffix(r.Value, tt.suffix) || r.Goal != tt.goal || r.Met != wantMet {
			t.Errorf("row = %+v, want value ending %q, goal %q, met %q", r, tt.suffix, tt.goal, wantMet)
		}
	}
}

func TestHandlerRows(t *testing.T) {
	rows, err := handlerRows(loadBench(t))
	if err != nil {
		t.Fatal(err)
	}
	// 150 µs per record − 60 µs bare = 90 µs ≤ 200 µs.
	if len(rows) != 1 || !strings.HasSuffix(rows[0].Value, "= 90.0 µs") || rows[0].Met != "yes" {
		t.Errorf("rows = %+v", rows)
	}
	if _, err := handlerRows(benchResults{}); err == nil {
		t.Error("missing handler benchmarks were not an error")
	}
}

func TestRatio(t *testing.T) {
	tests := []struct{ a, b, want float64 }{
		{1, 4, 0.25},
		{-1, 4, 0},          // faster than the floor: no overhead
		{1, 0, math.Inf(1)}, // the SDK costs nothing extra: any overhead fails
		{0, -1, 0},
	}
	for _, tt := range tests {
		if got := ratio(tt.a, tt.b); got != tt.want {
			t.Errorf("ratio(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSymbolGroup(t *testing.T) {
	mods := []string{"github.com/aws/smithy-go", "github.com/cosflow/cosflow"}
	tests := map[string]string{
		"github.com/cosflow/cosflow/cosclient.(*Client).TriggerWorkflow": "github.com/cosflow/cosflow",
		"main.main": "github.com/cosflow/cosflow",
		"github.com/aws/smithy-go/middleware.(*Stack).ID":     "github.com/aws/smithy-go",
		"type:*github.com/aws/smithy-go/middleware.Stack":     "github.com/aws/smithy-go",
		"go:itab.*github.com/cosflow/cosflow/scf.x,io.Writer": "github.com/cosflow/cosflow",
		"runtime.mallocgc":                         "std",
		"net/http.(*Client).Do":                    "std",
		"vendor/golang.org/x/net/http2/hpack.init": "std",
		"github.com/unknown/mod.F":                 "other",
	}
	for sym, want := range tests {
		if got := symbolGroup(sym, "github.com/cosflow/cosflow", mods); got != want {
			t.Errorf("symbolGroup(%q) = %q, want %q", sym, got, want)
		}
	}
}

func TestUploadEvent(t *testing.T) {
	ev, err := uploadEvent(filepath.Join(productRoot, "events/testdata/cos_put.json"), 3)
	if err != nil {
		t.Fatal(err)
	}
	s := string(ev)
	for _, k := range []string{"bench-00000.jpg", "bench-00001.jpg", "bench-00002.jpg"} {
		if strings.Count(s, k) != 2 { // the key and the URL
			t.Errorf("%s appears %d times, want 2", k, strings.Count(s, k))
		}
	}
	if strings.Contains(s, fixtureKey) {
		t.Error("the fixture's own key is still there")
	}
}

func TestWriteTable(t *testing.T) {
	var b strings.Builder
	if err := writeTable(&b, []row{{Metric: "a|b", Value: "1"}, {Metric: "c", Value: "2", Goal: "≤ 3", Met: "yes"}}); err != nil {
		t.Fatal(err)
	}
	want := "| Metric | Measured | Goal | Met? |\n|---|---|---|---|\n| a\\|b | 1 | — | — |\n| c | 2 | ≤ 3 | yes |\n"
	if b.String() != want {
		t.Errorf("table =\n%s\nwant\n%s", b.String(), want)
	}
}

// productRoot is the product's root as seen from this package's directory,
// where go test runs; the report itself finds it with go list.
const productRoot = "../../.."

// TestMeasuredDirsExist: every directory the report builds or benchmarks
// in (relative to the product's root) is there, so moving a package
// without telling the report fails here and not minutes into a bench run.
func TestMeasuredDirsExist(t *testing.T) {
	dirs := append(append([]string{}, handlerBenchDirs...), clientBenchDirs...)
	for _, b := range referenceBinaries() {
		dirs = append(dirs, b.Dir)
	}
	for _, dir := range dirs {
		if st, err := os.Stat(filepath.Join(productRoot, dir)); err != nil || !st.IsDir() {
			t.Errorf("%s: not a directory under the product's root (%v)", dir, err)
		}
	}
}

// TestSoakRows: each soak's goal, and the by-path split of a soak that
// retried or swept.
func TestSoakRows(t *testing.T) {
	outcome := citest.SoakStats{Name: "outcomes", Objects: 100, Calls: 350, TriggerCalls: 200, LedgerCalls: 150,
		FirstCalls: 200, RetryCalls: 100, SweepCalls: 50, Retried: 3, SweepRedriven: 20}
	tests := []struct {
		name     string
		st       citest.SoakStats
		goal     string
		met      string
		contains string
	}{
		{"happy path", citest.SoakStats{Name: "happy", Objects: 100, Calls: 100, TriggerCalls: 100}, "1.00, no ledger call", "yes", "1.00 (TriggerWorkflow 1.00"},
		{"faults: no goal on calls", citest.SoakStats{Name: "faults", Objects: 100, Calls: 400, TriggerCalls: 200, LedgerCalls: 200, FirstCalls: 400, Lost: 1}, "0 lost, 0 twice", "no", "lost 1"},
		{"outcomes at the bound", outcome, "<= 3.5, 0 lost, 0 twice, 0 unfinished, 0 over the bound", "yes",
			"by path: first attempts 2.00, platform retries 1.00 (3 deliveries), sweeps 0.50"},
		{"outcomes over the bound", func() citest.SoakStats { st := outcome; st.Calls = 351; return st }(), "<= 3.5, 0 lost, 0 twice, 0 unfinished, 0 over the bound", "no", "3.51 ("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := soakRows([]citest.SoakStats{tt.st})
			if len(rows) != 1 {
				t.Fatalf("%d rows, want 1", len(rows))
			}
			r := rows[0]
			if r.Goal != tt.goal || r.Met != tt.met || !strings.Contains(r.Value, tt.contains) {
				t.Errorf("row = %+v, want goal %q, met %q, value containing %q", r, tt.goal, tt.met, tt.contains)
			}
		})
	}
}

func TestParseSizes(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []int
		ok   bool
	}{
		{"1000000,10000000", []int{1000000, 10000000}, true},
		{" 20000 , 100000", []int{20000, 100000}, true},
		{"", nil, false},
		{"10,x", nil, false},
		{"0", nil, false},
	} {
		got, err := parseSizes(tt.in)
		if (err == nil) != tt.ok || !slices.Equal(got, tt.want) && tt.ok {
			t.Errorf("parseSizes(%q) = %v, %v", tt.in, got, err)
		}
	}
	for n, want := range map[int]string{10_000_000: "10M", 100_000: "100k", 2500: "2500", 1_500_000: "1500k"} {
		if got := countLabel(n); got != want {
			t.Errorf("countLabel(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestPacingRunDescribe: the calls are summed over the operations, listed
// in order of name with their throttles, and what went wrong is named.
func TestPacingRunDescribe(t *testing.T) {
	tests := []struct {
		name string
		run  pacingRun
		want string
	}{
		{"clean", pacingRun{MaxInFlight: 8, Calls: map[string]*opCalls{
			"TriggerWorkflow":            {calls: 1100, throttled: 100},
			"DescribeWorkflowExecutions": {calls: 100, throttled: 20},
		}}, "1200 calls, 120 throttled (10%): DescribeWorkflowExecutions 100 (20 throttled), TriggerWorkflow 1100 (100 throttled); peak in flight 8"},
		{"no calls", pacingRun{Calls: map[string]*opCalls{}}, "0 calls, 0 throttled (0%): ; peak in flight 0"},
		{"twice and errors", pacingRun{MaxInFlight: 1, Twice: 2, Errors: []string{"a", "b"}, Calls: map[string]*opCalls{"TriggerWorkflow": {calls: 4, throttled: 1}}},
			"4 calls, 1 throttled (25%): TriggerWorkflow 4 (1 throttled); peak in flight 1, 2 triggered twice; invocation errors: a; b"},
	}
	for _, tt := range tests {
		if got := tt.run.describe(); got != tt.want {
			t.Errorf("%s: describe() =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}
