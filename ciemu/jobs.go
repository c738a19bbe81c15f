package ciemu

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// job is one stored inventory trigger job. Its state is not stored: it is
// derived from the creation time, the configured durations and the clock
// (see state), so no timer or goroutine ever runs for a job.
type job struct {
	seq       uint64 // creation order, also the paging cursor
	bucket    string
	id        string
	name      string
	typ       cosclient.JobType
	tag       string
	queueID   string
	workflows []string // Operation.WorkflowIds split on ','
	created   time.Time
	cancelled time.Time // zero unless cancelled
	input     cosclient.JobInput
	operation cosclient.JobOperation
}

// lifecycle is the configured time a job spends in each non-terminal state.
type lifecycle struct {
	submittedFor, runningFor time.Duration
}

// snapshot is a job's derived state at one instant.
type snapshot struct {
	state    cosclient.JobState
	progress int // percent
	start    time.Time
	end      time.Time
}

// at derives j's state at now: Submitted for submittedFor, then Running
// for runningFor, then Success; a cancel freezes progress and ends it.
func (lc lifecycle) at(j *job, now time.Time) snapshot {
	startAt := j.created.Add(lc.submittedFor)
	endAt := startAt.Add(lc.runningFor)
	at := now
	if !j.cancelled.IsZero() {
		at = j.cancelled
	}
	var s snapshot
	switch {
	case at.Before(startAt):
		s = snapshot{state: cosclient.JobStateSubmitted}
	case at.Before(endAt):
		pct := int(100 * at.Sub(startAt) / lc.runningFor)
		s = snapshot{state: cosclient.JobStateRunning, progress: pct, start: startAt}
	default:
		s = snapshot{state: cosclient.JobStateSuccess, progress: 100, start: startAt, end: endAt}
	}
	if !j.cancelled.IsZero() && s.state != cosclient.JobStateSuccess {
		s.state = cosclient.JobStateCancel
		s.end = j.cancelled
	}
	return s
}

// detail renders j as CI's JobsDetail at now.
func (lc lifecycle) detail(j *job, now time.Time) cosclient.JobDetail {
	s := lc.at(j, now)
	in := j.input
	op := j.operation
	d := cosclient.JobDetail{
		Code:         "Success",
		Type:         j.typ,
		Name:         j.name,
		JobID:        j.id,
		Tag:          j.tag,
		State:        s.state,
		Progress:     fmt.Sprintf("%d%%", s.progress),
		QueueID:      j.queueID,
		CreationTime: cosclient.FormatTime(j.created),
		StartTime:    timeOrDash(s.start),
		EndTime:      timeOrDash(s.end),
		Input:        &in,
		Operation:    &op,
	}
	return d
}

// timeOrDash formats t, or "-" for a time that has not happened yet, as CI
// shows StartTime and EndTime of unfinished jobs.
func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return cosclient.FormatTime(t)
}

// jobStore holds jobs of every bucket in creation order, bounded by max.
type jobStore struct {
	max   int
	order []*job // ascending seq
	byKey map[jobKey]*job
}

type jobKey struct{ bucket, id string }

func newJobStore(max int) jobStore {
	return jobStore{max: max, byKey: make(map[jobKey]*job)}
}

// add stores j, first evicting the oldest terminal job (or, when none is
// terminal, the oldest job) if the store is full.
func (s *jobStore) add(j *job, lc lifecycle, now time.Time) {
	if len(s.order) >= s.max {
		victim := 0
		for i, old := range s.order {
			if lc.at(old, now).state.Terminal() {
				victim = i
				break
			}
		}
		delete(s.byKey, jobKey{s.order[victim].bucket, s.order[victim].id})
		s.order = slices.Delete(s.order, victim, victim+1)
	}
	s.order = append(s.order, j)
	s.byKey[jobKey{j.bucket, j.id}] = j
}

func (s *jobStore) get(bucket, id string) *job {
	return s.byKey[jobKey{bucket, id}]
}

func (s *jobStore) reset() {
	s.order = nil
	clear(s.byKey)
}

// defaultQueueID is a bucket's stable default queue: p + 32 hex derived from
// the bucket name, so repeated runs show the same queue.
func defaultQueueID(bucket string) string {
	sum := sha1.Sum([]byte("queue/" + bucket))
	return "p" + hex.EncodeToString(sum[:16])
}

// splitWorkflowIDs splits Operation.WorkflowIds, which may list several.
func splitWorkflowIDs(s string) []string {
	var ids []string
	for _, id := range strings.Split(s, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}
