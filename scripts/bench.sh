#!/bin/sh
# The measured proof: every performance goal, each against a reference
# measured in the same run, as one markdown table (also dist/bench.md).
set -eu

usage() {
	cat <<'USAGE'
Usage: scripts/bench.sh [-h] [-q] [-- REPORT-FLAGS...]

Runs `go run ./benchref/report` in the tools module (tools/, where the
official SDK is required, so that the product's go.mod does not), which
measures the product at the repository's root:
  1. runs the client benchmarks, cosclient's (bare net/http floor,
     cosflow) and the official SDK's (tools/benchref/sdkbench), in the
     same rounds, and reports cost per call and cosflow's overhead above
     the floor relative to the SDK's (goal <= 0.75 in time and
     allocations);
  2. runs the handler benchmarks: overhead per record of a 100-record
     upload above a bare client->emulator trigger (goal <= 200 us);
  3. runs the soaks through the real binary (soak_test.go, full sizes):
     CI calls per object on the happy path (goal: 1.00, no ledger call)
     and under 30% faults with 10% lost answers, platform retries on new
     processes and a reconcile tick (goal: 0 lost, 0 twice);
  4. builds three static stripped binaries alike (CGO_ENABLED=0,
     -trimpath, -ldflags "-s -w"): the floor (tools/benchref/floor),
     the reference function a user would write with the same packages
     (tools/benchref/sdkfn: Go1 runtime, validator/v10, the official
     SDK's TriggerWorkflow) and cosflow's deploy binary (-tags
     deploy, as scripts/build.sh builds it);
  5. invokes the deploy binary over the SCF protocol with a 1,000-record
     upload against the CI emulator injecting 20 ms per call: wall time vs
     the ideal 1000/8 x 20 ms = 2.5 s (goal <= 1.3x), the emulator's peak
     requests in flight (goal <= 8) and the process's peak RSS, VmHWM
     (goal <= 40 MB); then the same upload against the emulator limited
     to 50 QPS per API (-- -qps N; throttles beyond it): failed records
     and wall time vs the ideal 1000 / 50 QPS = 20 s (goal: 0 failed,
     <= 1.3x), the same upload without the limit as the baseline, and 100
     uploads of 5 records at once on one process against the limit: peak
     calls in flight at CI (goal <= 64, cosclient.DefaultMaxInFlight);
     then against a hostile CI (internal/hostile)
     answering every call with 1 GB or 16 MiB of elements, an 8-record
     upload (8 triggers at once), a late one and a sweep: the worst peak
     RSS (goal <= 64 MiB, half of memorySize 128);
  6. sweeps a synthetic bucket (ciemu.Synthesize: 1M and 10M objects,
     1% of them in the window, 0.1% of those never ran) with the deploy
     binary, a fresh process per tick as SCF's timer would, every 5
     minutes, and one per continuation the function asks for (SCF
     Invoke, served on loopback by scfapitest) at once, until the pass
     is done, at 80 ms per CI call and the
     function's 120 s timeout both divided by 8 (-sweep-scale): the
     invocations, the longest against the timeout, the pass time in real
     terms against the 1 h "every" (CPU is not scaled: the figures are
     pessimistic), peak RSS and CPU per key at both sizes (goal <= 64 MiB,
     linear), a lost invocation (killed; the next tick resumes from the
     cursor once its lease expires, a real minute later) and a backlog of
     10,000 objects that never ran drained at maxTriggers 1000 an
     invocation (goal: CI's rate);
  7. measures cold start, process start -> first answered Ping over
     net/rpc on loopback, median of 20 per binary, and binary sizes (goal:
     the deploy binary <= the reference function in both), and which
     modules the deploy binary's bytes come from.
Prints the table on stdout and writes dist/bench.md; progress and raw
benchmark output go to stderr. Takes about 12 minutes on 2 cores (the
pacing step about 35 s of it, 8 s with -q). Linux only
(peak RSS is read from /proc).

  -q  quick smoke run (fewer counts and runs, 200 records, so 1 record per
      concurrent upload, -short soaks, sweeps of 20k and 100k objects
      without the lost invocation):
      checks the pipeline, not the goals
  -h  show this help
Flags after -- go to the report program (see `cd tools && go run
./benchref/report -h`; its paths are relative to the repository's root),
e.g. -- -cold-runs 40.
USAGE
}

quick=0
while getopts hq opt; do
	case $opt in
	h) usage; exit 0 ;;
	q) quick=1 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

cd "$(dirname "$0")/../tools"

if [ "$quick" -eq 1 ]; then
	set -- -count 1 -benchtime 100ms -cold-runs 3 -fanout-runs 1 -records 200 -short \
		-sweep-sizes 20000,100000 -sweep-backlog 2000 -sweep-kill=false "$@"
else
	set -- -count 10 -benchtime 500ms -cold-runs 20 -fanout-runs 3 -records 1000 -latency 20ms "$@"
fi

echo "bench: $(go version), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs" >&2
exec go run ./benchref/report -out dist/bench.md "$@"
