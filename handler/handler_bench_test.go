package handler

import (
	"context"
	"fmt"
	"testing"

	"github.com/cosflow/cosflow/cosclient"
)

// BenchmarkUpload measures one 100-record delivery end to end (decode,
// plan, 100 TriggerWorkflow calls against the emulator on loopback). Keys
// are unique per iteration so dedupe never short-cuts the work. Compare
// ns/record with BenchmarkEmulatorTrigger's ns/op: the difference is the
// handler's overhead per record.
func BenchmarkUpload(b *testing.B) {
	const records = 100
	env := newTestEnv(b, map[string]string{EnvWorkflowID: wfA})
	payloads := make([][]byte, 0, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if len(payloads) == 0 {
			for j := 0; j < 64; j++ {
				recs := make([]rec, records)
				for k := range recs {
					recs[k] = rec{key: fmt.Sprintf("bench/%d/%d/%d.jpg", i, j, k), size: 1}
				}
				payloads = append(payloads, cosEvent(recs...))
			}
		}
		p := payloads[len(payloads)-1]
		payloads = payloads[:len(payloads)-1]
		b.StartTimer()
		res, err := env.upload(b, p)
		if err != nil || len(res.Triggered) != records {
			b.Fatalf("triggered %d, err %v", len(res.Triggered), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
}

// BenchmarkEmulatorTrigger is the baseline: the bare client→emulator
// TriggerWorkflow call, with the same concurrency as the handler uses.
func BenchmarkEmulatorTrigger(b *testing.B) {
	env := newTestEnv(b, map[string]string{EnvWorkflowID: wfA})
	opt := cosclient.WithBucket(testBucket, testRegion)
	b.ReportAllocs()
	b.SetParallelism(DefaultConcurrency)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			_, err := env.ci.TriggerWorkflow(context.Background(), &cosclient.TriggerWorkflowInput{WorkflowID: wfA, Object: fmt.Sprintf("base/%p/%d", &i, i)}, opt)
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
