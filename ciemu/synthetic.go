package ciemu

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// Synthetic is a bucket's objects computed from their index instead of
// stored, so that a listing of 10 million of them costs no memory (the
// sweep's scale benchmarks). Object i (0 ≤ i < Count) is
// Prefix + i in ten digits + Suffix, so index order is listing order, of
// Size bytes. It was last modified at Old, except every RecentEvery-th
// object (i % RecentEvery == 0; none when RecentEvery is 0), the recent
// ones, whose times are spread evenly over [RecentFrom, RecentTo) in index
// order.
//
// Of the recent objects, the j-th (j = i / RecentEvery) already ran once,
// a Success run of WorkflowID created a second after its LastModified,
// unless j % LostEvery == 0 (its upload's delivery was lost); with
// LostEvery 0 none ran. These runs are stored executions (they count in
// TriggerCount and Options.MaxExecutions), seeded oldest first when
// Synthesize is called.
type Synthetic struct {
	Bucket, Prefix, Suffix string
	Count                  int
	Size                   int64
	Old                    time.Time
	RecentEvery            int
	RecentFrom, RecentTo   time.Time
	WorkflowID             string
	LostEvery              int
}

// indexDigits is how many digits a synthetic key's index takes.
const indexDigits = 10

// Synthesize makes s the synthetic objects of s.Bucket, in place of any
// earlier ones, and seeds the runs of its recent objects. A listing (GET
// Bucket, Objects) answers them exactly as stored objects, merged with
// the bucket's stored ones in key order (a stored object of the same key
// is listed instead); they have no body (GET Object answers NoSuchKey).
// Reset forgets them.
func (e *Emulator) Synthesize(s Synthetic) error {
	if err := s.check(); err != nil {
		return fmt.Errorf("ciemu: synthesize: %w", err)
	}
	e.mu.Lock()
	e.synthetic[s.Bucket] = &s
	e.mu.Unlock()
	if s.RecentEvery == 0 || s.LostEvery == 0 {
		return nil
	}
	for i := 0; i < s.Count; i += s.RecentEvery {
		if j := i / s.RecentEvery; j%s.LostEvery != 0 {
			e.startExecution(s.Bucket, s.WorkflowID, s.key(i), s.modified(i).Add(time.Second))
		}
	}
	return nil
}

func (s *Synthetic) check() error {
	if err := cosclient.ValidateBucket(s.Bucket); err != nil {
		return err
	}
	switch {
	case s.Count < 0 || s.Count > 1e10:
		return fmt.Errorf("count %d is not in [0, 1e10]", s.Count)
	case s.Size < 0:
		return fmt.Errorf("size %d is negative", s.Size)
	case s.RecentEvery < 0 || s.LostEvery < 0:
		return fmt.Errorf("recentEvery %d and lostEvery %d must not be negative", s.RecentEvery, s.LostEvery)
	case s.RecentEvery > 0 && !s.RecentFrom.Before(s.RecentTo):
		return fmt.Errorf("recent objects need RecentFrom (%v) before RecentTo (%v)", s.RecentFrom, s.RecentTo)
	case s.RecentEvery > 0 && s.LostEvery > 0 && !strings.HasPrefix(s.WorkflowID, "w"):
		return fmt.Errorf("the recent objects' runs need a WorkflowID, not %q", s.WorkflowID)
	}
	// Every key has the same shape: the first tells for all.
	return cosclient.ValidateObjectKey(s.key(0))
}

// key is object i's key.
func (s *Synthetic) key(i int) string {
	b := make([]byte, 0, len(s.Prefix)+indexDigits+len(s.Suffix))
	b = append(b, s.Prefix...)
	digits := strconv.Itoa(i)
	for range indexDigits - len(digits) {
		b = append(b, '0')
	}
	b = append(b, digits...)
	return string(append(b, s.Suffix...))
}

// modified is object i's LastModified, to the millisecond (as listings
// show it).
func (s *Synthetic) modified(i int) time.Time {
	if s.RecentEvery == 0 || i%s.RecentEvery != 0 {
		return s.Old
	}
	recent := (s.Count + s.RecentEvery - 1) / s.RecentEvery
	span := s.RecentTo.Sub(s.RecentFrom).Milliseconds()
	return s.RecentFrom.Add(time.Duration(span*int64(i/s.RecentEvery)/int64(recent)) * time.Millisecond)
}

// list returns up to maxKeys objects that start with prefix and sort
// after marker, in order, and whether more such objects follow (as
// objectStore.list).
func (s *Synthetic) list(prefix, marker string, maxKeys int) (page []cosclient.Object, truncated bool) {
	// Keys grow with the index, so the keys with a prefix are a run of
	// indexes, found by bisection.
	i := max(sort.Search(s.Count, func(i int) bool { return s.key(i) >= prefix }),
		sort.Search(s.Count, func(i int) bool { return s.key(i) > marker }))
	for ; i < s.Count; i++ {
		k := s.key(i)
		if !strings.HasPrefix(k, prefix) {
			break
		}
		if len(page) == maxKeys {
			return page, true
		}
		page = append(page, object{size: s.Size, etag: standInETag(k, s.Size), modified: s.modified(i)}.listed(k))
	}
	return page, false
}

// mergeListings merges two pages of one listing, each in key order and
// truncated or not, into one page of at most maxKeys: a key in both is
// taken from stored.
func mergeListings(stored, synthetic []cosclient.Object, storedMore, syntheticMore bool, maxKeys int) ([]cosclient.Object, bool) {
	if len(synthetic) == 0 && !syntheticMore {
		return stored, storedMore
	}
	page := make([]cosclient.Object, 0, min(maxKeys, len(stored)+len(synthetic)))
	i, j := 0, 0
	for len(page) < maxKeys && (i < len(stored) || j < len(synthetic)) {
		switch {
		case j == len(synthetic) || i < len(stored) && stored[i].Key < synthetic[j].Key:
			page = append(page, stored[i])
			i++
		case i == len(stored) || synthetic[j].Key < stored[i].Key:
			page = append(page, synthetic[j])
			j++
		default: // the same key: the stored object shadows the synthetic one
			page = append(page, stored[i])
			i, j = i+1, j+1
		}
	}
	return page, storedMore || syntheticMore || i < len(stored) || j < len(synthetic)
}
