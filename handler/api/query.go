package api

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// query reads a request's query parameters strictly: only known names,
// each at most once. Its methods record the first failure, so a handler
// reads every parameter and checks err once.
type query struct {
	values url.Values
	err    *apiError
}

// parseQuery refuses unknown and repeated parameters.
func parseQuery(rawQuery string, known ...string) *query {
	q := &query{}
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		q.err = invalid("", "has a malformed query string: "+err.Error())
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
		case !contains(known, name):
			q.fail(name, "is not a known query parameter (known: "+strings.Join(known, ", ")+")")
		case len(values[name]) > 1:
			q.fail(name, "must be given at most once")
		}
	}
	return q
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (q *query) fail(name, reason string) {
	if q.err == nil {
		q.err = invalid(name, reason)
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
			q.fail(name, reasonOf(err))
		}
	}
	return s
}

// oneOf is a parameter that must be one of allowed when set.
func (q *query) oneOf(name string, allowed ...string) string {
	s := q.str(name, nil)
	if s != "" && !contains(allowed, s) {
		q.fail(name, "must be one of: "+strings.Join(allowed, ", "))
	}
	return s
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
func (q *query) time(name string) (string, time.Time) {
	s := q.str(name, nil)
	if s == "" {
		return "", time.Time{}
	}
	t, err := cosclient.ParseTime(s)
	if err != nil {
		q.fail(name, "must be a time like 2026-11-22T02:00:00+0800")
		return "", time.Time{}
	}
	return cosclient.FormatTime(t), t
}

// states is a comma list of job states.
func (q *query) states(name string) []cosclient.JobState {
	s := q.str(name, nil)
	if s == "" {
		return nil
	}
	var out []cosclient.JobState
	for _, part := range strings.Split(s, ",") {
		if !contains(jobStateNames, part) {
			q.fail(name, "must be a comma list of: "+strings.Join(jobStateNames, ", "))
			return nil
		}
		out = append(out, cosclient.JobState(part))
	}
	return out
}

// jobStateNames are the states a list can filter on (All = no filter).
var jobStateNames = []string{"All", "Submitted", "Running", "Success", "Failed", "Pause", "Cancel"}

// validateNextToken accepts an opaque paging token of sane size and
// printable ASCII, since it is passed back to CI in a query string.
func validateNextToken(s string) error {
	if len(s) > 1024 {
		return &cosclient.ValidationError{Field: "NextToken", Reason: "must be at most 1024 characters"}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return &cosclient.ValidationError{Field: "NextToken", Reason: "must be printable ASCII without spaces"}
		}
	}
	return nil
}

// validateJobID accepts job IDs as CI issues them (b + 32 hex) and as its
// documentation writes them (b-xxx-xxx): letters, digits, '-' and '_'.
func validateJobID(s string) error {
	if s == "" || len(s) > 128 {
		return &cosclient.ValidationError{Field: "JobId", Reason: "must have 1 to 128 characters"}
	}
	for _, c := range s {
		ok := c == '-' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !ok {
			return &cosclient.ValidationError{Field: "JobId", Reason: "must contain only letters, digits, '-' and '_'"}
		}
	}
	return nil
}
