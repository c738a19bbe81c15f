package cosclient

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"unicode/utf8"
)

// encoding/xml is most of a call's allocations, so the bodies this client
// writes and the answers it reads take a direct path for the plain XML that
// CI speaks: elements and text, no attributes, namespaces, entities, CDATA
// or comments. Anything else falls back to encoding/xml, and tests check
// that both paths give identical results.

// appendCreateXML encodes in exactly as xml.Marshal does. ok is false when
// the JobParam holds something only xml.Marshal knows how to write.
func appendCreateXML(b []byte, in *CreateInventoryTriggerJobInput) (_ []byte, ok bool) {
	b = append(b, "<Request>"...)
	b = appendElem(b, "Name", in.Name)
	if in.Type != "" {
		b = appendElem(b, "Type", string(in.Type))
	}
	b = append(b, "<Input>"...)
	b = appendOptElem(b, "Prefix", in.Input.Prefix)
	b = appendOptElem(b, "Object", in.Input.Object)
	b = appendOptElem(b, "Manifest", in.Input.Manifest)
	b = appendOptElem(b, "UrlFile", in.Input.URLFile)
	b = append(b, "</Input><Operation>"...)
	op := &in.Operation
	if ti := op.TimeInterval; ti != nil {
		b = append(b, "<TimeInterval>"...)
		b = appendNonEmpty(b, "Start", ti.Start)
		b = appendNonEmpty(b, "End", ti.End)
		b = append(b, "</TimeInterval>"...)
	}
	b = appendNonEmpty(b, "WorkflowIds", op.WorkflowIDs)
	b = appendNonEmpty(b, "Tag", op.Tag)
	if op.JobParam != nil {
		b = append(b, "<JobParam>"...)
		if b, ok = appendNodes(b, op.JobParam.Nodes); !ok {
			return b, false
		}
		b = append(b, "</JobParam>"...)
	}
	if o := op.Output; o != nil {
		b = append(b, "<Output>"...)
		b = appendNonEmpty(b, "Region", o.Region)
		b = appendNonEmpty(b, "Bucket", o.Bucket)
		b = appendNonEmpty(b, "Object", o.Object)
		b = append(b, "</Output>"...)
	}
	b = appendNonEmpty(b, "QueueId", op.QueueID)
	b = appendNonEmpty(b, "UserData", op.UserData)
	if op.JobLevel != 0 {
		b = append(b, "<JobLevel>"...)
		b = strconv.AppendInt(b, int64(op.JobLevel), 10)
		b = append(b, "</JobLevel>"...)
	}
	b = appendNonEmpty(b, "CallBack", op.CallBack)
	b = appendNonEmpty(b, "CallBackFormat", op.CallBackFormat)
	b = appendNonEmpty(b, "CallBackType", op.CallBackType)
	if mq := op.CallBackMqConfig; mq != nil {
		b = append(b, "<CallBackMqConfig>"...)
		b = appendNonEmpty(b, "MqRegion", mq.MqRegion)
		b = appendNonEmpty(b, "MqMode", mq.MqMode)
		b = appendNonEmpty(b, "MqName", mq.MqName)
		b = append(b, "</CallBackMqConfig>"...)
	}
	return append(b, "</Operation></Request>"...), true
}

func appendNodes(b []byte, nodes []Node) (_ []byte, ok bool) {
	for i := range nodes {
		n := &nodes[i]
		if n.XMLName.Local == "" || n.XMLName.Space != "" {
			return b, false
		}
		b = append(b, '<')
		b = append(b, n.XMLName.Local...)
		b = append(b, '>')
		b = appendEscapedText(b, n.Text)
		if b, ok = appendNodes(b, n.Nodes); !ok {
			return b, false
		}
		b = append(b, "</"...)
		b = append(b, n.XMLName.Local...)
		b = append(b, '>')
	}
	return b, true
}

func appendElem(b []byte, name, text string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = appendEscapedText(b, text)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

func appendNonEmpty(b []byte, name, text string) []byte {
	if text == "" {
		return b
	}
	return appendElem(b, name, text)
}

func appendOptElem(b []byte, name string, text *string) []byte {
	if text == nil {
		return b
	}
	return appendElem(b, name, *text)
}

// appendEscapedText escapes as encoding/xml's EscapeText does.
func appendEscapedText(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\'' && c != '&' && c != '<' && c != '>' {
			b = append(b, c)
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '"':
			b = append(b, "&#34;"...)
		case '\'':
			b = append(b, "&#39;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '\t':
			b = append(b, "&#x9;"...)
		case '\n':
			b = append(b, "&#xA;"...)
		case '\r':
			b = append(b, "&#xD;"...)
		default:
			if !xmlChar(r) || (r == utf8.RuneError && w == 1) {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+w]...)
			}
		}
		i += w
	}
	return b
}

// xmlChar is XML 1.0's Char production.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// plainXML reports whether body avoids every construct the fast reader
// leaves to encoding/xml.
func plainXML(body []byte) bool {
	return bytes.IndexByte(body, '&') < 0 && bytes.IndexByte(body, '\r') < 0 &&
		!bytes.Contains(body, []byte("<!")) && utf8.Valid(body)
}

// xmlElem is one element found by eachChild: its name and raw content.
type xmlElem struct {
	name  []byte
	inner []byte // nil for <x/>
}

// eachChild calls fn for each child element in content, in order, and
// collects the character data between them. It reports false on anything
// outside plain XML.
func eachChild(content []byte, fn func(e xmlElem) bool) (text []byte, ok bool) {
	var textParts int
	for len(content) > 0 {
		lt := bytes.IndexByte(content, '<')
		if lt < 0 {
			text, textParts = appendText(text, textParts, content)
			break
		}
		if lt > 0 {
			text, textParts = appendText(text, textParts, content[:lt])
		}
		content = content[lt:]
		gt := bytes.IndexByte(content, '>')
		if gt < 0 || len(content) < 2 || content[1] == '/' || content[1] == '?' {
			return nil, false
		}
		tag := content[1:gt]
		selfClosing := len(tag) > 0 && tag[len(tag)-1] == '/'
		if selfClosing {
			tag = tag[:len(tag)-1]
		}
		if !plainName(tag) {
			return nil, false
		}
		if selfClosing {
			if !fn(xmlElem{name: tag}) {
				return nil, false
			}
			content = content[gt+1:]
			continue
		}
		end, after, ok := matchClose(content[gt+1:], tag)
		if !ok {
			return nil, false
		}
		if !fn(xmlElem{name: tag, inner: content[gt+1 : gt+1+end]}) {
			return nil, false
		}
		content = content[gt+1+after:]
	}
	return text, true
}

// appendText joins character data segments, copying only past the first.
func appendText(text []byte, parts int, seg []byte) ([]byte, int) {
	if parts == 0 {
		return seg, 1
	}
	if parts == 1 {
		text = append([]byte(nil), text...)
	}
	return append(text, seg...), parts + 1
}

// matchClose finds the </name> closing an element whose content starts at
// b, counting nested elements: end is where the content stops, after is
// just past the closing tag.
func matchClose(b, name []byte) (end, after int, ok bool) {
	depth := 0
	for i := 0; i < len(b); {
		lt := bytes.IndexByte(b[i:], '<')
		if lt < 0 {
			return 0, 0, false
		}
		lt += i
		gt := bytes.IndexByte(b[lt:], '>')
		if gt < 0 {
			return 0, 0, false
		}
		gt += lt
		tag := b[lt+1 : gt]
		switch {
		case len(tag) > 0 && tag[0] == '/':
			if depth == 0 {
				if !bytes.Equal(tag[1:], name) {
					return 0, 0, false
				}
				return lt, gt + 1, true
			}
			depth--
		case len(tag) > 0 && tag[len(tag)-1] == '/':
		default:
			depth++
		}
		i = gt + 1
	}
	return 0, 0, false
}

// plainName accepts element names without attributes or namespace prefix.
func plainName(n []byte) bool {
	if len(n) == 0 {
		return false
	}
	for _, c := range n {
		if c == ' ' || c == '\t' || c == '\n' || c == ':' || c == '=' || c == '"' || c == '\'' || c == '/' || c == '<' {
			return false
		}
	}
	return true
}

// leafText is an element's text when it has no children.
func leafText(e xmlElem) (string, bool) {
	if bytes.IndexByte(e.inner, '<') >= 0 {
		return "", false
	}
	return string(e.inner), true
}

// decodeResponse reads <Response> children with fn; ok false means "use
// encoding/xml instead".
func decodeResponse(body []byte, fn func(e xmlElem) bool) bool {
	if !plainXML(body) {
		return false
	}
	body = bytes.TrimSpace(body)
	if bytes.HasPrefix(body, []byte("<?xml")) {
		i := bytes.Index(body, []byte("?>"))
		if i < 0 {
			return false
		}
		body = bytes.TrimSpace(body[i+2:])
	}
	var root xmlElem
	n := 0
	if _, ok := eachChild(body, func(e xmlElem) bool { root = e; n++; return true }); !ok || n != 1 {
		return false
	}
	if string(root.name) != "Response" {
		return false
	}
	_, ok := eachChild(root.inner, fn)
	return ok
}

func fastTriggerWorkflow(body []byte, out *TriggerWorkflowOutput) bool {
	var o TriggerWorkflowOutput
	ok := decodeResponse(body, func(e xmlElem) bool {
		var ok bool
		switch string(e.name) {
		case "InstanceId":
			o.InstanceID, ok = leafText(e)
		case "RequestId":
			o.RequestID, ok = leafText(e)
		default:
			ok = true
		}
		return ok
	})
	if !ok {
		return false
	}
	o.XMLName.Local = "Response"
	*out = o
	return true
}

func fastCreateOutput(body []byte, out *CreateInventoryTriggerJobOutput) bool {
	var o CreateInventoryTriggerJobOutput
	ok := decodeResponse(body, func(e xmlElem) bool {
		switch string(e.name) {
		case "RequestId":
			var ok bool
			o.RequestID, ok = leafText(e)
			return ok
		case "JobsDetail":
			if o.JobsDetail == nil {
				o.JobsDetail = new(JobDetail)
			}
			return readJobDetail(e, o.JobsDetail)
		}
		return true
	})
	if !ok {
		return false
	}
	o.XMLName.Local = "Response"
	*out = o
	return true
}

func fastListOutput(body []byte, out *DescribeInventoryTriggerJobsOutput) bool {
	var o DescribeInventoryTriggerJobsOutput
	ok := decodeResponse(body, func(e xmlElem) bool {
		var ok bool
		switch string(e.name) {
		case "RequestId":
			o.RequestID, ok = leafText(e)
		case "NextToken":
			o.NextToken, ok = leafText(e)
		case "JobsDetail":
			o.JobsDetail = append(o.JobsDetail, JobDetail{})
			ok = readJobDetail(e, &o.JobsDetail[len(o.JobsDetail)-1])
		default:
			ok = true
		}
		return ok
	})
	if !ok {
		return false
	}
	o.XMLName.Local = "Response"
	*out = o
	return true
}

func fastDescribeOutput(body []byte, out *DescribeInventoryTriggerJobOutput) bool {
	var o DescribeInventoryTriggerJobOutput
	ok := decodeResponse(body, func(e xmlElem) bool {
		var ok bool
		var s string
		switch string(e.name) {
		case "RequestId":
			o.RequestID, ok = leafText(e)
		case "JobsDetail":
			if o.JobsDetail == nil {
				o.JobsDetail = new(JobDetail)
			}
			ok = readJobDetail(e, o.JobsDetail)
		case "NonExistJobIds":
			s, ok = leafText(e)
			o.NonExistJobIDs = append(o.NonExistJobIDs, s)
		case "NonExistJobId":
			s, ok = leafText(e)
			o.NonExistJobID = append(o.NonExistJobID, s)
		default:
			ok = true
		}
		return ok
	})
	if !ok {
		return false
	}
	o.XMLName.Local = "Response"
	*out = o
	return true
}

// readJobDetail fills d from a <JobsDetail> element, as xml.Unmarshal would.
func readJobDetail(e xmlElem, d *JobDetail) bool {
	_, ok := eachChild(e.inner, func(c xmlElem) bool {
		var dst *string
		switch string(c.name) {
		case "Code":
			dst = &d.Code
		case "Message":
			dst = &d.Message
		case "Type":
			dst = (*string)(&d.Type)
		case "Name":
			dst = &d.Name
		case "JobId":
			dst = &d.JobID
		case "Tag":
			dst = &d.Tag
		case "State":
			dst = (*string)(&d.State)
		case "Progress":
			dst = &d.Progress
		case "QueueId":
			dst = &d.QueueID
		case "CreationTime":
			dst = &d.CreationTime
		case "StartTime":
			dst = &d.StartTime
		case "EndTime":
			dst = &d.EndTime
		case "Input":
			if d.Input == nil {
				d.Input = new(JobInput)
			}
			return readJobInput(c, d.Input)
		case "Operation":
			if d.Operation == nil {
				d.Operation = new(JobOperation)
			}
			return readJobOperation(c, d.Operation)
		default:
			return true
		}
		s, ok := leafText(c)
		*dst = s
		return ok
	})
	return ok
}

func readJobInput(e xmlElem, in *JobInput) bool {
	_, ok := eachChild(e.inner, func(c xmlElem) bool {
		var dst **string
		switch string(c.name) {
		case "Prefix":
			dst = &in.Prefix
		case "Object":
			dst = &in.Object
		case "Manifest":
			dst = &in.Manifest
		case "UrlFile":
			dst = &in.URLFile
		default:
			return true
		}
		s, ok := leafText(c)
		if *dst == nil {
			*dst = new(string)
		}
		**dst = s
		return ok
	})
	return ok
}

func readJobOperation(e xmlElem, op *JobOperation) bool {
	_, ok := eachChild(e.inner, func(c xmlElem) bool {
		var dst *string
		switch string(c.name) {
		case "WorkflowIds":
			dst = &op.WorkflowIDs
		case "Tag":
			dst = &op.Tag
		case "QueueId":
			dst = &op.QueueID
		case "UserData":
			dst = &op.UserData
		case "CallBack":
			dst = &op.CallBack
		case "CallBackFormat":
			dst = &op.CallBackFormat
		case "CallBackType":
			dst = &op.CallBackType
		case "JobLevel":
			s, ok := leafText(c)
			if !ok {
				return false
			}
			n, err := strconv.ParseInt(string(bytes.TrimSpace([]byte(s))), 10, 0)
			if err != nil {
				return false // let encoding/xml report it
			}
			op.JobLevel = int(n)
			return true
		case "TimeInterval":
			if op.TimeInterval == nil {
				op.TimeInterval = new(TimeInterval)
			}
			return readFields(c, map[string]*string{"Start": &op.TimeInterval.Start, "End": &op.TimeInterval.End})
		case "Output":
			if op.Output == nil {
				op.Output = new(JobOutput)
			}
			return readFields(c, map[string]*string{"Region": &op.Output.Region, "Bucket": &op.Output.Bucket, "Object": &op.Output.Object})
		case "CallBackMqConfig":
			if op.CallBackMqConfig == nil {
				op.CallBackMqConfig = new(CallBackMqConfig)
			}
			mq := op.CallBackMqConfig
			return readFields(c, map[string]*string{"MqRegion": &mq.MqRegion, "MqMode": &mq.MqMode, "MqName": &mq.MqName})
		case "JobParam":
			if op.JobParam == nil {
				op.JobParam = new(JobParam)
			}
			nodes, ok := readNodes(c)
			op.JobParam.Nodes = append(op.JobParam.Nodes, nodes...)
			return ok
		default:
			return true
		}
		s, ok := leafText(c)
		*dst = s
		return ok
	})
	return ok
}

// readFields fills leaf string fields of a small struct by element name.
func readFields(e xmlElem, fields map[string]*string) bool {
	_, ok := eachChild(e.inner, func(c xmlElem) bool {
		dst, known := fields[string(c.name)]
		if !known {
			return true
		}
		s, ok := leafText(c)
		*dst = s
		return ok
	})
	return ok
}

// readNodes reads an element's children as a Node tree.
func readNodes(e xmlElem) ([]Node, bool) {
	var nodes []Node
	_, ok := eachChild(e.inner, func(c xmlElem) bool {
		n := Node{XMLName: xml.Name{Local: string(c.name)}}
		children, ok := readNodes(c)
		if !ok {
			return false
		}
		n.Nodes = children
		text, ok := eachChild(c.inner, func(xmlElem) bool { return true })
		if !ok {
			return false
		}
		n.Text = string(text)
		nodes = append(nodes, n)
		return true
	})
	return nodes, ok
}
