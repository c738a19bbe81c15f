package handler

import (
	"context"
	"testing"
	"time"
)

func TestWithAnswerMargin(t *testing.T) {
	tests := []struct {
		name       string
		left       time.Duration // 0: no deadline
		wantMargin time.Duration
	}{
		{"no deadline", 0, 0},
		{"long: capped", 60 * time.Second, maxAnswerMargin},
		{"a tenth", 2 * time.Second, 200 * time.Millisecond},
		{"short: floor", 200 * time.Millisecond, minAnswerMargin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := context.Background()
			var deadline time.Time
			if tt.left > 0 {
				deadline = time.Now().Add(tt.left)
				var cancel context.CancelFunc
				parent, cancel = context.WithDeadline(parent, deadline)
				defer cancel()
			}
			ctx, cancel := withAnswerMargin(parent)
			defer cancel()
			got, ok := ctx.Deadline()
			if tt.left == 0 {
				if ok {
					t.Fatalf("deadline %v added where there was none", got)
				}
				return
			}
			// The margin is computed from time.Until, a moment after
			// deadline was set: allow that moment's worth of difference.
			margin := deadline.Sub(got)
			if diff := margin - tt.wantMargin; diff < -5*time.Millisecond || diff > 5*time.Millisecond {
				t.Errorf("margin = %v, want %v", margin, tt.wantMargin)
			}
		})
	}
}
