package messages

import (
	"testing"
	"time"
)

func TestTimestampTime(t *testing.T) {
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
			got, ok := tt.ts.Time()
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("%+v.Time() = %v, %v; want %v, %v", tt.ts, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestTimestampOf(t *testing.T) {
	at := time.Date(2026, 11, 22, 2, 0, 0, 123456789, time.UTC)
	if got := TimestampOf(at); got != (InvokeRequest_Timestamp{Seconds: at.Unix(), Nanos: 123456789}) {
		t.Errorf("TimestampOf = %+v", got)
	}
	if got := TimestampOf(time.Time{}); got != (InvokeRequest_Timestamp{}) {
		t.Errorf("TimestampOf(zero) = %+v, want zero", got)
	}
	// A time before 1970 has negative seconds but positive nanos; it must
	// still come back as the same instant.
	before := time.Date(1969, 12, 31, 23, 59, 59, 5, time.UTC)
	if got, ok := TimestampOf(before).Time(); !ok || !got.Equal(before) {
		t.Errorf("TimestampOf(%v).Time() = %v, %v", before, got, ok)
	}
}
