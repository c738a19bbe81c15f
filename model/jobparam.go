package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/jsonscan"
	"github.com/cosflow/cosflow/internal/valid"
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

// UnmarshalJSON implements json.Unmarshaler. It reads the tokens once,
// building the elements as it goes; a key given twice in one object is
// refused (encoding/json would keep the last, and CI would act on a value
// the caller did not mean). A refusal of a member is a *valid.FieldError
// with its path below jobParam.
func (p *JobParam) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("decode jobParam: %w", err)
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("jobParam must be a JSON object, not %s", jsonKind(tok))
	}
	nodes, err := readMembers(dec, "")
	if err != nil {
		return err
	}
	*p = nodes
	return nil
}

// readMembers reads the members of an object whose '{' was read, at path,
// as sibling elements sorted by name (for a deterministic body); an array
// member is its element repeated, in order.
func readMembers(dec *json.Decoder, path string) ([]cosclient.Node, error) {
	nodes := []cosclient.Node{}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		at := jsonscan.JoinKey(path, key)
		if seen[key] {
			return nil, &valid.FieldError{Field: at, Reason: "is given twice in one object"}
		}
		seen[key] = true
		if tok, err = dec.Token(); err != nil {
			return nil, err
		}
		if tok != json.Delim('[') {
			n, err := readNode(dec, key, tok, at)
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
			continue
		}
		for i := 0; dec.More(); i++ {
			if tok, err = dec.Token(); err != nil {
				return nil, err
			}
			if tok == json.Delim('[') {
				return nil, &valid.FieldError{Field: jsonscan.JoinIndex(at, i), Reason: "is an array in an array, which has no XML form"}
			}
			n, err := readNode(dec, key, tok, jsonscan.JoinIndex(at, i))
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		}
		if _, err := dec.Token(); err != nil { // ']'
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, err
	}
	sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].XMLName.Local < nodes[j].XMLName.Local })
	return nodes, nil
}

// readNode is the element name holding the value that starts with tok
// (not an array), at path.
func readNode(dec *json.Decoder, name string, tok json.Token, path string) (cosclient.Node, error) {
	n := cosclient.Node{}
	n.XMLName.Local = name
	switch v := tok.(type) {
	case json.Delim: // '{'
		children, err := readMembers(dec, path)
		if err != nil {
			return cosclient.Node{}, err
		}
		n.Nodes = children
	case string:
		n.Text = v
	case json.Number:
		n.Text = v.String()
	case bool:
		n.Text = strconv.FormatBool(v)
	case nil:
		// an empty element
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

func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		return "an array" // '{' is what jobParam must be
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", tok)
}
