package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/clip"
)

// JobParam is a Job job's tag-specific parameters as JSON: CI takes them as
// an XML element tree (cosclient.JobParam), cosflow's API bodies and timer
// specs as a JSON object. The mapping: an object's keys become child
// elements (sorted, for a deterministic body), an array becomes the element
// repeated, and a string, number or boolean becomes the element's text.
// Back in JSON, text is always a string (XML has no types), and a repeated
// element an array. Whether a key can be an XML name is CI's rule, checked
// by cosclient with the rest. Nil means absent.
type JobParam []cosclient.Node

func (p JobParam) toCI() *cosclient.JobParam {
	if p == nil {
		return nil
	}
	return &cosclient.JobParam{Nodes: p}
}

func jobParamFromCI(p *cosclient.JobParam) JobParam {
	if p == nil {
		return nil
	}
	if p.Nodes == nil {
		return JobParam{}
	}
	return JobParam(p.Nodes)
}

// ErrJobParamNotObject is wrapped when jobParam JSON is not an object.
var ErrJobParamNotObject = errors.New("jobParam must be a JSON object")

// UnmarshalJSON implements json.Unmarshaler.
func (p *JobParam) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("decode jobParam: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%w, not %s", ErrJobParamNotObject, jsonKind(v))
	}
	nodes, err := objectNodes(obj, "")
	if err != nil {
		return err
	}
	*p = nodes
	return nil
}

func objectNodes(obj map[string]any, path string) ([]cosclient.Node, error) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	nodes := make([]cosclient.Node, 0, len(keys))
	for _, k := range keys {
		p := k
		if path != "" {
			p = path + "." + k
		}
		if arr, ok := obj[k].([]any); ok {
			for i, item := range arr {
				if _, nested := item.([]any); nested {
					return nil, fmt.Errorf("jobParam %s[%d]: arrays of arrays have no XML form", clip.String(p, maxEcho), i)
				}
				n, err := valueNode(k, item, p)
				if err != nil {
					return nil, err
				}
				nodes = append(nodes, n)
			}
			continue
		}
		n, err := valueNode(k, obj[k], p)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

func valueNode(name string, v any, path string) (cosclient.Node, error) {
	n := cosclient.Node{}
	n.XMLName.Local = name
	switch v := v.(type) {
	case map[string]any:
		children, err := objectNodes(v, path)
		if err != nil {
			return cosclient.Node{}, err
		}
		n.Nodes = children
	case string:
		n.Text = v
	case json.Number:
		n.Text = v.String()
	case bool:
		if v {
			n.Text = "true"
		} else {
			n.Text = "false"
		}
	case nil:
		// an empty element
	default:
		return cosclient.Node{}, fmt.Errorf("jobParam %s: unsupported JSON %s", clip.String(path, maxEcho), jsonKind(v))
	}
	return n, nil
}

// MarshalJSON implements json.Marshaler.
func (p JobParam) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := writeNodesJSON(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeNodesJSON writes sibling elements as one object; names that repeat
// become arrays, keys in order of first appearance.
func writeNodesJSON(b *bytes.Buffer, nodes []cosclient.Node) error {
	var order []string
	groups := map[string][]*cosclient.Node{}
	for i := range nodes {
		name := nodes[i].XMLName.Local
		if _, ok := groups[name]; !ok {
			order = append(order, name)
		}
		groups[name] = append(groups[name], &nodes[i])
	}
	b.WriteByte('{')
	for i, name := range order {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(name)
		if err != nil {
			return err
		}
		b.Write(k)
		b.WriteByte(':')
		g := groups[name]
		if len(g) > 1 {
			b.WriteByte('[')
		}
		for j, n := range g {
			if j > 0 {
				b.WriteByte(',')
			}
			if err := writeNodeJSON(b, n); err != nil {
				return err
			}
		}
		if len(g) > 1 {
			b.WriteByte(']')
		}
	}
	b.WriteByte('}')
	return nil
}

func writeNodeJSON(b *bytes.Buffer, n *cosclient.Node) error {
	if len(n.Nodes) > 0 {
		return writeNodesJSON(b, n.Nodes)
	}
	s, err := json.Marshal(n.Text)
	if err != nil {
		return err
	}
	b.Write(s)
	return nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
