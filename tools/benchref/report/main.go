// Command report runs cosflow's performance measurements, each against a
// reference measured in the same run, and prints one markdown table:
//
//   - client cost per call (cosclient benchmarks: bare net/http floor,
//     official SDK, cosflow) and cosflow's overhead relative to the SDK's;
//   - the handler's overhead per record (handler benchmarks);
//   - fan-out of a large upload event against the CI emulator with
//     injected latency (wall time vs ideal, peak requests in flight);
//   - pacing: the large event against the emulator limited to a QPS per
//     API (failed records, wall vs records ÷ QPS), the same without the
//     limit, and many deliveries at once on one instance (calls in
//     flight at CI);
//   - cold start (process start → first answered Ping) and size of three
//     static stripped binaries built alike: the floor, the SDK function and
//     cosflow; plus what each module costs in the cosflow binary;
//   - peak RSS of the cosflow process while handling the large event, and
//     against a hostile CI (internal/hostile) answering 1 GB or 16 MiB of
//     elements to every call;
//   - the sweep at scale (sweep.go): passes over synthetic buckets of
//     millions of objects, tick after tick, a lost invocation and a
//     backlog drained.
//
// It lives in the tools module (the official SDK's home) and measures the
// product module that tools/go.mod's replace names: it finds that module's
// root with `go list -m` and works from there, so -out and -fixture are
// relative to it. Run it from anywhere inside tools/ (scripts/bench.sh
// does): it shells out to `go test -bench` and `go build`. Flags set the
// sizes; see -h.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// config holds the flags.
type config struct {
	count       int
	benchtime   string
	coldRuns    int
	records     int
	latency     time.Duration
	qps         float64
	concurrency int
	fanoutRuns  int
	fixture     string
	out         string
	maxRSSBytes int64
	// maxHostileRSSBytes: half of the function's memorySize (128 MB).
	maxHostileRSSBytes int64
	short              bool
	maxFanoutRatio     float64
	// The sweep at scale (sweep.go): the bucket sizes of its passes, the
	// factor real times are divided by, the backlog drained, and whether
	// the first pass loses an invocation.
	sweepSizes   string
	sweepScale   int
	sweepBacklog int
	sweepKill    bool
	// maxPacingRatio: issue 21's bound on a paced delivery's wall time,
	// against records ÷ QPS.
	maxPacingRatio float64
}

func main() {
	var cfg config
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	fs.IntVar(&cfg.count, "count", 5, "go test -count for the client and handler benchmarks (medians are reported)")
	fs.StringVar(&cfg.benchtime, "benchtime", "500ms", "go test -benchtime for the benchmarks")
	fs.IntVar(&cfg.coldRuns, "cold-runs", 20, "cold starts per binary (median reported)")
	fs.IntVar(&cfg.records, "records", 1000, "records in the fan-out / RSS upload event and the paced one (100 deliveries of records/200 land at once in the last pacing run)")
	fs.DurationVar(&cfg.latency, "latency", 20*time.Millisecond, "latency the emulator injects per CI call in the fan-out and pacing runs")
	fs.Float64Var(&cfg.qps, "qps", 50, "the emulator's limit, calls a second per API, in the pacing runs")
	fs.IntVar(&cfg.concurrency, "concurrency", 8, "the function's concurrency (its default); only used for the ideal time")
	fs.IntVar(&cfg.fanoutRuns, "fanout-runs", 3, "fan-out invocations, each in a fresh process (median wall, worst RSS)")
	fs.StringVar(&cfg.fixture, "fixture", "events/testdata/cos_put.json", "COS event whose record is replicated")
	fs.StringVar(&cfg.out, "out", "dist/bench.md", "also write the table here (empty: stdout only)")
	fs.BoolVar(&cfg.short, "short", false, "run the soaks at their -short sizes")
	fs.StringVar(&cfg.sweepSizes, "sweep-sizes", "1000000,10000000", "objects in the synthetic buckets the sweep passes go over (comma list; 1% of them in the window)")
	fs.IntVar(&cfg.sweepScale, "sweep-scale", 8, "the sweep passes' CI latency (80ms) and the function's timeout (120s) are divided by this")
	fs.IntVar(&cfg.sweepBacklog, "sweep-backlog", 10000, "objects that never ran, drained by the sweep at maxTriggers 1000 (0: skip)")
	fs.BoolVar(&cfg.sweepKill, "sweep-kill", true, "kill an invocation of the first sweep pass (its lease then expires a real minute later)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: (cd tools && go run ./benchref/report [flags])\n\n"+
			"Runs every measurement and prints one markdown table (see the package doc).\n"+
			"Paths are relative to the product's root (the module tools/go.mod replaces).\n\n")
		fs.PrintDefaults()
	}
	_ = fs.Parse(os.Args[1:])
	cfg.maxRSSBytes, cfg.maxHostileRSSBytes, cfg.maxFanoutRatio, cfg.maxPacingRatio = 40<<20, 64<<20, 1.3, 1.3

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := chdirProduct(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	rows, err := measure(ctx, cfg, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	out := []io.Writer{os.Stdout}
	if cfg.out != "" {
		if err := os.MkdirAll(filepath.Dir(cfg.out), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
		f, err := os.Create(cfg.out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
		defer f.Close()
		out = append(out, f)
	}
	if err := writeTable(io.MultiWriter(out...), rows); err != nil {
		fmt.Fprintln(os.Stderr, "report: write table:", err)
		os.Exit(1)
	}
}

// productModule is the module measured; tools/go.mod replaces it with the
// directory of the repository's root.
const productModule = "github.com/cosflow/cosflow"

// chdirProduct makes the product module's root the working directory.
func chdirProduct(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", productModule).Output()
	if err != nil {
		return fmt.Errorf("find the product module (run inside tools/): go list -m %s: %w", productModule, err)
	}
	root := strings.TrimSpace(string(out))
	if err := os.Chdir(root); err != nil {
		return fmt.Errorf("product root: %w", err)
	}
	return nil
}

// tempDir makes a temporary directory and returns its absolute path, as
// the go commands run in other directories are handed paths in it.
func tempDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", fmt.Errorf("temp dir: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("temp dir: %w", err)
	}
	return abs, nil
}
