package doctor

import (
	"strings"

	"github.com/cosflow/cosflow/cosclient"
)

// RuleFilter is what of an object key a cosflow rule looks at: the key
// begins with Prefix and ends with Suffix, byte for byte, and begins with
// none of Ignore (COSFLOW_IGNORE_PREFIXES and the state prefix, under
// which no upload triggers anything).
type RuleFilter struct {
	Prefix, Suffix string
	Ignore         []string
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
	in := wf.input()
	exts, anyKey := in.ExtFilter.Extensions()
	tails := []string{""}
	if !anyKey {
		tails = tails[:0]
		for _, e := range exts {
			tails = append(tails, "."+e)
		}
	}
	if key, ok := overlap(rule, in.ObjectPrefixes(), tails, false); ok {
		return Overlapping{Example: key}, true
	}
	if key, ok := overlap(rule, in.ObjectPrefixes(), tails, true); ok {
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

// overlap finds a key the rule takes that begins with one of prefixes
// and ends with one of tails: a workflow's extensions (compared with
// ASCII case ignored when fold is set), or an output's key template.
// Such a key lies under the longer of the rule's prefix and one of
// prefixes (they must nest), and ends with the longer of the rule's
// suffix and one of tails (they must nest too). Of each such pair, the
// shortest key no ignore prefix covers (see shortest) decides whether a
// key short enough exists; the example shown is the readable prefix +
// "example" + suffix when that is short enough and not ignored either.
func overlap(rule RuleFilter, prefixes, tails []string, fold bool) (string, bool) {
	var (
		best, example string
		found         bool
	)
	for _, q := range prefixes {
		p, ok := nested(rule.Prefix, q)
		if !ok || ignored(rule.Ignore, p) {
			continue // no key, or every key under p is ignored
		}
		for _, t := range tails {
			s, ok := merge(rule.Suffix, t, fold)
			if !ok {
				continue
			}
			key, ok := shortest(p, s, rule.Ignore)
			if !ok || found && len(key) >= len(best) {
				continue
			}
			best, example, found = key, key, true
			if readable := p + exampleMiddle + s.text; len(readable) <= cosclient.MaxObjectKeyLen && !ignored(rule.Ignore, readable) {
				example = readable
			}
		}
	}
	if !found || len(best) > cosclient.MaxObjectKeyLen {
		return "", false
	}
	return example, true
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

// middles are the bytes shortest puts between a prefix and a suffix when
// every key made of the two alone is ignored: letters and digits first,
// for a readable key, then the rest of printable ASCII.
const middles = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// shortest is the shortest key that begins with p, ends with s and
// begins with none of ignore (p itself begins with none): p and s
// sharing as many bytes as they can, then fewer, then one byte between
// them. An ignore prefix longer than p covers the keys that continue p
// with its next byte, so one of the middles is left unless the ignore
// prefixes name them all; then ok is false, the one answer that may miss
// a key (a longer middle), for a configuration of at least 94 ignore
// prefixes under one prefix.
func shortest(p string, s suffix, ignore []string) (string, bool) {
	for shared := min(len(p), len(s.text)); shared >= 0; shared-- {
		if shared > 0 && !fits(p[len(p)-shared:], s, shared) {
			continue
		}
		if key := p + s.text[shared:]; key != "" && !ignored(ignore, key) {
			return key, true
		}
	}
	for i := range len(middles) {
		if key := p + middles[i:i+1] + s.text; !ignored(ignore, key) {
			return key, true
		}
	}
	return "", false
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

// ignored reports whether key begins with one of prefixes.
func ignored(prefixes []string, key string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}
