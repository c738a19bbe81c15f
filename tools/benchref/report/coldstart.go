package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"time"

	"github.com/cosflow/cosflow/tools/benchref"
)

// freePort asks the kernel for a free loopback port.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}

// process is a function binary started as the platform starts it.
type process struct {
	cmd    *exec.Cmd
	addr   string
	exited chan struct{} // closed once the process has been reaped
}

// startFunction execs exe with _LAMBDA_SERVER_PORT and env; its output is
// discarded (logs are part of the cost, keeping them is not).
func startFunction(exe string, env []string) (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append([]string{"_LAMBDA_SERVER_PORT=" + port, "PATH=" + os.Getenv("PATH")}, env...)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", exe, err)
	}
	p := &process{cmd: cmd, addr: "127.0.0.1:" + port, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	return p, nil
}

// stop kills the process and waits until it is reaped.
func (p *process) stop() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// pingPoll is how often a not-yet-listening port is retried: short enough
// not to blur a ~millisecond start, long enough not to starve it of CPU.
const pingPoll = 200 * time.Microsecond

// waitPing dials addr until it accepts, then calls Function.Ping over
// net/rpc, as the platform does before the first invocation.
func waitPing(ctx context.Context, addr string, exited <-chan struct{}) error {
	for {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			c := rpc.NewClient(conn)
			err = c.Call("Function.Ping", &benchref.PingRequest{}, &benchref.PingResponse{})
			c.Close()
			if err != nil {
				return fmt.Errorf("ping %s: %w", addr, err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no answer on %s: %w", addr, ctx.Err())
		case <-exited:
			return errors.New("the process exited before answering Ping")
		case <-time.After(pingPoll):
		}
	}
}

// coldStart measures one start: process exec → first answered Ping.
func coldStart(ctx context.Context, exe string, env []string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	t0 := time.Now()
	p, err := startFunction(exe, env)
	if err != nil {
		return 0, err
	}
	err = waitPing(ctx, p.addr, p.exited)
	d := time.Since(t0)
	p.stop()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", exe, err)
	}
	return d, nil
}

// coldStarts runs each binary runs times, interleaved so that machine
// noise falls on all of them alike, and returns each one's median.
func coldStarts(ctx context.Context, bins []*binary, env []string, runs int) (map[string]time.Duration, error) {
	samples := map[string][]time.Duration{}
	for i := 0; i < runs; i++ {
		for j := range bins {
			b := bins[(i+j)%len(bins)]
			d, err := coldStart(ctx, b.Path, env)
			if err != nil {
				return nil, fmt.Errorf("cold start %d of %s: %w", i+1, b.Name, err)
			}
			samples[b.Name] = append(samples[b.Name], d)
		}
	}
	med := map[string]time.Duration{}
	for name, s := range samples {
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		if len(s)%2 == 1 {
			med[name] = s[len(s)/2]
		} else {
			med[name] = (s[len(s)/2-1] + s[len(s)/2]) / 2
		}
	}
	return med, nil
}
