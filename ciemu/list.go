package ciemu

import (
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// The two CI listings (jobs, workflow executions) page alike: a size, an
// order by creation time, a creation-time window and an opaque token. What
// each value may be is cosclient's rule (the operation input's Validate),
// so the emulator refuses exactly what the client refuses to send.

// defaultPageSize is the page size when the query names none.
const defaultPageSize = 10

// paging is the part of a listing query the two CI listings share.
type paging struct {
	after      uint64 // cursor from nextToken: the last seq already returned; 0 for the first page
	size       int
	asc        bool
	start, end time.Time // creation-time window; zero means unbounded
}

// querySize reads the size parameter: 0 when absent, else 1..100.
func querySize(q url.Values) (int, *apiError) {
	v := q.Get("size")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || cosclient.ValidateListSize(n) != nil {
		return 0, invalidArgument("size", "%q is not an integer from 1 to %d", v, cosclient.MaxListSize)
	}
	return n, nil
}

// queryStates reads the states parameter with parse (cosclient's
// ParseJobStates or ParseExecutionStates); nil means every state (absent,
// or All anywhere in the list).
func queryStates[S ~string](q url.Values, parse func(string) ([]S, error)) (map[S]bool, *apiError) {
	v := q.Get("states")
	if v == "" {
		return nil, nil
	}
	states, err := parse(v)
	if err != nil {
		return nil, validationError(err)
	}
	set := make(map[S]bool, len(states))
	for _, s := range states {
		if s == cosclient.StateAll {
			return nil, nil
		}
		set[s] = true
	}
	return set, nil
}

// parseListing reads a listing query: size and states, which need
// parsing first; then validate (the operation input's Validate, given
// the size) checks every value; then the shared paging. Only the token's
// shape is the emulator's own rule.
func parseListing[S ~string](q url.Values, parseStates func(string) ([]S, error), validate func(size int) error) (paging, map[S]bool, *apiError) {
	var pg paging
	size, err := querySize(q)
	if err != nil {
		return pg, nil, err
	}
	states, err := queryStates(q, parseStates)
	if err != nil {
		return pg, nil, err
	}
	if err := validate(size); err != nil {
		return pg, nil, validationError(err)
	}
	pg = paging{size: size, asc: q.Get("orderByTime") == "Asc"}
	if pg.size == 0 {
		pg.size = defaultPageSize
	}
	if token := q.Get("nextToken"); token != "" {
		seq, ok := parseToken(token)
		if !ok {
			return pg, nil, invalidArgument("nextToken", "%q is not a token this service issued", token)
		}
		pg.after = seq
	}
	// validate checked that both times parse.
	if v := q.Get("startCreationTime"); v != "" {
		pg.start, _ = cosclient.ParseTime(v)
	}
	if v := q.Get("endCreationTime"); v != "" {
		pg.end, _ = cosclient.ParseTime(v)
	}
	return pg, states, nil
}

// inWindow reports whether a creation time falls in the window. Creation
// times are shown to the second, so they filter to the second.
func (pg *paging) inWindow(created time.Time) bool {
	created = created.Truncate(time.Second)
	return (pg.start.IsZero() || !created.Before(pg.start)) && (pg.end.IsZero() || !created.After(pg.end))
}

// pageOf returns one page of items, which are in ascending seq order:
// walking them in the page's order from just past its cursor, the first
// size that match. next is the token of the following page, set only when
// another item matches. The cursor is a seq, not an offset, so paging is
// stable while items are added or forgotten.
func pageOf[T any](items []T, seq func(T) uint64, pg paging, match func(T) bool) (page []T, next string) {
	// Past the cursor: seq > after ascending, seq < after descending.
	lo, hi := 0, len(items)
	if pg.after != 0 {
		if pg.asc {
			lo = sort.Search(len(items), func(i int) bool { return seq(items[i]) > pg.after })
		} else {
			hi = sort.Search(len(items), func(i int) bool { return seq(items[i]) >= pg.after })
		}
	}
	for n := 0; n < hi-lo; n++ {
		i := lo + n
		if !pg.asc {
			i = hi - 1 - n
		}
		if !match(items[i]) {
			continue
		}
		if len(page) == pg.size {
			return page, formatToken(seq(page[len(page)-1]))
		}
		page = append(page, items[i])
	}
	return page, ""
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

// jobQuery is a parsed DescribeInventoryTriggerJobs query.
type jobQuery struct {
	paging
	typ        cosclient.JobType
	states     map[cosclient.JobState]bool // nil means all
	workflowID string
	jobID      string
	name       string
}

// parseJobQuery reads and checks every filter; a bad one is 400
// InvalidArgument naming the parameter.
func parseJobQuery(q url.Values) (jobQuery, *apiError) {
	var in cosclient.DescribeInventoryTriggerJobsInput
	pg, states, err := parseListing(q, cosclient.ParseJobStates, func(size int) error {
		in = cosclient.DescribeInventoryTriggerJobsInput{
			NextToken:         q.Get("nextToken"),
			Size:              size,
			Type:              cosclient.JobType(q.Get("type")),
			OrderByTime:       q.Get("orderByTime"),
			StartCreationTime: q.Get("startCreationTime"),
			EndCreationTime:   q.Get("endCreationTime"),
			WorkflowID:        q.Get("workflowId"),
			JobID:             q.Get("jobId"),
			Name:              q.Get("name"),
		}
		return in.Validate()
	})
	if err != nil {
		return jobQuery{}, err
	}
	return jobQuery{paging: pg, typ: in.Type.OrDefault(), states: states, workflowID: in.WorkflowID, jobID: in.JobID, name: in.Name}, nil
}

// matches applies every filter but the cursor to j, whose state is state.
func (jq *jobQuery) matches(j *job, state cosclient.JobState) bool {
	return j.typ == jq.typ &&
		(jq.states == nil || jq.states[state]) &&
		jq.inWindow(j.created) &&
		(jq.workflowID == "" || slices.Contains(j.workflows, jq.workflowID)) &&
		(jq.jobID == "" || j.id == jq.jobID) &&
		(jq.name == "" || j.name == jq.name)
}

// describeJobs serves GET /inventorytriggerjob: one page of the bucket's
// jobs in creation order (Desc by default), and a NextToken when more
// match.
func (e *Emulator) describeJobs(req *request) (any, *apiError) {
	jq, err := parseJobQuery(req.r.URL.Query())
	if err != nil {
		return nil, err
	}
	out := &cosclient.DescribeInventoryTriggerJobsOutput{RequestID: req.requestID}
	e.mu.Lock()
	defer e.mu.Unlock()
	page, next := pageOf(e.jobs.order, func(j *job) uint64 { return j.seq }, jq.paging, func(j *job) bool {
		return j.bucket == req.bucket && jq.matches(j, e.lc.at(j, req.now).state)
	})
	for _, j := range page {
		out.JobsDetail = append(out.JobsDetail, e.lc.detail(j, req.now))
	}
	out.NextToken = next
	return out, nil
}
