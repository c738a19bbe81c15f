package scf

import (
	"context"
	"testing"
	"time"
)

func TestDeadlineMapping(t *testing.T) {
	at := time.Date(2026, 11, 22, 2, 0, 0, 123456789, time.UTC)
	tests := []struct {
		name   string
		ts     InvokeRequest_Timestamp
		want   time.Time
		wantOK bool
	}{
		{"zero means none", InvokeRequest_Timestamp{}, time.Time{}, false},
		{"seconds and nanos", InvokeRequest_Timestamp{Seconds: at.Unix(), Nanos: 123456789}, at, true},
		{"nanos only", InvokeRequest_Timestamp{Nanos: 5}, time.Unix(0, 5), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := deadlineOf(tt.ts)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("deadlineOf(%+v) = %v, %v; want %v, %v", tt.ts, got, ok, tt.want, tt.wantOK)
			}
		})
	}
	if got := TimestampOf(at); got != (InvokeRequest_Timestamp{Seconds: at.Unix(), Nanos: 123456789}) {
		t.Errorf("TimestampOf = %+v", got)
	}
	if got := TimestampOf(time.Time{}); got != (InvokeRequest_Timestamp{}) {
		t.Errorf("TimestampOf(zero) = %+v, want zero", got)
	}
}

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
	req := &InvokeRequest{
		RequestId: "req-1", TraceId: "trace-1", FunctionName: "cosflow", Namespace: "default",
		FunctionVersion: "$LATEST", MemoryLimitInMb: 128, TimeLimitInMs: 3000,
		TencentcloudRegion: "ap-guangzhou", TencentcloudAppID: "1250000000", TencentcloudUin: "100000000001",
		Deadline: TimestampOf(deadline),
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
