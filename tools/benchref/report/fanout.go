package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/scf"
	"github.com/cosflow/cosflow/scf/messages"
)

// Demo values shared with the emulator (not secrets).
const (
	benchBucket   = "examplebucket-1250000000"
	benchRegion   = "ap-guangzhou"
	benchWorkflow = "w0123456789abcdef0123456789abcdef"
)

// fixtureKey is the object key in events/testdata/cos_put.json that
// uploadEvent replaces to make distinct records.
const fixtureKey = "photos/2026/cat.jpg"

// uploadEvent builds a COS delivery of n records from the cos_put.json
// fixture, each for a different key, so every record triggers once.
func uploadEvent(fixture string, n int) ([]byte, error) { return uploadEventFrom(fixture, 0, n) }

// uploadEventFrom is uploadEvent for the records of benchKey(first) to
// benchKey(first+n-1).
func uploadEventFrom(fixture string, first, n int) ([]byte, error) {
	raw, err := os.ReadFile(fixture)
	if err != nil {
		return nil, fmt.Errorf("read fixture: %w", err)
	}
	var ev struct {
		Records []json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil || len(ev.Records) == 0 {
		return nil, fmt.Errorf("fixture %s: not a COS event with records (%v)", fixture, err)
	}
	rec := string(ev.Records[0])
	if !strings.Contains(rec, fixtureKey) {
		return nil, fmt.Errorf("fixture %s: no key %q to vary", fixture, fixtureKey)
	}
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := first; i < first+n; i++ {
		if i > first {
			b.WriteByte(',')
		}
		b.WriteString(strings.ReplaceAll(rec, fixtureKey, benchKey(i)))
	}
	b.WriteString(`]}`)
	return b.Bytes(), nil
}

// benchKey is the object key of uploadEvent's record i.
func benchKey(i int) string { return fmt.Sprintf("photos/2026/bench-%05d.jpg", i) }

// functionEnv is cosflow's configuration for the measurements: one rule,
// the emulator's credentials, default concurrency and log level.
func functionEnv(endpoint string) []string {
	return []string{
		"COSFLOW_CI_ENDPOINT=" + endpoint,
		"TENCENTCLOUD_SECRETID=" + ciemu.DefaultSecretID,
		"TENCENTCLOUD_SECRETKEY=" + ciemu.DefaultSecretKey,
		"COSFLOW_WORKFLOW_ID=" + benchWorkflow,
		"COSFLOW_BUCKET=" + benchBucket,
		"COSFLOW_REGION=" + benchRegion,
	}
}

// fanoutRun is one invocation of a large upload event.
type fanoutRun struct {
	Wall        time.Duration // Invoke sent → answer received
	MaxInFlight int           // the emulator's peak of concurrent requests
	PeakRSS     int64         // VmHWM of the function process, bytes
	Triggered   int
}

// invocation is one invocation of a fresh function process: its answer,
// how long it took, and the process's peak RSS (VmHWM) after it.
type invocation struct {
	resp    *messages.InvokeResponse
	wall    time.Duration // Invoke sent → answer received
	peakRSS int64
}

// invokeOnce starts the cosflow binary exe as an SCF runtime with env,
// invokes it once with payload, as SCF does with memorySize 128 and a
// deadline of limit, and reads its peak RSS before stopping it.
func invokeOnce(ctx context.Context, exe string, env []string, payload []byte, limit time.Duration) (*invocation, error) {
	invs, err := invokeTogether(ctx, exe, env, [][]byte{payload}, limit)
	if err != nil {
		return nil, err
	}
	return invs[0], nil
}

// invokeTogether starts the cosflow binary exe as an SCF runtime with env
// and invokes it with every payload at once, on one instance (one process)
// as SCF does when deliveries overlap, each with memorySize 128 and a
// deadline of limit; it reads the process's peak RSS once all have been
// answered, before stopping it.
func invokeTogether(ctx context.Context, exe string, env []string, payloads [][]byte, limit time.Duration) ([]*invocation, error) {
	p, err := startFunction(exe, env)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := waitPing(pingCtx, p.addr, p.exited); err != nil {
		return nil, err
	}
	c, err := scf.Dial(ctx, p.addr)
	if err != nil {
		return nil, fmt.Errorf("dial function: %w", err)
	}
	defer c.Close()

	invs := make([]*invocation, len(payloads))
	errs := make([]error, len(payloads))
	var wg sync.WaitGroup
	for i, payload := range payloads {
		wg.Go(func() {
			req := &messages.InvokeRequest{Payload: payload, RequestId: fmt.Sprintf("bench-%d", i), Deadline: messages.TimestampOf(time.Now().Add(limit)),
				MemoryLimitInMb: 128, TimeLimitInMs: int32(limit / time.Millisecond), FunctionName: "cosflow"}
			t0 := time.Now()
			resp, err := c.Invoke(ctx, req)
			if err != nil {
				errs[i] = fmt.Errorf("invoke: %w", err)
				return
			}
			invs[i] = &invocation{resp: resp, wall: time.Since(t0)}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	rss, err := peakRSS(p.cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	for _, inv := range invs {
		inv.peakRSS = rss
	}
	return invs, nil
}

// fanout starts the cosflow binary as an SCF runtime against emu (served at
// endpoint), invokes it once with event and measures the call.
func fanout(ctx context.Context, exe string, emu *ciemu.Emulator, endpoint string, event []byte, records int) (*fanoutRun, error) {
	emu.Reset()
	inv, err := invokeOnce(ctx, exe, functionEnv(endpoint), event, 5*time.Minute)
	if err != nil {
		return nil, err
	}
	resp := inv.resp
	if resp.Error != nil {
		return nil, fmt.Errorf("function error: %s", resp.Error.Message)
	}
	var res struct {
		Triggered []json.RawMessage `json:"triggered"`
	}
	if err := json.Unmarshal(resp.Payload, &res); err != nil {
		return nil, fmt.Errorf("decode result: %w", err)
	}
	if len(res.Triggered) != records || emu.TotalTriggers() != records {
		return nil, fmt.Errorf("triggered %d (emulator saw %d), want %d", len(res.Triggered), emu.TotalTriggers(), records)
	}
	return &fanoutRun{Wall: inv.wall, MaxInFlight: emu.MaxInFlight(), PeakRSS: inv.peakRSS, Triggered: len(res.Triggered)}, nil
}

// peakRSS reads a live process's peak resident set (VmHWM) from /proc.
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("peak RSS (Linux /proc only): %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse VmHWM %q: %w", rest, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
