package deploycheck

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// problem is one way a serverless.yml breaks the documented schema.
type problem struct {
	line int
	path string
	msg  string
}

func (p problem) String() string { return fmt.Sprintf("line %d: %s: %s", p.line, p.path, p.msg) }

// rule is one documented constraint. check reports every place the file
// breaks it; a rule ignores settings it does not govern, so it can be tried
// on a fragment.
type rule struct {
	name  string
	check func(root *yaml.Node) []problem
}

var rules = []rule{
	{"keys", checkKeys},
	{"async-only inputs", checkAsyncOnly},
	{"function name", checkFunctionName},
	{"runtime", checkRuntime},
	{"memory", checkMemory},
	{"timeout", checkTimeout},
	{"description", checkDescription},
	{"variables", checkVariables},
	{"environment size", checkEnvironmentSize},
	{"triggers", checkTriggers},
	{"cron", checkCron},
}

// parse reads a serverless.yml document; the result is its top mapping.
func parse(src []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("not a YAML mapping")
	}
	return doc.Content[0], nil
}

// lookup returns the value of key in mapping n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func inputs(root *yaml.Node) *yaml.Node { return lookup(root, "inputs") }

// variables returns the key and value nodes of inputs.environment.variables.
func variables(root *yaml.Node) (names, values []*yaml.Node) {
	vars := lookup(lookup(inputs(root), "environment"), "variables")
	if vars == nil || vars.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(vars.Content); i += 2 {
		names = append(names, vars.Content[i])
		values = append(values, vars.Content[i+1])
	}
	return names, values
}

// trigger is one item of inputs.events: its type and its parameters.
type trigger struct {
	kind   string
	item   *yaml.Node // the events item (a mapping with one key)
	params *yaml.Node
}

func triggers(root *yaml.Node) []trigger {
	events := lookup(inputs(root), "events")
	if events == nil || events.Kind != yaml.SequenceNode {
		return nil
	}
	var out []trigger
	for _, item := range events.Content {
		if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
			out = append(out, trigger{item: item})
			continue
		}
		out = append(out, trigger{kind: item.Content[0].Value, item: item, params: lookup(item.Content[1], "parameters")})
	}
	return out
}

// intValue returns n's integer value; ok is false unless n is a YAML int.
func intValue(n *yaml.Node) (v int, ok bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	return v, err == nil
}

// matchShape reports every key of n that s does not document, and values of
// the wrong kind, below path.
func matchShape(n *yaml.Node, s *shape, path string) []problem {
	if s == nil {
		return nil
	}
	var ps []problem
	switch {
	case s.keys != nil && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			kpath := k.Value
			if path != "" {
				kpath = path + "." + k.Value
			}
			sub, ok := s.keys[k.Value]
			if !ok {
				ps = append(ps, problem{k.Line, kpath, "not a documented key (documented: " + strings.Join(sortedKeys(s.keys), ", ") + ")"})
				continue
			}
			ps = append(ps, matchShape(v, sub, kpath)...)
		}
	case s.items != nil && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			ps = append(ps, matchShape(item, s.items, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case s.scalar && n.Kind == yaml.ScalarNode:
	case s.keys != nil:
		ps = append(ps, problem{n.Line, path, "must be a mapping"})
	case s.items != nil:
		ps = append(ps, problem{n.Line, path, "must be a list"})
	}
	return ps
}

func sortedKeys(m map[string]*shape) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkKeys: every key of the file, of inputs and of their documented
// sub-mappings is documented (events: see checkTriggers).
func checkKeys(root *yaml.Node) []problem { return matchShape(root, topShape, "") }

// checkAsyncOnly: inputs that only long-running mode applies are not set
// without it, where they would look like settings and do nothing.
func checkAsyncOnly(root *yaml.Node) []problem {
	in := inputs(root)
	if on := lookup(in, "asyncRunEnable"); on != nil && on.Value == "true" {
		return nil
	}
	var ps []problem
	for _, key := range asyncOnlyInputs {
		if n := lookup(in, key); n != nil {
			ps = append(ps, problem{n.Line, "inputs." + key, "applies only with asyncRunEnable: true (long-running mode), so it does nothing here; async retries are set with scripts/async-config.sh"})
		}
	}
	return ps
}

// functionNamePattern: 2-60 characters, letters, digits, - and _, starting
// with a letter, not ending with - or _ [API CreateFunction].
var functionNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$`)

func checkFunctionName(root *yaml.Node) []problem {
	n := lookup(inputs(root), "name")
	if n == nil || functionNamePattern.MatchString(n.Value) {
		return nil
	}
	return []problem{{n.Line, "inputs.name", fmt.Sprintf("%q: 2-60 letters, digits, - or _, starting with a letter and ending with a letter or digit", n.Value)}}
}

// checkRuntime: cosflow ships a Go binary, which only the Go1 runtime runs.
func checkRuntime(root *yaml.Node) []problem {
	in := inputs(root)
	if in == nil {
		return nil
	}
	n := lookup(in, "runtime")
	if n == nil {
		return []problem{{in.Line, "inputs.runtime", "missing: must be Go1 (the component's default is Nodejs10.15)"}}
	}
	if n.Value != "Go1" {
		return []problem{{n.Line, "inputs.runtime", fmt.Sprintf("%q: must be Go1", n.Value)}}
	}
	return nil
}

// checkMemory: 64, or 128..3072 in steps of 128 MB [API CreateFunction].
func checkMemory(root *yaml.Node) []problem {
	n := lookup(inputs(root), "memorySize")
	if n == nil {
		return nil
	}
	v, ok := intValue(n)
	if ok && (v == 64 || v >= 128 && v <= 3072 && v%128 == 0) {
		return nil
	}
	return []problem{{n.Line, "inputs.memorySize", fmt.Sprintf("%q: must be 64, or 128 to 3072 in steps of 128 (MB)", n.Value)}}
}

// checkTimeout: 1..900 seconds for an event function [API CreateFunction].
func checkTimeout(root *yaml.Node) []problem {
	n := lookup(inputs(root), "timeout")
	if n == nil {
		return nil
	}
	if v, ok := intValue(n); ok && v >= 1 && v <= 900 {
		return nil
	}
	return []problem{{n.Line, "inputs.timeout", fmt.Sprintf("%q: must be a whole number of seconds from 1 to 900", n.Value)}}
}

// checkDescription: at most 1000 letters, digits, spaces, commas, newlines
// and periods; Chinese allowed [API CreateFunction].
func checkDescription(root *yaml.Node) []problem {
	n := lookup(inputs(root), "description")
	if n == nil {
		return nil
	}
	var ps []problem
	if c := len([]rune(n.Value)); c > maxDescription {
		ps = append(ps, problem{n.Line, "inputs.description", fmt.Sprintf("%d characters, at most %d", c, maxDescription)})
	}
	var bad []string
	for _, r := range n.Value {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == ' ' || r == ',' || r == '.' || r == '\n' || unicode.Is(unicode.Han, r)
		if !ok && !slices.Contains(bad, string(r)) {
			bad = append(bad, string(r))
		}
	}
	if len(bad) > 0 {
		ps = append(ps, problem{n.Line, "inputs.description", fmt.Sprintf("characters %q are not allowed: only letters, digits, spaces, commas, periods, newlines and Chinese", strings.Join(bad, ""))})
	}
	return ps
}

// checkVariables: names are not empty and do not use a prefix the platform
// reserves; values are non-empty strings [API Variable: neither may be
// empty].
func checkVariables(root *yaml.Node) []problem {
	names, values := variables(root)
	var ps []problem
	for i, k := range names {
		path := "inputs.environment.variables." + k.Value
		if k.Value == "" {
			ps = append(ps, problem{k.Line, path, "empty variable name"})
		}
		for _, p := range reservedPrefixes {
			if strings.HasPrefix(strings.ToUpper(k.Value), p) {
				ps = append(ps, problem{k.Line, path, "the prefix " + p + " is reserved by the platform"})
			}
		}
		switch v := values[i]; {
		case v.Kind != yaml.ScalarNode:
			ps = append(ps, problem{v.Line, path, "the value must be a string"})
		case v.Value == "":
			ps = append(ps, problem{v.Line, path, "the value must not be empty: leave the variable out (comment it) instead"})
		}
	}
	return ps
}

// environmentSize is the bytes of all variable names and values together,
// as the file spells them: a `${env:NAME}` reference counts as its own text,
// not as the value the framework puts in its place at deploy time (so a
// long secret read that way is undercounted; scripts/deploy.sh counts the
// real value when it is exported).
func environmentSize(root *yaml.Node) int {
	names, values := variables(root)
	size := 0
	for i := range names {
		size += len(names[i].Value) + len(values[i].Value)
	}
	return size
}

// checkEnvironmentSize: at most 4 KB of variables per function (platform
// quota). Long COSFLOW_RULES / COSFLOW_BACKFILLS belong in files.
func checkEnvironmentSize(root *yaml.Node) []problem {
	vars := lookup(lookup(inputs(root), "environment"), "variables")
	if size := environmentSize(root); size > maxEnvironment {
		return []problem{{vars.Line, "inputs.environment.variables", fmt.Sprintf("%d bytes of names and values, the platform allows %d", size, maxEnvironment)}}
	}
	return nil
}

// checkTriggers: each events item is one documented trigger type, not a
// switched-off one, with documented parameters; types whose enable defaults
// to false say enable: true; an http trigger's authType is NONE or CAM; a
// timer's argument fits in 4 KB.
func checkTriggers(root *yaml.Node) []problem {
	var ps []problem
	for i, t := range triggers(root) {
		path := fmt.Sprintf("inputs.events[%d]", i)
		if t.kind == "" {
			ps = append(ps, problem{t.item.Line, path, "must be a mapping with one key, the trigger type"})
			continue
		}
		path += "." + t.kind
		if why, off := switchedOffTriggers[t.kind]; off {
			ps = append(ps, problem{t.item.Line, path, why})
			continue
		}
		params, known := triggerParams[t.kind]
		if !known {
			documented := sortedKeys(triggerParams)
			ps = append(ps, problem{t.item.Line, path, "not a documented trigger type (documented: " + strings.Join(documented, ", ") + ")"})
			continue
		}
		ps = append(ps, matchShape(t.item.Content[1], triggerEntryShape(params), path)...)
		if t.params == nil {
			ps = append(ps, problem{t.item.Line, path + ".parameters", "missing"})
			continue
		}
		if slices.Contains(enableDefaultsFalse, t.kind) {
			if n := lookup(t.params, "enable"); n == nil || n.Value != "true" {
				ps = append(ps, problem{t.params.Line, path + ".parameters.enable", "must be true: it defaults to false, which creates the trigger switched off"})
			}
		}
		if n := lookup(t.params, "authType"); t.kind == "http" && n != nil && !slices.Contains(httpAuthTypes, n.Value) {
			ps = append(ps, problem{n.Line, path + ".parameters.authType", fmt.Sprintf("%q: must be one of %s", n.Value, strings.Join(httpAuthTypes, ", "))})
		}
		if n := lookup(t.params, "argument"); t.kind == "timer" && n != nil && len(n.Value) > maxTimerArgument {
			ps = append(ps, problem{n.Line, path + ".parameters.argument", fmt.Sprintf("%d bytes, at most %d", len(n.Value), maxTimerArgument)})
		}
	}
	return ps
}

// checkCron: every timer has a cronExpression of 7 fields (second minute
// hour day month week year), each within its range [timer docs].
func checkCron(root *yaml.Node) []problem {
	var ps []problem
	for i, t := range triggers(root) {
		if t.kind != "timer" {
			continue
		}
		path := fmt.Sprintf("inputs.events[%d].timer.parameters.cronExpression", i)
		n := lookup(t.params, "cronExpression")
		if n == nil {
			ps = append(ps, problem{t.item.Line, path, "missing"})
			continue
		}
		if err := validCron(n.Value); err != nil {
			ps = append(ps, problem{n.Line, path, fmt.Sprintf("%q: %v", n.Value, err)})
		}
	}
	return ps
}

func validCron(expr string) error {
	parts := strings.Fields(expr)
	if len(parts) != len(cronFields) {
		return fmt.Errorf("%d fields, want 7: second minute hour day month week year", len(parts))
	}
	for i, f := range cronFields {
		if err := f.valid(parts[i]); err != nil {
			return fmt.Errorf("%s field %q: %v", f.name, parts[i], err)
		}
	}
	return nil
}

// valid accepts a comma list of *, N, N-M, each optionally /STEP.
func (f cronField) valid(s string) error {
	for _, term := range strings.Split(s, ",") {
		base, step, stepped := strings.Cut(term, "/")
		if stepped {
			if n, err := strconv.Atoi(step); err != nil || n < 1 {
				return fmt.Errorf("step %q is not a positive number", step)
			}
		}
		if base == "*" {
			continue
		}
		lo, hi, ranged := strings.Cut(base, "-")
		a, err := f.value(lo)
		if err != nil {
			return err
		}
		if ranged {
			b, err := f.value(hi)
			if err != nil {
				return err
			}
			if b < a {
				return fmt.Errorf("range %s is backwards", base)
			}
		}
	}
	return nil
}

func (f cronField) value(s string) (int, error) {
	if i := slices.Index(f.names, strings.ToUpper(s)); i >= 0 {
		return f.min + i, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < f.min || n > f.max {
		return 0, fmt.Errorf("%q is not a value from %d to %d", s, f.min, f.max)
	}
	return n, nil
}
