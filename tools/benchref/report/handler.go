package main

import "fmt"

// handlerBenchDirs hold the handler benchmarks.
var handlerBenchDirs = []string{"handler"}

// maxRecordOverheadNs is the goal for the handler's cost per record above
// a bare client→emulator trigger: 200 µs.
const maxRecordOverheadNs = 200e3

// handlerRows reports BenchmarkUpload's ns/record against the bare
// BenchmarkEmulatorTrigger's ns/op (both at the handler's concurrency,
// against the same in-process emulator).
func handlerRows(res benchResults) ([]row, error) {
	perRecord, ok := res.median("BenchmarkUpload", "ns/record")
	if !ok {
		return nil, fmt.Errorf("no ns/record for BenchmarkUpload in the benchmark output")
	}
	bare, ok := res.median("BenchmarkEmulatorTrigger", "ns/op")
	if !ok {
		return nil, fmt.Errorf("no ns/op for BenchmarkEmulatorTrigger in the benchmark output")
	}
	overhead := perRecord - bare
	return []row{{
		Metric: "Handler overhead per record (100-record upload − bare trigger)",
		Value:  fmt.Sprintf("%s − %s = %s", fmtDur(perRecord), fmtDur(bare), fmtDur(overhead)),
		Goal:   "≤ 200 µs",
		Met:    verdict(overhead <= maxRecordOverheadNs),
	}}, nil
}
