package model

import (
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cirules"
	"github.com/cosflow/cosflow/internal/valid"
)

// query reads a request's query parameters strictly: only known names,
// each at most once. Its methods record the first failure, so a handler
// reads every parameter and checks err once.
type query struct {
	values url.Values
	err    *valid.FieldError
}

// parseQuery refuses unknown and repeated parameters; with no known names,
// any parameter at all.
func parseQuery(rawQuery string, known ...string) *query {
	q := &query{}
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		q.err = &valid.FieldError{Reason: "is malformed"}
		return q
	}
	q.values = values
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names) // the same request always reports the same field
	for _, name := range names {
		switch {
		case name == "":
			q.fail("", "holds a parameter without a name")
		case !slices.Contains(known, name) && len(known) == 0:
			q.fail(name, "is not a query parameter of this route (it takes none)")
		case !slices.Contains(known, name):
			q.fail(name, "is not a known query parameter (known: "+strings.Join(known, ", ")+")")
		case len(values[name]) > 1:
			q.fail(name, "must be given at most once")
		}
	}
	return q
}

func (q *query) fail(name, reason string) {
	if q.err == nil {
		q.err = &valid.FieldError{Field: name, Reason: reason} // clipped where it is answered, once
	}
}

// str is a parameter's value ("" when absent), checked by check when set.
func (q *query) str(name string, check func(string) error) string {
	if q.err != nil {
		return ""
	}
	s := q.values.Get(name)
	if s != "" && check != nil {
		if err := check(s); err != nil {
			q.failWith(name, err)
		}
	}
	return s
}

// failWith records a cosclient rule's failure under the parameter's name.
func (q *query) failWith(name string, err error) {
	q.fail(name, cirules.Reason(err))
}

// intRange is an integer parameter in [lo, hi] when set; 0 when absent.
func (q *query) intRange(name string, lo, hi int) int {
	s := q.str(name, nil)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		q.fail(name, "must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
		return 0
	}
	return n
}

// time is a CI time parameter, returned in CI's own layout.
func (q *query) time(name string) string {
	s := q.str(name, cosclient.ValidateTime)
	if s == "" || q.err != nil {
		return ""
	}
	t, _ := cosclient.ParseTime(s)
	return cosclient.FormatTime(t)
}

// MaxWindow bounds how far back from now a time window reaches: the since
// parameter here, a backfill's or a sweep's window in package handler. A
// year of objects is already a very large job.
const MaxWindow = 8760 * time.Hour

// since is a "since" duration parameter (e.g. 24h) as the start time it
// means, counted back from now; "" when absent.
func (q *query) since(name string, now time.Time) string {
	s := q.str(name, nil)
	if s == "" || q.err != nil {
		return ""
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > MaxWindow {
		q.fail(name, "must be a positive duration up to "+MaxWindow.String()+", like 24h or 90m")
		return ""
	}
	return cosclient.FormatTime(now.Add(-d))
}

// list is a comma list parsed by parse (a cosclient states list).
func list[T any](q *query, name string, parse func(string) ([]T, error)) []T {
	s := q.str(name, nil)
	if s == "" || q.err != nil {
		return nil
	}
	out, err := parse(s)
	if err != nil {
		q.failWith(name, err)
		return nil
	}
	return out
}

// target reads the bucket and region parameters.
func (q *query) target() Target {
	return Target{Bucket: q.str("bucket", cosclient.ValidateBucket), Region: q.str("region", cosclient.ValidateRegion)}
}

// NoQuery refuses any query parameter, for the routes that take none (the
// POST routes, whose parameters are the body's): nil for an empty query,
// else a *valid.FieldError naming the first parameter.
func NoQuery(rawQuery string) error {
	if q := parseQuery(rawQuery); q.err != nil {
		return q.err
	}
	return nil
}

// ResourceQuery reads the query of a route on one job or run, bucket and
// region, and checks the resource's ID (a path value, named idName in
// errors). The first mistake is a *valid.FieldError naming the parameter.
func ResourceQuery(rawQuery, idName, id string) (Target, error) {
	q := parseQuery(rawQuery, "bucket", "region")
	if err := cosclient.ValidateID(id); err != nil {
		q.failWith(idName, err)
	}
	t := q.target()
	if q.err != nil {
		return Target{}, q.err
	}
	return t, nil
}

// RetryQuery reads POST /v1/runs/{runId}/retry's query: the run's ID (its
// path value, checked as ResourceQuery does), the optional bucket and
// region, and force (true or false; absent is false), which retries what
// ledger.Retry would refuse.
func RetryQuery(rawQuery, id string) (Target, bool, error) {
	q := parseQuery(rawQuery, "bucket", "region", "force")
	if err := cosclient.ValidateID(id); err != nil {
		q.failWith("runId", err)
	}
	t := q.target()
	force := false
	if s := q.str("force", nil); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			q.fail("force", "must be true or false")
		}
		force = b
	}
	if q.err != nil {
		return Target{}, false, q.err
	}
	return t, force, nil
}

// ListJobsInput reads GET /v1/jobs's query — the same parameters
// `cosflow jobs ls` sets from its flags — into CI's input and the bucket
// it names. since (a duration back from now) is the short way to say
// startCreationTime. The first mistake is a *valid.FieldError naming the
// parameter.
func ListJobsInput(rawQuery string, now time.Time) (*cosclient.DescribeInventoryTriggerJobsInput, Target, error) {
	q := parseQuery(rawQuery, "states", "size", "nextToken", "orderByTime", "type", "workflowId",
		"jobId", "name", "startCreationTime", "endCreationTime", "since", "bucket", "region")
	in := &cosclient.DescribeInventoryTriggerJobsInput{
		States:            list(q, "states", cosclient.ParseJobStates),
		Size:              q.intRange("size", 1, cosclient.MaxListSize),
		NextToken:         q.str("nextToken", cosclient.ValidateToken),
		OrderByTime:       q.str("orderByTime", cosclient.ValidateOrder),
		Type:              cosclient.JobType(q.str("type", nil)),
		WorkflowID:        q.str("workflowId", cosclient.ValidateWorkflowID),
		JobID:             q.str("jobId", cosclient.ValidateID),
		Name:              q.str("name", cosclient.ValidateJobName),
		StartCreationTime: q.time("startCreationTime"),
		EndCreationTime:   q.time("endCreationTime"),
	}
	if since := q.since("since", now); since != "" {
		if in.StartCreationTime != "" {
			q.fail("since", "cannot be given together with startCreationTime")
		}
		in.StartCreationTime = since
	}
	target := q.target()
	if q.err != nil {
		return nil, target, q.err
	}
	return in, target, FieldError(in.Validate())
}

// ListRunsInput reads GET /v1/runs's query — the same parameters
// `cosflow runs ls` sets from its flags — into CI's input and the bucket
// it names: workflowId (required), object, states, since, size,
// nextToken, bucket, region. The first mistake is a *valid.FieldError
// naming the parameter.
func ListRunsInput(rawQuery string, now time.Time) (*cosclient.DescribeWorkflowExecutionsInput, Target, error) {
	q := parseQuery(rawQuery, "workflowId", "object", "states", "since", "size", "nextToken", "bucket", "region")
	in := &cosclient.DescribeWorkflowExecutionsInput{
		WorkflowID:        q.str("workflowId", cosclient.ValidateWorkflowID),
		Name:              q.str("object", cosclient.ValidateObjectKey),
		States:            list(q, "states", cosclient.ParseExecutionStates),
		StartCreationTime: q.since("since", now),
		Size:              q.intRange("size", 1, cosclient.MaxListSize),
		NextToken:         q.str("nextToken", cosclient.ValidateToken),
	}
	if q.err == nil && in.WorkflowID == "" {
		q.fail("workflowId", "is required")
	}
	target := q.target()
	if q.err != nil {
		return nil, target, q.err
	}
	return in, target, FieldError(in.Validate())
}
