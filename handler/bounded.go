package handler

import (
	"sync"
	"sync/atomic"
)

// runBounded calls fn(0..n-1) on at most limit goroutines at once and
// returns when all calls have. fn must check its own context: a cancelled
// invocation still visits every index, so every item gets an outcome.
func runBounded(limit, n int, fn func(i int)) {
	if limit > n {
		limit = n
	}
	if limit <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range limit {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}
