package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cosflow/cosflow/ciemu"
)

// measure runs everything in order and returns the table's rows. Progress
// and raw benchmark output go to log.
func measure(ctx context.Context, cfg config, log io.Writer) ([]row, error) {
	var rows []row

	fmt.Fprintln(log, "== client benchmarks")
	res, err := runBench(ctx, log, clientBenchDirs, "^(BenchmarkTriggerWorkflow|BenchmarkCreateInventoryTriggerJob)(InMemory)?$", cfg.count, cfg.benchtime)
	if err != nil {
		return nil, err
	}
	r, err := clientRows(res)
	if err != nil {
		return nil, err
	}
	rows = append(rows, r...)

	fmt.Fprintln(log, "== handler benchmarks")
	res, err = runBench(ctx, log, handlerBenchDirs, "^(BenchmarkUpload|BenchmarkEmulatorTrigger)$", cfg.count, cfg.benchtime)
	if err != nil {
		return nil, err
	}
	r, err = handlerRows(res)
	if err != nil {
		return nil, err
	}
	rows = append(rows, r...)

	fmt.Fprintln(log, "== soaks: CI calls per object")
	soaks, err := runSoaks(ctx, log, cfg.short)
	if err != nil {
		return nil, err
	}
	rows = append(rows, soakRows(soaks)...)

	fmt.Fprintln(log, "== build floor, reference fn, cosflow deploy binary")
	dir, err := tempDir("cosflow-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bins := referenceBinaries()
	if err := buildAll(ctx, dir, bins); err != nil {
		return nil, err
	}
	byName := map[string]*binary{}
	for _, b := range bins {
		byName[b.Name] = b
	}

	fmt.Fprintf(log, "== fan-out and peak RSS: %d records, %v latency, %d runs\n", cfg.records, cfg.latency, cfg.fanoutRuns)
	r, err = fanoutRows(ctx, cfg, byName["cosflow"].Path)
	if err != nil {
		return nil, err
	}
	rows = append(rows, r...)

	fmt.Fprintf(log, "== pacing: %d records against %.0f QPS per API, without it, and %d deliveries at once\n", cfg.records, cfg.qps, pacingDeliveries)
	r, err = pacingRows(ctx, cfg, byName["cosflow"].Path)
	if err != nil {
		return nil, err
	}
	rows = append(rows, r...)

	fmt.Fprintln(log, "== peak RSS against a hostile CI")
	r, err = hostileRows(ctx, cfg, byName["cosflow"].Path)
	if err != nil {
		return nil, err
	}
	rows = append(rows, r...)

	fmt.Fprintf(log, "== sweep at scale: %s objects, times ÷%d\n", cfg.sweepSizes, cfg.sweepScale)
	r, err = sweepRows(ctx, cfg, byName["cosflow"].Path, log)
	if err != nil {
		return nil, err
	}
	rows = append(rows, r...)

	fmt.Fprintf(log, "== cold start: %d runs per binary\n", cfg.coldRuns)
	cold, err := coldStarts(ctx, bins, functionEnv("http://127.0.0.1:9"), cfg.coldRuns)
	if err != nil {
		return nil, err
	}
	fl, sdk, ours := cold["floor"], cold["sdk"], cold["cosflow"]
	coldRatio := float64(ours) / float64(sdk)
	sizeSDK, sizeOurs := byName["sdk"].Size, byName["cosflow"].Size
	rows = append(rows,
		row{Metric: fmt.Sprintf("Cold start to first Ping, median of %d: floor / reference fn / cosflow deploy binary", cfg.coldRuns),
			Value: fmt.Sprintf("%s / %s / %s", fmtDur(float64(fl)), fmtDur(float64(sdk)), fmtDur(float64(ours)))},
		row{Metric: "Cold start: cosflow deploy binary / reference fn (Go1 runtime, validator/v10, official SDK)",
			// Three decimals: the two are often within a percent, and
			// "1.00×, not met" would read as a contradiction.
			Value: fmt.Sprintf("%.3f× (floor %.2f×)", coldRatio, float64(fl)/float64(sdk)),
			Goal:  "≤ 1.00×", Met: verdict(ours <= sdk)},
		row{Metric: "Binary size (static, stripped): floor / reference fn / cosflow deploy binary",
			Value: fmt.Sprintf("%s / %s / %s", fmtBytes(float64(byName["floor"].Size)), fmtBytes(float64(sizeSDK)), fmtBytes(float64(sizeOurs)))},
		row{Metric: "Binary size: cosflow deploy binary / reference fn",
			Value: fmt.Sprintf("%.2f×", float64(sizeOurs)/float64(sizeSDK)),
			Goal:  "≤ 1.00×", Met: verdict(sizeOurs <= sizeSDK)},
	)

	fmt.Fprintln(log, "== size attribution (cosflow built with symbols)")
	r, err = sizeRows(ctx, dir)
	if err != nil {
		return nil, err
	}
	return append(rows, r...), nil
}

// fanoutRows invokes the cosflow binary with a large upload event against
// an emulator with injected latency, cfg.fanoutRuns times.
func fanoutRows(ctx context.Context, cfg config, exe string) ([]row, error) {
	event, err := uploadEvent(cfg.fixture, cfg.records)
	if err != nil {
		return nil, err
	}
	emu := ciemu.New(ciemu.Options{Seed: 1, Faults: ciemu.Faults{Latency: cfg.latency}, MaxTriggerKeys: 2 * cfg.records})
	srv, err := emu.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	defer srv.Close()
	var walls []time.Duration
	var inFlight int
	var rss int64
	for i := 0; i < cfg.fanoutRuns; i++ {
		run, err := fanout(ctx, exe, emu, srv.URL(), event, cfg.records)
		if err != nil {
			return nil, fmt.Errorf("fan-out run %d: %w", i+1, err)
		}
		walls = append(walls, run.Wall)
		inFlight = max(inFlight, run.MaxInFlight)
		rss = max(rss, run.PeakRSS)
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	wall := walls[len(walls)/2]
	ideal := time.Duration(float64(cfg.records) / float64(cfg.concurrency) * float64(cfg.latency))
	fr := float64(wall) / float64(ideal)
	return []row{
		{Metric: fmt.Sprintf("Fan-out: %d records, %v per CI call, concurrency %d: wall (median of %d) vs ideal %s",
			cfg.records, cfg.latency, cfg.concurrency, cfg.fanoutRuns, fmtDur(float64(ideal))),
			Value: fmt.Sprintf("%s = %.2f× ideal", fmtDur(float64(wall)), fr),
			Goal:  fmt.Sprintf("≤ %.1f×", cfg.maxFanoutRatio), Met: verdict(fr <= cfg.maxFanoutRatio)},
		{Metric: "Fan-out: emulator's peak requests in flight",
			Value: fmt.Sprint(inFlight),
			Goal:  fmt.Sprintf("≤ %d", cfg.concurrency), Met: verdict(inFlight <= cfg.concurrency)},
		{Metric: fmt.Sprintf("Peak RSS (VmHWM) of cosflow handling the %d-record event (worst of %d)", cfg.records, cfg.fanoutRuns),
			Value: fmtBytes(float64(rss)),
			Goal:  "≤ " + fmtBytes(float64(cfg.maxRSSBytes)), Met: verdict(rss <= cfg.maxRSSBytes)},
	}, nil
}

// sizeRows builds cosflow with symbols and says which modules its bytes
// come from.
func sizeRows(ctx context.Context, dir string) ([]row, error) {
	exe := filepath.Join(dir, "cosflow-symbols")
	if err := buildStatic(ctx, ".", deployTags, exe, true); err != nil {
		return nil, err
	}
	mods, err := modules(ctx, exe)
	if err != nil {
		return nil, err
	}
	shares, total, err := attributeSizes(exe, mods)
	if err != nil {
		return nil, err
	}
	var parts []string
	for _, s := range shares {
		parts = append(parts, fmt.Sprintf("%s %s (%.0f%%)", shortModule(s.Group), fmtBytes(float64(s.Bytes)), 100*float64(s.Bytes)/float64(total)))
	}
	return []row{
		{Metric: "Modules linked into the deploy binary (go version -m)", Value: strings.Join(mapStrings(mods, shortModule), ", ")},
		{Metric: "Where the deploy binary's bytes go (ELF symbol sizes by module, BSS excluded)", Value: fmt.Sprintf("%s of symbols: %s", fmtBytes(float64(total)), strings.Join(parts, "; "))},
	}, nil
}

// shortModule drops the host from a module path for the table.
func shortModule(m string) string {
	return strings.TrimPrefix(m, "github.com/")
}

func mapStrings(in []string, f func(string) string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = f(s)
	}
	return out
}
