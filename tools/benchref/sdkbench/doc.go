// Package sdkbench is the official SDK's side of cosclient's client
// benchmarks: BenchmarkTriggerWorkflow, BenchmarkCreateInventoryTriggerJob
// and their InMemory variants, each with one sub-benchmark, sdk, making the
// call cosclient/bench_test.go's floor and cosflow make, against the same
// answer (internal/benchwire). The benchmark report runs both test binaries
// in every round and sets cosflow's overhead above the floor against the
// SDK's. It has no code besides its benchmarks.
package sdkbench
