// Package doctor checks a cosflow deployment against CI for the silent
// misconfigurations that only show on the bill: the checks of
// `cosflow doctor` and of the reconcile sweep. It takes plain filters and
// workflows, not the handler's configuration, so the function and the
// command line share one set of checks.
package doctor

import (
	"strings"

	"github.com/cosflow/cosflow/cosclient"
)

// RuleFilter is what of an object key a cosflow rule looks at: the key
// begins with Prefix and ends with Suffix, byte for byte.
type RuleFilter struct {
	Prefix, Suffix string
}

// WorkflowFilter is what of an object key a workflow's own upload trigger
// looks at: its Start node's ObjectPrefix and ExtFilter, read as
// cosclient.NodeInput.Matches reads them.
type WorkflowFilter struct {
	ObjectPrefix string
	ExtFilter    *cosclient.ExtFilter
}

func (w WorkflowFilter) input() *cosclient.NodeInput {
	return &cosclient.NodeInput{ObjectPrefix: w.ObjectPrefix, ExtFilter: w.ExtFilter}
}

// Overlapping is a key that a rule and a workflow's upload trigger would
// both process: an upload of Example runs the workflow twice.
type Overlapping struct {
	Example string
	// CaseFolded is set when every such key differs in the case of its
	// extension from what the filter names (a rule's .MP4 against the
	// Video switch): the keys overlap only if CI ignores the case of
	// extensions, which it does not document. The built-in kinds are
	// taken as naming lower-case extensions.
	CaseFolded bool
}

// exampleMiddle is what a readable example puts between the prefix and
// the suffix both filters need.
const exampleMiddle = "example"

// Overlap reports whether some object key (1 to cosclient.MaxObjectKeyLen
// bytes) is taken both by rule and by wf's Start node, and gives one. It
// never answers false for two filters that both take some key, under
// either reading of the extension's case; when the keys overlap only if
// CI ignores case, it says so (CaseFolded). The filters' strings are
// text (cosclient.ValidateText), as rules are checked to be and as CI's
// XML answers are.
func Overlap(rule RuleFilter, wf WorkflowFilter) (Overlapping, bool) {
	if key, ok := overlap(rule, wf.input(), false); ok {
		return Overlapping{Example: key}, true
	}
	if key, ok := overlap(rule, wf.input(), true); ok {
		return Overlapping{Example: key, CaseFolded: true}, true
	}
	return Overlapping{}, false
}

// suffix is what a key must end with: text, whose first loose bytes need
// only equal the key's with ASCII case ignored (an extension under the
// case-folded reading); the rest byte for byte.
type suffix struct {
	text  string
	loose int
}

// overlap finds a key both filters take, comparing the workflow's
// extensions with ASCII case ignored when fold is set. A key both take
// has one of the workflow's prefixes and the rule's, so the longer of the
// two (they must nest), and ends with the rule's suffix and '.' plus one
// of the extensions, so with the longer of those (they must nest too);
// the shortest key of each such pair is the prefix and the suffix made to
// share as many bytes as they can. The shortest of all decides whether a
// key short enough exists; the example shown is the readable prefix +
// "example" + suffix when that is short enough too.
func overlap(rule RuleFilter, in *cosclient.NodeInput, fold bool) (string, bool) {
	exts, anyKey := in.ExtFilter.Extensions()
	tails := []string{""}
	if !anyKey {
		tails = tails[:0]
		for _, e := range exts {
			tails = append(tails, "."+e)
		}
	}
	var (
		best         string
		bestP, bestS string
		found        bool
	)
	for _, q := range in.ObjectPrefixes() {
		p, ok := nested(rule.Prefix, q)
		if !ok {
			continue
		}
		for _, t := range tails {
			s, ok := merge(rule.Suffix, t, fold)
			if !ok {
				continue
			}
			if key := join(p, s); !found || len(key) < len(best) {
				best, bestP, bestS, found = key, p, s.text, true
			}
		}
	}
	switch {
	case !found || len(best) > cosclient.MaxObjectKeyLen:
		return "", false
	case len(bestP)+len(exampleMiddle)+len(bestS) <= cosclient.MaxObjectKeyLen:
		return bestP + exampleMiddle + bestS, true
	}
	return best, true // only a key with the prefix and suffix overlapping is short enough
}

// nested returns the longer of two prefixes when one begins the other:
// the keys under both are those under it.
func nested(a, b string) (string, bool) {
	if len(a) < len(b) {
		a, b = b, a
	}
	return a, strings.HasPrefix(a, b)
}

// merge is the suffix of the keys that end with the rule's suffix s and
// with the workflow's tail t (folded when fold is set), if one ends the
// other.
func merge(s, t string, fold bool) (suffix, bool) {
	short, long := s, t
	if len(s) >= len(t) {
		short, long = t, s
	}
	tail := long[len(long)-len(short):]
	if tail != short && !(fold && cosclient.EqualFoldASCII(tail, short)) {
		return suffix{}, false
	}
	if len(s) >= len(t) {
		return suffix{text: s}, true
	}
	loose := 0
	if fold {
		loose = len(t) - len(s)
	}
	return suffix{text: t[:len(t)-len(s)] + s, loose: loose}, true
}

// join is the shortest key that begins with p and ends with s: p, and s
// after the most bytes of it that p's end already gives.
func join(p string, s suffix) string {
	for shared := min(len(p), len(s.text)); shared > 0; shared-- {
		if fits(p[len(p)-shared:], s, shared) {
			return p + s.text[shared:]
		}
	}
	return p + s.text
}

// fits reports whether the key bytes end (the last shared bytes of the
// prefix) satisfy the first shared bytes of s.
func fits(end string, s suffix, shared int) bool {
	for i := range shared {
		c, want := end[i], s.text[i]
		if c != want && !(i < s.loose && cosclient.FoldASCII(c) == cosclient.FoldASCII(want)) {
			return false
		}
	}
	return true
}
