package handler

import (
	"sync"
	"time"
)

// Dedupe bounds: a platform retry arrives about a minute after the failed
// attempt (three attempts in all), so 15 minutes covers every retry of one
// delivery; 100k entries keep the memory within a few MiB.
const (
	DefaultDedupeTTL     = 15 * time.Minute
	DefaultDedupeEntries = 100_000
)

// firedSet remembers, for a while, what this instance has already triggered
// successfully, so that a platform retry of a partly failed delivery on a
// warm instance does not fire the same work twice. It is bounded in size
// and time; losing an entry only means a duplicate trigger, never a lost
// one. Safe for concurrent use.
type firedSet struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	now   func() time.Time
	until map[string]time.Time
	// order is insertion order; with one TTL for all it is also expiry
	// order, so the oldest entry is always at head.
	order []string
	head  int
}

func newFiredSet(max int, ttl time.Duration, now func() time.Time) *firedSet {
	return &firedSet{ttl: ttl, max: max, now: now, until: make(map[string]time.Time)}
}

// firedKey identifies one piece of work: the object version (version ID,
// else ETag) and the workflow.
func firedKey(bucket, key, version, workflowID string) string {
	return bucket + "\x00" + key + "\x00" + version + "\x00" + workflowID
}

// has reports whether k fired within the TTL.
func (s *firedSet) has(k string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.until[k]
	return ok && s.now().Before(t)
}

// add records k as fired now.
func (s *firedSet) add(k string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expire(now)
	if _, ok := s.until[k]; ok {
		// Still live (expired entries were just dropped): keep its first
		// expiry so that order stays expiry order.
		return
	}
	for len(s.until) >= s.max && s.head < len(s.order) {
		s.evictHead()
	}
	s.until[k] = now.Add(s.ttl)
	s.order = append(s.order, k)
}

// len is the number of entries held (expired ones included until evicted).
func (s *firedSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.until)
}

// expire drops entries at head whose time is up.
func (s *firedSet) expire(now time.Time) {
	for s.head < len(s.order) {
		t, ok := s.until[s.order[s.head]]
		if ok && now.Before(t) {
			break
		}
		s.evictHead()
	}
}

// evictHead removes the oldest entry and compacts order now and then.
func (s *firedSet) evictHead() {
	k := s.order[s.head]
	s.order[s.head] = ""
	s.head++
	delete(s.until, k)
	if s.head > len(s.order)/2 && s.head > 1024 {
		s.order = append([]string(nil), s.order[s.head:]...)
		s.head = 0
	}
}
