package readmecheck

import (
	"bufio"
	"errors"
	"regexp"
	"sort"
	"strings"
)

// QuickstartCommands are the two commands a newcomer with only Go runs first,
// in README order; .ci/run executes them verbatim.
var QuickstartCommands = []string{
	"go run . invoke -event events/testdata/cos_put.json",
	"go test ./...",
}

// ErrNoQuickstart reports a document without a ```sh block under
// "## Quickstart".
var ErrNoQuickstart = errors.New("no ```sh block under \"## Quickstart\"")

// Quickstart returns the lines of the first ```sh fenced block in the
// "## Quickstart" section of a Markdown document, as written.
func Quickstart(doc string) ([]string, error) {
	var (
		inSection, inBlock bool
		lines              []string
	)
	sc := bufio.NewScanner(strings.NewReader(doc))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !inSection:
			inSection = strings.TrimSpace(line) == "## Quickstart"
		case inBlock && strings.HasPrefix(line, "```"):
			return lines, nil
		case inBlock:
			lines = append(lines, line)
		case strings.HasPrefix(line, "## "):
			// Next section reached without a block.
			return nil, ErrNoQuickstart
		case strings.TrimSpace(line) == "```sh":
			inBlock = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if inBlock {
		return nil, errors.New("unterminated ```sh block under \"## Quickstart\"")
	}
	return nil, ErrNoQuickstart
}

var (
	settingRE = regexp.MustCompile(`\bCOSFLOW_[A-Z0-9_]*[A-Z0-9]`)
	scriptRE  = regexp.MustCompile(`\bscripts/[A-Za-z0-9_.-]+\.sh\b`)
	fixtureRE = regexp.MustCompile(`\bevents/testdata/[A-Za-z0-9_.-]+\.json\b`)
)

// mentions returns the distinct matches of re in doc, sorted.
func mentions(doc string, re *regexp.Regexp) []string {
	seen := map[string]bool{}
	for _, m := range re.FindAllString(doc, -1) {
		seen[m] = true
	}
	out := make([]string, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// SettingNames returns the COSFLOW_* names a document mentions.
func SettingNames(doc string) []string { return mentions(doc, settingRE) }

// ScriptPaths returns the scripts/*.sh paths a document mentions.
func ScriptPaths(doc string) []string { return mentions(doc, scriptRE) }

// FixturePaths returns the events/testdata/*.json paths a document mentions.
func FixturePaths(doc string) []string { return mentions(doc, fixtureRE) }
