package cosclient

import (
	"bytes"
	"encoding/xml"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// xmlGen makes random wire values from a seeded source.
type xmlGen struct {
	rng   *rand.Rand
	plain bool // only characters that need no escaping
}

func (g xmlGen) str() string {
	alphabet := []string{"a", "Z", "0", " ", "-", "/", "图", "片", ".", "_"}
	if !g.plain {
		alphabet = append(alphabet, "<", ">", "&", "'", `"`, "\t", "\n", "\r", "\x01", "\xff", "\uFFFD", "]]>")
	}
	var b strings.Builder
	for i := g.rng.Intn(8); i > 0; i-- {
		b.WriteString(alphabet[g.rng.Intn(len(alphabet))])
	}
	return b.String()
}

func (g xmlGen) opt() string {
	if g.rng.Intn(3) == 0 {
		return ""
	}
	return g.str()
}

func (g xmlGen) ptr() *string {
	if g.rng.Intn(2) == 0 {
		return nil
	}
	s := g.str()
	return &s
}

func (g xmlGen) nodes(depth int) []Node {
	var ns []Node
	names := []string{"ImageInspect", "AutoProcess", "TemplateId", "A", "b-c"}
	for i := g.rng.Intn(3); i > 0; i-- {
		n := Node{XMLName: xml.Name{Local: names[g.rng.Intn(len(names))]}}
		if depth > 0 && g.rng.Intn(2) == 0 {
			n.Nodes = g.nodes(depth - 1)
		} else {
			n.Text = g.str()
		}
		ns = append(ns, n)
	}
	return ns
}

func (g xmlGen) operation() JobOperation {
	op := JobOperation{WorkflowIDs: g.opt(), Tag: g.opt(), QueueID: g.opt(), UserData: g.opt(), JobLevel: g.rng.Intn(4) - 1,
		CallBack: g.opt(), CallBackFormat: g.opt(), CallBackType: g.opt()}
	if g.rng.Intn(2) == 0 {
		op.TimeInterval = &TimeInterval{Start: g.opt(), End: g.opt()}
	}
	if g.rng.Intn(2) == 0 {
		op.JobParam = &JobParam{Nodes: g.nodes(2)}
	}
	if g.rng.Intn(2) == 0 {
		op.Output = &JobOutput{Region: g.opt(), Bucket: g.opt(), Object: g.opt()}
	}
	if g.rng.Intn(2) == 0 {
		op.CallBackMqConfig = &CallBackMqConfig{MqRegion: g.opt(), MqMode: g.opt(), MqName: g.opt()}
	}
	return op
}

func (g xmlGen) detail() JobDetail {
	d := JobDetail{Code: g.opt(), Message: g.opt(), Type: JobType(g.opt()), Name: g.opt(), JobID: g.opt(), Tag: g.opt(),
		State: JobState(g.opt()), Progress: g.opt(), QueueID: g.opt(), CreationTime: g.opt(), StartTime: g.opt(), EndTime: g.opt()}
	if g.rng.Intn(2) == 0 {
		d.Input = &JobInput{Prefix: g.ptr(), Object: g.ptr(), Manifest: g.ptr(), URLFile: g.ptr()}
	}
	if g.rng.Intn(2) == 0 {
		op := g.operation()
		d.Operation = &op
	}
	return d
}

func TestCreateXMLMatchesEncodingXML(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := range 2000 {
		g := xmlGen{rng: rng, plain: i%2 == 0}
		in := &CreateInventoryTriggerJobInput{Name: g.str(), Type: JobType(g.opt()),
			Input: JobInput{Prefix: g.ptr(), Object: g.ptr(), Manifest: g.ptr(), URLFile: g.ptr()}, Operation: g.operation()}
		want, err := xml.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendCreateXML(nil, in)
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("case %d (ok %v):\n got %s\nwant %s", i, ok, got, want)
		}
	}
	// A namespaced JobParam node is left to encoding/xml.
	in := &CreateInventoryTriggerJobInput{Operation: JobOperation{JobParam: &JobParam{Nodes: []Node{{XMLName: xml.Name{Space: "urn:x", Local: "A"}}}}}}
	if _, ok := appendCreateXML(nil, in); ok {
		t.Error("namespaced node took the fast path")
	}
}

// decodeBoth decodes body with the fast path and with encoding/xml.
func decodeBoth[T any](t *testing.T, body []byte, fast func([]byte, *T) bool) (fastOK bool) {
	t.Helper()
	var a, b T
	errB := xml.Unmarshal(body, &b)
	if !fast(body, &a) {
		return false
	}
	if errB != nil {
		t.Fatalf("fast path accepted what encoding/xml refuses (%v):\n%s", errB, body)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("fast path differs:\n got %+v\nwant %+v\nbody %s", a, b, body)
	}
	return true
}

func TestFastDecodeMatchesEncodingXML(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	fastHits := 0
	for i := range 1500 {
		g := xmlGen{rng: rng, plain: i%3 != 0}
		page := DescribeInventoryTriggerJobsOutput{RequestID: g.str(), NextToken: g.opt()}
		for j := rng.Intn(4); j > 0; j-- {
			page.JobsDetail = append(page.JobsDetail, g.detail())
		}
		var body []byte
		if i%2 == 0 {
			body, _ = xml.Marshal(page)
		} else {
			body, _ = xml.MarshalIndent(page, "", "  ")
		}
		if decodeBoth(t, body, fastListOutput) {
			fastHits++
		}
		one := CreateInventoryTriggerJobOutput{RequestID: g.str()}
		if len(page.JobsDetail) > 0 {
			one.JobsDetail = &page.JobsDetail[0]
		}
		body, _ = xml.Marshal(one)
		decodeBoth(t, body, fastCreateOutput)
		desc := DescribeInventoryTriggerJobOutput{RequestID: g.str(), JobsDetail: one.JobsDetail, NonExistJobIDs: []string{g.str()}, NonExistJobID: []string{g.str(), g.str()}}
		body, _ = xml.Marshal(desc)
		decodeBoth(t, body, fastDescribeOutput)
	}
	if fastHits < 500 {
		t.Errorf("fast path taken for only %d of 1500 pages", fastHits)
	}
}

func TestFastDecodeOddDocuments(t *testing.T) {
	docs := []string{
		triggerOK,
		`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + triggerOK,
		`<Response><InstanceId/><RequestId>r</RequestId><Extra><Deep>x</Deep></Extra></Response>`,
		`<Response><InstanceId>a&amp;b</InstanceId></Response>`,
		`<Response><InstanceId><![CDATA[x]]></InstanceId></Response>`,
		`<Response><!-- c --><InstanceId>x</InstanceId></Response>`,
		`<Response xmlns="urn:x"><InstanceId>x</InstanceId></Response>`,
		`<Response><InstanceId a="1">x</InstanceId></Response>`,
		`<Response><InstanceId>x</RequestId></Response>`,
		`<Response><InstanceId>x<b>y</b></InstanceId></Response>`,
		`<Response><InstanceId>x</InstanceId>`,
		`<Other><InstanceId>x</InstanceId></Other>`,
		`<Response><A><A>1</A></A><InstanceId>i</InstanceId></Response>`,
		`garbage`,
		``,
	}
	for _, d := range docs {
		decodeBoth(t, []byte(d), fastTriggerWorkflow)
		decodeBoth(t, []byte(d), fastCreateOutput)
	}
	if !fastTriggerWorkflow([]byte(triggerOK), new(TriggerWorkflowOutput)) {
		t.Error("plain TriggerWorkflow answer missed the fast path")
	}
}
