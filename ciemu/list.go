package ciemu

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// listQuery is a parsed DescribeInventoryTriggerJobs query.
type listQuery struct {
	after      uint64 // cursor from nextToken: the last seq already returned; 0 for the first page
	size       int
	typ        cosclient.JobType
	asc        bool
	states     map[cosclient.JobState]bool // nil means all
	start, end time.Time                   // zero means unbounded
	workflowID string
	jobID      string
	name       string
}

const (
	defaultPageSize = 10
	maxPageSize     = 100
)

var allStates = []cosclient.JobState{
	cosclient.JobStateSubmitted, cosclient.JobStateRunning, cosclient.JobStateSuccess,
	cosclient.JobStateFailed, cosclient.JobStatePause, cosclient.JobStateCancel,
}

// parseListQuery reads and checks every filter; a bad one is 400
// InvalidArgument naming the parameter.
func parseListQuery(q url.Values) (listQuery, *apiError) {
	lq := listQuery{size: defaultPageSize, typ: cosclient.JobTypeWorkflow}
	if v := q.Get("nextToken"); v != "" {
		seq, ok := parseToken(v)
		if !ok {
			return lq, invalidArgument("nextToken", "%q is not a token this service issued", v)
		}
		lq.after = seq
	}
	if v := q.Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return lq, invalidArgument("size", "%q is not an integer in 1..%d", v, maxPageSize)
		}
		lq.size = n
	}
	switch v := cosclient.JobType(q.Get("type")); v {
	case "":
	case cosclient.JobTypeWorkflow, cosclient.JobTypeJob:
		lq.typ = v
	default:
		return lq, invalidArgument("type", "%q is not Workflow or Job", v)
	}
	switch v := q.Get("orderByTime"); v {
	case "", "Desc":
	case "Asc":
		lq.asc = true
	default:
		return lq, invalidArgument("orderByTime", "%q is not Desc or Asc", v)
	}
	if v := q.Get("states"); v != "" {
		states, err := parseStates(v)
		if err != nil {
			return lq, err
		}
		lq.states = states
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"startCreationTime", &lq.start}, {"endCreationTime", &lq.end}} {
		v := q.Get(f.name)
		if v == "" {
			continue
		}
		t, err := cosclient.ParseTime(v)
		if err != nil {
			return lq, invalidArgument(f.name, "%q is not a time like 2026-11-22T02:00:00+0800", v)
		}
		*f.dst = t
	}
	if !lq.start.IsZero() && !lq.end.IsZero() && lq.end.Before(lq.start) {
		return lq, invalidArgument("endCreationTime", "is before startCreationTime")
	}
	lq.workflowID, lq.jobID, lq.name = q.Get("workflowId"), q.Get("jobId"), q.Get("name")
	return lq, nil
}

// parseStates reads a comma list of states; All (anywhere) means no filter.
func parseStates(v string) (map[cosclient.JobState]bool, *apiError) {
	states := make(map[cosclient.JobState]bool)
	for _, s := range strings.Split(v, ",") {
		st := cosclient.JobState(strings.TrimSpace(s))
		if st == "All" {
			return nil, nil
		}
		if !slices.Contains(allStates, st) {
			return nil, invalidArgument("states", "%q is not one of All, Submitted, Running, Success, Failed, Pause, Cancel", st)
		}
		states[st] = true
	}
	return states, nil
}

// matches applies every filter but the cursor to j, whose state is state.
func (lq *listQuery) matches(j *job, state cosclient.JobState) bool {
	if j.typ != lq.typ {
		return false
	}
	if lq.states != nil && !lq.states[state] {
		return false
	}
	// Creation times are shown to the second, so they filter to the second.
	created := j.created.Truncate(time.Second)
	if !lq.start.IsZero() && created.Before(lq.start) {
		return false
	}
	if !lq.end.IsZero() && created.After(lq.end) {
		return false
	}
	if lq.workflowID != "" && !slices.Contains(j.workflows, lq.workflowID) {
		return false
	}
	if lq.jobID != "" && j.id != lq.jobID {
		return false
	}
	if lq.name != "" && j.name != lq.name {
		return false
	}
	return true
}

// describeJobs serves GET /inventorytriggerjob: one page of the bucket's
// jobs in creation order (Desc by default), and a NextToken when more
// match. The token is a cursor (the last job returned), so paging is stable
// while jobs are created or evicted.
func (e *Emulator) describeJobs(req *request) (any, *apiError) {
	lq, err := parseListQuery(req.r.URL.Query())
	if err != nil {
		return nil, err
	}
	out := &cosclient.DescribeInventoryTriggerJobsOutput{RequestID: req.requestID}
	e.mu.Lock()
	defer e.mu.Unlock()
	n := len(e.jobs.order)
	var last uint64
	for i := 0; i < n; i++ {
		idx := n - 1 - i
		if lq.asc {
			idx = i
		}
		j := e.jobs.order[idx]
		if j.bucket != req.bucket || lq.after != 0 && (lq.asc && j.seq <= lq.after || !lq.asc && j.seq >= lq.after) {
			continue
		}
		if !lq.matches(j, e.lc.at(j, req.now).state) {
			continue
		}
		if len(out.JobsDetail) == lq.size {
			out.NextToken = formatToken(last)
			break
		}
		out.JobsDetail = append(out.JobsDetail, e.lc.detail(j, req.now))
		last = j.seq
	}
	return out, nil
}

// Tokens are opaque to callers: a version letter and the cursor in hex.
func formatToken(seq uint64) string {
	return "c" + strconv.FormatUint(seq, 16)
}

func parseToken(s string) (uint64, bool) {
	if !strings.HasPrefix(s, "c") {
		return 0, false
	}
	n, err := strconv.ParseUint(s[1:], 16, 64)
	return n, err == nil && n > 0
}
