package main

import (
	"fmt"
	"io"
	"strings"
)

// row is one line of the report table.
type row struct {
	Metric string
	Value  string
	Goal   string // "" for information only
	Met    string // "yes", "no", or "" (information only; rendered "—")
}

// verdict renders a goal check.
func verdict(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// writeTable prints rows as one markdown table.
func writeTable(w io.Writer, rows []row) error {
	var b strings.Builder
	b.WriteString("| Metric | Measured | Goal | Met? |\n|---|---|---|---|\n")
	for _, r := range rows {
		goal, met := r.Goal, r.Met
		if goal == "" {
			goal = "—"
		}
		if met == "" {
			met = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(r.Metric), cell(r.Value), cell(goal), cell(met))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cell keeps a value from breaking the table.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// fmtDur prints a duration in the unit that suits it.
func fmtDur(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

// fmtBytes prints a size in MiB or KiB.
func fmtBytes(n float64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.2f MiB", n/(1<<20))
	}
	return fmt.Sprintf("%.0f KiB", n/(1<<10))
}
