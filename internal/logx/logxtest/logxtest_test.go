package logxtest

import (
	"fmt"
	"sync"
	"testing"
)

func TestBufferConcurrentLines(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fmt.Fprintf(&b, "{\"n\":%d}\n", i)
		}()
	}
	wg.Wait()
	if got := len(b.Lines(t)); got != 20 {
		t.Fatalf("Lines = %d, want 20", got)
	}
}
