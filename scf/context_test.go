package scf

import (
	"context"
	"testing"
	"time"

	"github.com/cosflow/cosflow/scf/messages"
)

func TestFromContext(t *testing.T) {
	if ic, ok := FromContext(context.Background()); ok || ic != nil {
		t.Errorf("FromContext(empty) = %v, %v", ic, ok)
	}
	if _, ok := FromContext(NewContext(context.Background(), nil)); ok {
		t.Error("FromContext reported a nil InvocationContext as present")
	}
	want := &InvocationContext{RequestID: "r1"}
	got, ok := FromContext(NewContext(context.Background(), want))
	if !ok || got != want {
		t.Errorf("FromContext = %v, %v; want %v", got, ok, want)
	}
}

func TestInvocationContextOf(t *testing.T) {
	deadline := time.Unix(1700000000, 500)
	req := &messages.InvokeRequest{
		RequestId: "req-1", TraceId: "trace-1", FunctionName: "cosflow", Namespace: "default",
		FunctionVersion: "$LATEST", MemoryLimitInMb: 128, TimeLimitInMs: 3000,
		TencentcloudRegion: "ap-guangzhou", TencentcloudAppID: "1250000000", TencentcloudUin: "100000000001",
		Deadline: messages.TimestampOf(deadline),
	}
	want := InvocationContext{
		RequestID: "req-1", TraceID: "trace-1", FunctionName: "cosflow", Namespace: "default",
		FunctionVersion: "$LATEST", MemoryLimitMB: 128, TimeLimit: 3 * time.Second,
		Region: "ap-guangzhou", AppID: "1250000000", Uin: "100000000001", Deadline: deadline,
	}
	got := invocationContextOf(req)
	if !got.Deadline.Equal(want.Deadline) {
		t.Errorf("Deadline = %v, want %v", got.Deadline, want.Deadline)
	}
	got.Deadline, want.Deadline = time.Time{}, time.Time{}
	if *got != want {
		t.Errorf("invocationContextOf =\n %+v\nwant\n %+v", *got, want)
	}
}
