package ciemu

// ring keeps the last max values pushed, oldest first. Every bounded
// store of the emulator (the call log, the trigger counts, executions,
// objects) forgets its oldest entry first through one.
type ring[T any] struct {
	buf  []T
	head int // index of the oldest value once buf is full
	max  int
}

func newRing[T any](max int) ring[T] {
	return ring[T]{max: max}
}

// push adds v; when the ring was full it returns the oldest value, which
// v replaced.
func (r *ring[T]) push(v T) (evicted T, full bool) {
	if len(r.buf) < r.max {
		r.buf = append(r.buf, v)
		return evicted, false
	}
	evicted = r.buf[r.head]
	r.buf[r.head] = v
	r.head = (r.head + 1) % r.max
	return evicted, true
}

// all returns the values oldest first, in a new slice.
func (r *ring[T]) all() []T {
	out := make([]T, 0, len(r.buf))
	out = append(out, r.buf[r.head:]...)
	return append(out, r.buf[:r.head]...)
}

func (r *ring[T]) reset() {
	clear(r.buf) // let the values be collected
	r.buf = r.buf[:0]
	r.head = 0
}
