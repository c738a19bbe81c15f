package cosclient

import (
	"encoding/xml"
	"strings"
)

// The wire types of CI's workflows (DescribeMediaWorkflow), and what CI
// does with a workflow's Start node: which uploads start it by itself and
// where it posts its completion callbacks. Those two are facts about the
// service that the emulator acts out and the configuration checks read,
// so they live here, once.

// WorkflowState is whether a workflow is enabled.
type WorkflowState string

// Workflow states, as DescribeMediaWorkflow answers them.
const (
	WorkflowStateActive WorkflowState = "Active"
	WorkflowStatePaused WorkflowState = "Paused"
)

// IsActive reports whether s is Active, in any case.
func (s WorkflowState) IsActive() bool {
	return strings.EqualFold(string(s), string(WorkflowStateActive))
}

// MediaWorkflow is one workflow as DescribeMediaWorkflow answers it, one
// MediaWorkflowList element.
type MediaWorkflow struct {
	Name       string            `xml:"Name,omitempty"`
	WorkflowID string            `xml:"WorkflowId,omitempty"`
	State      WorkflowState     `xml:"State,omitempty"`
	BucketID   string            `xml:"BucketId,omitempty"`
	CreateTime string            `xml:"CreateTime,omitempty"` // TimeLayout; ParseTime reads it
	UpdateTime string            `xml:"UpdateTime,omitempty"`
	Topology   *WorkflowTopology `xml:"Topology,omitempty"`
}

// Start is the Input of the workflow's Start node: its queue, the prefix
// and suffix filter of its own upload trigger and its notification; nil
// when the topology has no Start node or it has no Input.
func (w *MediaWorkflow) Start() *NodeInput {
	if w.Topology == nil || w.Topology.Nodes == nil {
		return nil
	}
	nodes := w.Topology.Nodes.Nodes
	for i := range nodes {
		if nodes[i].Type == NodeTypeStart {
			return nodes[i].Input
		}
	}
	for i := range nodes { // a Start node written without its Type
		if nodes[i].XMLName.Local == NodeTypeStart {
			return nodes[i].Input
		}
	}
	return nil
}

// FinishCallback is where CI posts a run's WorkflowFinish notification,
// and in which format (XML or JSON): ok is false when it posts none.
//
// CI sends workflow callbacks only while the workflow is enabled ("With a
// workflow enabled, after each instance is executed, the system sends an
// HTTP POST request", tencentcloud.com/document/api/436/48042), for the
// events the Start node's NotifyConfig lists, to a Url of Type Url (TDMQ
// is a message queue, not a URL). A NotifyConfig without a State is read
// as on: older API references document none.
func (w *MediaWorkflow) FinishCallback() (url, format string, ok bool) {
	start := w.Start()
	if !w.State.IsActive() || start == nil || start.NotifyConfig == nil {
		return "", "", false
	}
	n := start.NotifyConfig
	if !n.On() || !n.Sends(NotifyEventWorkflowFinish) || n.URL == "" ||
		n.Type != "" && !strings.EqualFold(n.Type, NotifyTypeURL) {
		return "", "", false
	}
	return n.URL, n.Format(), true
}

// NodeTypeStart is the Type (and the name) of a workflow's Start node.
const NodeTypeStart = "Start"

// WorkflowTopology is a workflow's graph: which nodes follow which
// (Dependencies), and the nodes, each an element named after itself
// (Start, Transcode_1581665960538, ...). The official Go SDK reads it
// through generic maps; encoding/xml reads the named elements as they
// are.
type WorkflowTopology struct {
	Dependencies *WorkflowDependencies `xml:"Dependencies,omitempty"`
	Nodes        *WorkflowNodes        `xml:"Nodes,omitempty"`
}

// WorkflowDependencies are the graph's edges: an element per node, named
// after it, holding the comma list of the nodes that follow it (End last).
type WorkflowDependencies struct {
	Nodes []Node `xml:",any"`
}

// WorkflowNodes are the graph's nodes.
type WorkflowNodes struct {
	Nodes []WorkflowNode `xml:",any"`
}

// WorkflowNode is one node of a workflow. XMLName is its name; the Start
// node has an Input, the others an Operation (kept as CI sent it).
type WorkflowNode struct {
	XMLName   xml.Name
	Type      string         `xml:"Type,omitempty"`
	Input     *NodeInput     `xml:"Input,omitempty"`
	Operation *NodeOperation `xml:"Operation,omitempty"`
}

// NodeOperation is what a processing node does (its template, its
// output), as an element tree: cosflow reads only its Output (Outputs).
type NodeOperation struct {
	Nodes []Node `xml:",any"`
}

// NodeOutput is where one processing node writes: its Operation's Output.
type NodeOutput struct {
	Node   string // the node's name, e.g. Transcode_1581665960538
	Region string // "" when the node names none
	Bucket string // "" when the node names none
	// Objects are the node's key templates, Object and its siblings
	// (SpriteObject, ...), with CI's placeholders (${RunId},
	// ${InputName}, ${Ext}, ...) as written.
	Objects []string
}

// Outputs are where the workflow's nodes write their results: each
// node's Operation.Output, whose Region, Bucket and Object (and, for some
// nodes, more key templates such as a snapshot's SpriteObject) CI
// documents in CreateMediaWorkflow's request (tencentcloud.com/document/
// api/1045/43733). What an empty Bucket or Region means is undocumented;
// the node keeps them empty, for the caller to read as the workflow's own
// bucket, the reading under which an output can land among its inputs.
func (w *MediaWorkflow) Outputs() []NodeOutput {
	if w.Topology == nil || w.Topology.Nodes == nil {
		return nil
	}
	var outs []NodeOutput
	for _, n := range w.Topology.Nodes.Nodes {
		if n.Operation == nil {
			continue
		}
		for _, el := range n.Operation.Nodes {
			if el.XMLName.Local != "Output" {
				continue
			}
			out := NodeOutput{Node: n.XMLName.Local}
			for _, f := range el.Nodes {
				v := strings.TrimSpace(f.Text)
				switch f.XMLName.Local {
				case "Region":
					out.Region = v
				case "Bucket":
					out.Bucket = v
				default:
					if v != "" && len(f.Nodes) == 0 {
						out.Objects = append(out.Objects, v)
					}
				}
			}
			outs = append(outs, out)
		}
	}
	return outs
}

// NodeInput is the Start node's Input: the queue its jobs go to, the
// uploads that start the workflow by itself (ObjectPrefix and ExtFilter:
// see Matches) and its notification.
type NodeInput struct {
	QueueID      string        `xml:"QueueId,omitempty"`
	ObjectPrefix string        `xml:"ObjectPrefix"`
	NotifyConfig *NotifyConfig `xml:"NotifyConfig,omitempty"`
	ExtFilter    *ExtFilter    `xml:"ExtFilter,omitempty"`
}

// Notification events and types (NotifyConfig.Event, NotifyConfig.Type).
const (
	NotifyEventWorkflowFinish = "WorkflowFinish"
	NotifyEventTaskFinish     = "TaskFinish"
	NotifyTypeURL             = "Url"
)

// NotifyConfig is where and how CI notifies of a workflow's runs. Event
// is a comma list of NotifyEvent* names; ResultFormat is XML (the
// default) or JSON; State is On or Off (docs
// tencentcloud.com/document/api/1045/43733, Start.Input.NotifyConfig).
type NotifyConfig struct {
	URL          string `xml:"Url,omitempty"`
	Event        string `xml:"Event,omitempty"`
	Type         string `xml:"Type,omitempty"`
	ResultFormat string `xml:"ResultFormat,omitempty"`
	State        string `xml:"State,omitempty"`
}

// On reports whether the notification is switched on: State On in any
// case, or no State at all.
func (n *NotifyConfig) On() bool { return n.State == "" || strings.EqualFold(n.State, "On") }

// Sends reports whether Event lists event (in any case).
func (n *NotifyConfig) Sends(event string) bool {
	for e := range strings.SplitSeq(n.Event, ",") {
		if strings.EqualFold(strings.TrimSpace(e), event) {
			return true
		}
	}
	return false
}

// Format is the callback body's format: ResultFormat, or XML when unset.
func (n *NotifyConfig) Format() string {
	if n.ResultFormat == "" {
		return "XML"
	}
	return n.ResultFormat
}

// ExtFilter is the Start node's suffix filter: when State is On, an upload
// under ObjectPrefix starts the workflow only if its key has one of the
// extensions the switched-on kinds name. The flags are "true" or "false",
// State "On" or "Off"; CustomExts holds up to ten extensions separated by
// '/' (docs tencentcloud.com/document/api/1045/43733, Start.Input.ExtFilter).
type ExtFilter struct {
	State       string `xml:"State,omitempty"`
	Video       string `xml:"Video,omitempty"`
	Audio       string `xml:"Audio,omitempty"`
	Image       string `xml:"Image,omitempty"`
	ContentType string `xml:"ContentType,omitempty"`
	Custom      string `xml:"Custom,omitempty"`
	CustomExts  string `xml:"CustomExts,omitempty"`
	AllFile     string `xml:"AllFile,omitempty"`
}

// MaxCustomExts is how many extensions ExtFilter.CustomExts may hold.
const MaxCustomExts = 10

// The extensions the Video, Audio and Image switches stand for. CI names
// no list for the switches themselves; these are the formats it documents
// its workflows and image processing as taking: video and audio from the
// workflow guide ("3GP, ASF, AVI, DV, FLV, F4V, M3U8, M4V, MKV, MOV, MP4,
// MPG, MPEG, MTS, OGG, RM, RMVB, SWF, VOB, WMV, WEBM, MP3, AAC, FLAC, AMR,
// M4A, WMA, and WAV", tencentcloud.com/document/product/436/46408),
// images from CI's image FAQ ("JPG, BMP, GIF, PNG, and WebP, as well as
// HEIF", intl.cloud.tencent.com/document/product/1045/33430). Unconfirmed,
// so each list takes the broadest plausible reading: OGG counts as video
// and audio, and the images add the spellings and formats CI's image
// processing also reads (jpeg, heic, tpg, avif, tif, tiff). A wider list
// reports more uploads as starting a workflow, the safe side for a
// double-run check.
var (
	videoExts = []string{"3gp", "asf", "avi", "dv", "flv", "f4v", "m3u8", "m4v", "mkv", "mov", "mp4",
		"mpg", "mpeg", "mts", "ogg", "rm", "rmvb", "swf", "vob", "wmv", "webm"}
	audioExts = []string{"mp3", "aac", "flac", "amr", "m4a", "wma", "wav", "ogg"}
	imageExts = []string{"jpg", "jpeg", "png", "bmp", "gif", "webp", "heif", "heic", "tpg", "avif", "tif", "tiff"}
)

// Extensions are the extensions (without the dot) of the keys the filter
// lets through, or anyKey when it lets every key through. A nil filter, a
// State other than On, AllFile, and ContentType (which looks at the
// object's Content-Type, not at its key) let every key through; so does a
// filter that is On with no kind switched on, the broadest reading of a
// filter CI documents no meaning for. Built-in kinds give lower-case
// extensions; CustomExts gives them as written, without a leading dot.
func (f *ExtFilter) Extensions() (exts []string, anyKey bool) {
	if f == nil || !strings.EqualFold(strings.TrimSpace(f.State), "On") || flagOn(f.AllFile) || flagOn(f.ContentType) {
		return nil, true
	}
	for _, kind := range []struct {
		on   string
		exts []string
	}{{f.Video, videoExts}, {f.Audio, audioExts}, {f.Image, imageExts}} {
		if flagOn(kind.on) {
			exts = append(exts, kind.exts...)
		}
	}
	if flagOn(f.Custom) {
		exts = append(exts, f.customExts()...)
	}
	if len(exts) == 0 {
		return nil, true
	}
	return exts, false
}

// customExts are the extensions CustomExts lists, without a leading dot.
func (f *ExtFilter) customExts() []string {
	var exts []string
	for e := range strings.SplitSeq(f.CustomExts, "/") {
		if e = strings.TrimPrefix(strings.TrimSpace(e), "."); e != "" {
			exts = append(exts, e)
		}
	}
	return exts
}

// MatchesKey reports whether the filter lets key through: anyKey, or key
// ends with '.' and one of Extensions. Whether CI compares extensions
// regardless of case is undocumented (its own lists are written in upper
// case): the broadest reading is taken, ASCII letters in either case
// (a.MP4 has the extension mp4). Non-ASCII letters compare as bytes.
func (f *ExtFilter) MatchesKey(key string) bool {
	exts, anyKey := f.Extensions()
	if anyKey {
		return true
	}
	for _, e := range exts {
		if hasExtensionFold(key, e) {
			return true
		}
	}
	return false
}

// hasExtensionFold reports whether key ends with '.' and ext, ASCII
// letters compared in either case: the extension match of MatchesKey.
func hasExtensionFold(key, ext string) bool {
	n := len(key) - len(ext)
	return n >= 1 && key[n-1] == '.' && EqualFoldASCII(key[n:], ext)
}

// EqualFoldASCII compares a and b with ASCII letters in either case and
// every other byte as it is: how extensions compare under the broadest
// reading (MatchesKey).
func EqualFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if FoldASCII(a[i]) != FoldASCII(b[i]) {
			return false
		}
	}
	return true
}

// FoldASCII is c in lower case if it is an ASCII letter, else c: the
// byte EqualFoldASCII compares.
func FoldASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// flagOn reports whether an ExtFilter switch is "true", in any case.
func flagOn(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }

// ObjectPrefixes are the prefixes under which an upload can start the
// workflow: ObjectPrefix, and, when it begins with '/', the same without
// it. COS keys do not begin with '/', and whether CI drops a leading one
// from the prefix is undocumented; both readings are taken. An empty
// prefix is the whole bucket ("If it is not specified, the workflow will
// be triggered for all paths in the input bucket", 436/46408).
func (in *NodeInput) ObjectPrefixes() []string {
	if p, ok := strings.CutPrefix(in.ObjectPrefix, "/"); ok {
		return []string{in.ObjectPrefix, p}
	}
	return []string{in.ObjectPrefix}
}

// Matches reports whether an upload of key starts the workflow by itself
// (while it is Active): key is under one of ObjectPrefixes and ExtFilter
// lets it through. That CI's workflows start on uploads at all is the
// console's documented behaviour ("When a video file is uploaded to the
// path, the media workflow will be automatically triggered", 436/46408);
// the API reference does not say it. This is the one reading of a Start
// node's filter, for the emulator and the configuration checks alike.
func (in *NodeInput) Matches(key string) bool {
	for _, p := range in.ObjectPrefixes() {
		if strings.HasPrefix(key, p) {
			return in.ExtFilter.MatchesKey(key)
		}
	}
	return false
}

// IDList is a list of IDs CI answers in one of several shapes: an element
// per ID (as the official Go SDK reads NonExistIDs), one element holding
// a comma list, or a container of one element per ID (as the queue
// listings answer NonExistPIDs). Every shape reads as the list of IDs;
// it is written an element per ID.
type IDList []string

// UnmarshalXML appends the IDs in one element: its text and its
// children's, split at commas.
func (l *IDList) UnmarshalXML(d *xml.Decoder, _ xml.StartElement) error {
	var text strings.Builder
	for depth := 1; depth > 0; {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.StartElement:
			depth++
			text.WriteByte(',') // an element boundary separates IDs
		case xml.EndElement:
			depth--
			text.WriteByte(',')
		}
	}
	for id := range strings.SplitSeq(text.String(), ",") {
		if id = strings.TrimSpace(id); id != "" {
			*l = append(*l, id)
		}
	}
	return nil
}
