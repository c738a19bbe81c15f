package cli

import (
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/model"
)

// listing is a list command (jobs ls, runs ls): GET route's query
// parameters as flags, the API's parser of that query, and how to page
// through CI's listing and show a page. In and Out are the CI operation's
// input and output, T what a row shows.
type listing[In, Out, T any] struct {
	// params are the query parameters the command sets from flags (see
	// flagFor), with their usage.
	params map[string]string
	// parse is the API's reader of the route's query (ListJobsInput,
	// ListRunsInput): the CLI refuses what the route refuses.
	parse func(rawQuery string, now time.Time) (*In, model.Target, error)
	pager func(*cosclient.Client, *In) *cosclient.Paginator[Out]
	// page is one page's rows and the token of the next.
	page func(*In, *Out) ([]T, string)
	cols columns[T]
}

// setup is the command's setup: the query flags, -all and the operator
// flags.
func (l listing[In, Out, T]) setup(s *session, c *command, fs *flag.FlagSet) func([]string) int {
	q := queryFlags(fs, l.params)
	all := fs.Bool("all", false, "follow NextToken to the last page")
	f := s.addOpFlags(fs)
	return func(args []string) int {
		if !s.needArgs(c, args) {
			return ExitUsage
		}
		return l.list(s, c, f, q, *all)
	}
}

// list prints one page, or with all every page, under one table header.
func (l listing[In, Out, T]) list(s *session, c *command, f *opFlags, q url.Values, all bool) int {
	p, ok := s.printer(c, f)
	if !ok {
		return ExitUsage
	}
	in, _, err := l.parse(q.Encode(), time.Now())
	if err != nil {
		return s.refused(c, err, "")
	}
	client, ok := s.client(c, f)
	if !ok {
		return ExitUsage
	}
	pager := l.pager(client, in)
	for pager.HasMorePages() {
		out, err := pager.NextPage(s.ctx)
		if err != nil {
			_ = p.flush() // the pages listed before the failure
			return s.ciFailed(c, err)
		}
		rows, next := l.page(in, out)
		if err := emit(p, l.cols, rows...); err != nil {
			return s.done(c, err)
		}
		if !all && next != "" {
			fmt.Fprintf(s.stderr, "cosflow %s: more on the next pages: add -all to list them\n", c.name)
			break
		}
	}
	header(p, l.cols)
	return s.done(c, p.flush())
}

// queryFlags declares one string flag per API query parameter (usage by
// parameter name), named as flagFor says, and returns the query they
// fill: only the flags given are set, so the API's parser sees exactly
// what the operator typed.
func queryFlags(fs *flag.FlagSet, params map[string]string) url.Values {
	q := url.Values{}
	for param, usage := range params {
		fs.Func(flagFor[param][1:], usage, func(v string) error {
			q.Set(param, v)
			return nil
		})
	}
	return q
}

// statesUsage is the usage of a -states flag whose filter takes known, CI's
// states for the listing: "comma list of states: Running, Success, or
// All".
func statesUsage[S ~string](known []S) string {
	var names []string
	for _, s := range known {
		if s != cosclient.StateAll {
			names = append(names, string(s))
		}
	}
	return "comma list of states: " + strings.Join(names, ", ") + ", or " + cosclient.StateAll
}

// sizeUsage is the usage of a -size flag: CI's page sizes.
var sizeUsage = fmt.Sprintf("page size `N`, 1 to %d", cosclient.MaxListSize)
