package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/internal/termsafe"
	"github.com/cosflow/cosflow/model"
)

// The -o values.
const (
	outputTable = "table"
	outputJSON  = "json"
)

// printer writes a command's results to stdout: one JSON object per line
// (the HTTP API's types, so the same field names), or one table whose
// columns line up over everything printed. Both are terminal-safe: cells
// are escaped (cell), JSON text holds escapes (termsafe.JSON).
type printer struct {
	w    io.Writer
	json bool
	tw   *tabwriter.Writer // the open table, once its header is written
}

// columns is a table view of T: the header and a row's cells.
type columns[T any] struct {
	header []string
	cells  func(*T) []string
}

// emit prints items: each as a JSON line, or as a row under cols' header
// (written before the first row). Call flush when done.
func emit[T any](p *printer, cols columns[T], items ...T) error {
	if p.json {
		// Each Encode writes one whole value, as termsafe.JSONWriter
		// requires: CI's text reaches a terminal escaped and a JSON
		// reader as it was.
		enc := json.NewEncoder(termsafe.JSONWriter{W: p.w})
		enc.SetEscapeHTML(false)
		for i := range items {
			if err := enc.Encode(&items[i]); err != nil {
				return fmt.Errorf("encode: %w", err)
			}
		}
		return nil
	}
	if p.tw == nil {
		p.tw = tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(p.tw, strings.Join(cols.header, "\t"))
	}
	for i := range items {
		cells := cols.cells(&items[i])
		for j, c := range cells {
			cells[j] = cell(c)
		}
		fmt.Fprintln(p.tw, strings.Join(cells, "\t"))
	}
	return nil
}

// show prints items and ends the command: exit 0, or 1 when they could
// not be written.
func show[T any](s *session, c *command, p *printer, cols columns[T], items ...T) int {
	if err := emit(p, cols, items...); err != nil {
		return s.done(c, err)
	}
	return s.done(c, p.flush())
}

// header prints a table's header alone, for an empty listing (JSON
// prints nothing).
func header[T any](p *printer, cols columns[T]) {
	if !p.json && p.tw == nil {
		_ = emit[T](p, cols)
	}
}

// flush writes out the table, if one is open.
func (p *printer) flush() error {
	if p.tw == nil {
		return nil
	}
	err := p.tw.Flush()
	p.tw = nil
	return err
}

// cell is a value as a table shows it: "-" for nothing, and escaped
// (termsafe) where it holds a tab, a newline or a terminal escape (object
// keys may), so that the columns stay columns and the terminal stays
// itself.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return termsafe.String(s)
}

// The table views. JSON always prints the whole object.
var (
	jobColumns = columns[model.Job]{
		header: []string{"JOB ID", "NAME", "TYPE", "STATE", "PROGRESS", "CREATED"},
		cells: func(j *model.Job) []string {
			return []string{j.JobID, j.Name, string(j.Type), string(j.State), j.Progress, j.CreationTime}
		},
	}
	runColumns = columns[model.Run]{
		header: []string{"RUN ID", "OBJECT", "STATE", "CREATED"},
		cells:  func(r *model.Run) []string { return []string{r.RunID, r.Object, string(r.State), r.CreateTime} },
	}
	runDetailColumns = columns[model.Run]{
		header: []string{"RUN ID", "WORKFLOW", "OBJECT", "STATE", "CREATED", "CODE", "MESSAGE"},
		cells: func(r *model.Run) []string {
			code, msg := "", "" // the failing task's reason, CI's own
			if r.Failed != nil {
				code, msg = r.Failed.Code, r.Failed.Message
			}
			return []string{r.RunID, r.WorkflowID, r.Object, string(r.State), r.CreateTime, code, msg}
		},
	}
	cancelColumns = columns[model.CancelJobResponse]{
		header: []string{"JOB ID", "STATE"},
		cells:  func(r *model.CancelJobResponse) []string { return []string{r.JobID, string(r.State)} },
	}
	reconcileColumns = columns[handler.ReconcileResult]{
		header: []string{"RULE", "CHECKED", "ALREADY RAN", "TRIGGERED", "PLANNED", "FAILED", "TRUNCATED"},
		cells: func(r *handler.ReconcileResult) []string {
			return []string{r.Rule, strconv.Itoa(r.Checked), strconv.Itoa(r.AlreadyRan), strconv.Itoa(len(r.Triggered)),
				strconv.Itoa(len(r.Planned)), strconv.Itoa(len(r.Failed)), strconv.FormatBool(r.Truncated)}
		},
	}
)
