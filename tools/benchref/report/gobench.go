package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// benchResults maps a benchmark name without its -GOMAXPROCS suffix
// ("BenchmarkTriggerWorkflow/floor") to unit ("ns/op", "B/op", ...) to
// every value seen, one per -count run.
type benchResults map[string]map[string][]float64

// parseBench reads `go test -bench` output. Lines that are not results
// (goos:, PASS, logs) are skipped.
func parseBench(r io.Reader) (benchResults, error) {
	res := benchResults{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue // "BenchmarkX ... --- FAIL" and the like
		}
		name := trimProcs(f[0])
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("benchmark %s: value %q of %s: %w", name, f[i], f[i+1], err)
			}
			if res[name] == nil {
				res[name] = map[string][]float64{}
			}
			res[name][f[i+1]] = append(res[name][f[i+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read benchmark output: %w", err)
	}
	return res, nil
}

// trimProcs drops the "-8" GOMAXPROCS suffix go test appends.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// median returns the median of the values of one benchmark and unit.
func (r benchResults) median(name, unit string) (float64, bool) {
	vs := r[name][unit]
	if len(vs) == 0 {
		return 0, false
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// runBench compiles the test binary of each package directory in dirs
// (relative to the product's root; they may be in different modules) once
// and runs the benchmarks matching pattern count times, one round each;
// every round runs every binary, each leading in turn. On a shared
// machine, load that comes and goes then falls on the references and
// cosflow alike (go test -count would run all rounds of one sub-benchmark
// before the next). The results of all the binaries are merged, so their
// benchmark names must not overlap. The raw output is echoed to log for
// the record.
func runBench(ctx context.Context, log io.Writer, dirs []string, pattern string, count int, benchtime string) (benchResults, error) {
	tmp, err := tempDir("cosflow-benchbin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	exes := make([]string, len(dirs))
	for i, dir := range dirs {
		exes[i] = filepath.Join(tmp, fmt.Sprintf("%d-%s.test", i, filepath.Base(dir)))
		build := exec.CommandContext(ctx, "go", "test", "-c", "-o", exes[i], ".")
		build.Dir = dir // its own module's go.mod applies
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("go test -c in %s: %w", dir, err)
		}
	}
	args := []string{"-test.run", "^$", "-test.bench", pattern, "-test.benchmem", "-test.count", "1"}
	if benchtime != "" {
		args = append(args, "-test.benchtime", benchtime)
	}
	var out bytes.Buffer
	for i := 0; i < count; i++ {
		for j := range dirs {
			k := (i + j) % len(dirs) // each binary leads a round in turn
			dir := dirs[k]
			fmt.Fprintf(log, "$ (cd %s && %s.test %s)  # round %d of %d\n", dir, filepath.Base(dir), strings.Join(args, " "), i+1, count)
			cmd := exec.CommandContext(ctx, exes[k], args...)
			cmd.Dir = dir // tests find their testdata relative to the package
			cmd.Stdout = io.MultiWriter(&out, log)
			cmd.Stderr = os.Stderr
			if err := cmd.Run(); err != nil {
				return nil, fmt.Errorf("benchmarks %s in %s, round %d: %w", pattern, dir, i+1, err)
			}
		}
	}
	return parseBench(&out)
}
