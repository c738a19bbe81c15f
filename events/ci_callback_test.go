package events

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/internal/valid"
)

const (
	cbRun = "i5d8e1c2a3b4f11eda8a5525400c540df"
	cbWF  = "w0123456789abcdef0123456789abcdef"
)

// callbackFixture reads testdata/ci_callback/name.
func callbackFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ci_callback", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCICallbackFixtures(t *testing.T) {
	finish := CICallback{EventName: CIEventWorkflowFinish, RunID: cbRun, WorkflowID: cbWF,
		BucketID: "examplebucket-1250000000", Object: "dir/a.mp4", State: "Success"}
	for _, tt := range []struct {
		file   string
		format CallbackFormat
		want   CICallback
	}{
		{"workflow_finish.xml", CallbackXML, finish},
		{"workflow_finish.xml", "", finish},
		{"workflow_finish.json", CallbackJSON, finish},
		{"workflow_failed.xml", CallbackXML, CICallback{EventName: CIEventWorkflowFinish, RunID: "i6e9f2d3b4c5a11eda8a5525400c540df",
			WorkflowID: cbWF, BucketID: "examplebucket-1250000000", Object: "videos/中文 名+1.mov", State: "Failed"}},
		// A job's callback, when the NotifyConfig asks for TaskFinish too:
		// readable, but about no run.
		{"task_finish.xml", CallbackXML, CICallback{EventName: "TaskFinish"}},
	} {
		t.Run(tt.file+"/"+string(tt.format), func(t *testing.T) {
			got, err := ParseCICallback(callbackFixture(t, tt.file), tt.format)
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
			if got.IsWorkflowEvent() != (tt.want.RunID != "") {
				t.Errorf("IsWorkflowEvent = %v", got.IsWorkflowEvent())
			}
		})
	}
}

// TestParseCICallbackAccepts holds the plausible readings of what CI
// sends.
func TestParseCICallbackAccepts(t *testing.T) {
	run := func(fields string) string {
		return `<Response><EventName>WorkflowFinish</EventName><WorkflowExecution>` + fields + `</WorkflowExecution></Response>`
	}
	const all = `<RunId>i1</RunId><WorkflowId>w1</WorkflowId><BucketId>b-1</BucketId><Object>o</Object><State>Failed</State>`
	want := CICallback{EventName: CIEventWorkflowFinish, RunID: "i1", WorkflowID: "w1", BucketID: "b-1", Object: "o", State: "Failed"}
	noBucket := want
	noBucket.BucketID = ""
	start := want
	start.EventName, start.State = CIEventWorkflowStart, "Running"
	for _, tt := range []struct {
		name   string
		body   string
		format CallbackFormat
		want   CICallback
	}{
		{"XML", run(all), CallbackXML, want},
		{"XML declaration, comments, whitespace after", `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + run(all) + "\n<!-- x -->\n", CallbackXML, want},
		{"empty BucketId, as the SDK's example", run(`<RunId>i1</RunId><BucketId></BucketId><WorkflowId>w1</WorkflowId><Object>o</Object><State>Failed</State>`), CallbackXML, noBucket},
		{"no BucketId", run(`<RunId>i1</RunId><WorkflowId>w1</WorkflowId><Object>o</Object><State>Failed</State>`), CallbackXML, noBucket},
		{"escaped text and CDATA", run(`<RunId>i1</RunId><WorkflowId>w1</WorkflowId><BucketId>b-1</BucketId><Object>&lt;a&amp;b&gt;<![CDATA[ c]]></Object><State>Failed</State>`), CallbackXML,
			CICallback{EventName: CIEventWorkflowFinish, RunID: "i1", WorkflowID: "w1", BucketID: "b-1", Object: "<a&b> c", State: "Failed"}},
		{"WorkflowStart", strings.Replace(strings.Replace(run(all), "WorkflowFinish", "WorkflowStart", 1), "Failed", "Running", 1), CallbackXML, start},
		{"JSON", `{"EventName":"WorkflowFinish","WorkflowExecution":{"RunId":"i1","WorkflowId":"w1","BucketId":"b-1","Object":"o","State":"Failed"}}`, CallbackJSON, want},
		{"JSON under Response", `{"Response":{"EventName":"WorkflowFinish","WorkflowExecution":{"RunId":"i1","WorkflowId":"w1","BucketId":"b-1","Object":"o","State":"Failed"}}}`, CallbackJSON, want},
		{"JSON lists and objects", `{"EventName":"WorkflowFinish","WorkflowExecution":{"RunId":"i1","WorkflowId":"w1","Object":"o","State":"Failed",` +
			`"CosHeaders":{"Key":"k","Value":"v"},"Tasks":[{"Type":"Transcode","Code":"c","ResultInfo":{"x":[1]}}],"WorkflowName":"","CreateTime":"2026-11-22 10:00:00+0800"}}`, CallbackJSON, noBucket},
		{"JSON TaskFinish", `{"EventName":"TaskFinish","JobsDetail":{"JobId":"j1"}}`, CallbackJSON, CICallback{EventName: "TaskFinish"}},
		{"EventName between line breaks", strings.Replace(run(all), "WorkflowFinish", "\n  WorkflowFinish\n", 1), CallbackXML, want},
		{"XML TaskFinish", `<Response><EventName>TaskFinish</EventName><JobsDetail/></Response>`, CallbackXML, CICallback{EventName: "TaskFinish"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCICallback([]byte(tt.body), tt.format)
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

// TestParseCICallbackRefuses: every unreadable body is a *valid.FieldError
// naming the field at fault ("" for the whole body).
func TestParseCICallbackRefuses(t *testing.T) {
	run := func(fields string) string {
		return `<Response><EventName>WorkflowFinish</EventName><WorkflowExecution>` + fields + `</WorkflowExecution></Response>`
	}
	const rest = `<WorkflowId>w1</WorkflowId><Object>o</Object><State>Failed</State>`
	jrun := func(fields string) string {
		return `{"EventName":"WorkflowFinish","WorkflowExecution":{` + fields + `}}`
	}
	const jrest = `"WorkflowId":"w1","Object":"o","State":"Failed"`
	xmlFinish := string(callbackFixture(t, "workflow_finish.xml"))
	for _, tt := range []struct {
		name   string
		body   string
		format CallbackFormat
		field  string
		reason string // a part of it
	}{
		{"empty XML", "", CallbackXML, "", "is empty"},
		{"garbage", "not xml at all", CallbackXML, "", "not a CI callback in XML"},
		{"JSON when XML is expected", `{"EventName":"WorkflowFinish"}`, CallbackXML, "", "not a CI callback in XML"},
		{"XML when JSON is expected", xmlFinish, CallbackJSON, "", "not valid JSON"},
		{"another root", `<Request><EventName>WorkflowFinish</EventName></Request>`, CallbackXML, "", "Response"},
		{"no root, as a stripped sample", `<EventName>WorkflowFinish</EventName><WorkflowExecution><RunId>i1</RunId></WorkflowExecution>`, CallbackXML, "", "Response"},
		{"cut short", xmlFinish[:len(xmlFinish)/2], CallbackXML, "", "not a CI callback in XML"},
		{"two documents", run(`<RunId>i1</RunId>`+rest) + run(`<RunId>i2</RunId>`+rest), CallbackXML, "", "after the Response element"},
		{"text after", run(`<RunId>i1</RunId>`+rest) + "x", CallbackXML, "", "text after"},
		{"invalid UTF-8", run("<RunId>i\xff</RunId>" + rest), CallbackXML, "", "UTF-8"},
		{"undeclared entity", run("<RunId>&x;</RunId>" + rest), CallbackXML, "", "not a CI callback in XML"},
		{"no EventName", `<Response><WorkflowExecution><RunId>i1</RunId></WorkflowExecution></Response>`, CallbackXML, "EventName", "is required"},
		{"empty EventName", `<Response><EventName/></Response>`, CallbackXML, "EventName", "is required"},
		{"blank EventName", `<Response><EventName> </EventName></Response>`, CallbackXML, "EventName", "is required"},
		{"two EventNames", `<Response><EventName>TaskFinish</EventName><EventName>WorkflowFinish</EventName></Response>`, CallbackXML, "EventName", "twice"},
		{"no WorkflowExecution", `<Response><EventName>WorkflowFinish</EventName></Response>`, CallbackXML, "WorkflowExecution", "is required"},
		{"two WorkflowExecutions", `<Response><EventName>WorkflowFinish</EventName><WorkflowExecution/><WorkflowExecution/></Response>`, CallbackXML, "WorkflowExecution", "twice"},
		{"no RunId", run(rest), CallbackXML, "WorkflowExecution.RunId", "is required"},
		{"empty RunId", run("<RunId></RunId>" + rest), CallbackXML, "WorkflowExecution.RunId", "is required"},
		{"two RunIds", run("<RunId>i1</RunId><RunId>i2</RunId>" + rest), CallbackXML, "WorkflowExecution.RunId", "twice"},
		{"no WorkflowId", run("<RunId>i1</RunId><Object>o</Object><State>Failed</State>"), CallbackXML, "WorkflowExecution.WorkflowId", "is required"},
		{"no Object", run("<RunId>i1</RunId><WorkflowId>w1</WorkflowId><State>Failed</State>"), CallbackXML, "WorkflowExecution.Object", "is required"},
		{"no State", run("<RunId>i1</RunId><WorkflowId>w1</WorkflowId><Object>o</Object>"), CallbackXML, "WorkflowExecution.State", "is required"},
		{"two BucketIds", run("<RunId>i1</RunId><BucketId>a</BucketId><BucketId>b</BucketId>" + rest), CallbackXML, "WorkflowExecution.BucketId", "twice"},

		{"empty JSON", "", CallbackJSON, "", "is empty"},
		{"JSON array", `[]`, CallbackJSON, "", "must be an object"},
		{"JSON null", `null`, CallbackJSON, "", "not a JSON object"},
		{"JSON after the value", jrun(`"RunId":"i1",`+jrest) + "{}", CallbackJSON, "", "after the JSON value"},
		{"JSON lone surrogate", jrun(`"RunId":"\ud800",` + jrest), CallbackJSON, "WorkflowExecution.RunId", "surrogate"},
		{"JSON no EventName", `{"WorkflowExecution":{}}`, CallbackJSON, "EventName", "is required"},
		{"JSON EventName not a string", `{"EventName":1}`, CallbackJSON, "EventName", "must be a string"},
		{"JSON two EventNames", `{"EventName":"TaskFinish","EventName":"WorkflowFinish"}`, CallbackJSON, "EventName", "twice"},
		{"JSON unknown key", `{"EventName":"WorkflowFinish","Extra":1,"WorkflowExecution":{"RunId":"i1",` + jrest + `}}`, CallbackJSON, "Extra", "not a known field"},
		{"JSON key by case only", jrun(`"runId":"i1",` + jrest), CallbackJSON, "WorkflowExecution.runId", "only by case"},
		{"JSON two RunIds", jrun(`"RunId":"i1","RunId":"i2",` + jrest), CallbackJSON, "WorkflowExecution.RunId", "twice"},
		{"JSON no WorkflowExecution", `{"EventName":"WorkflowFinish"}`, CallbackJSON, "WorkflowExecution", "is required"},
		{"JSON WorkflowExecution null", `{"EventName":"WorkflowFinish","WorkflowExecution":null}`, CallbackJSON, "WorkflowExecution", "is required"},
		{"JSON no RunId", jrun(jrest), CallbackJSON, "WorkflowExecution.RunId", "is required"},
		{"JSON RunId a number", jrun(`"RunId":1,` + jrest), CallbackJSON, "WorkflowExecution.RunId", "must be a string"},
		{"JSON no State", jrun(`"RunId":"i1","WorkflowId":"w1","Object":"o"`), CallbackJSON, "WorkflowExecution.State", "is required"},
		{"JSON under Response, no RunId", `{"Response":` + jrun(jrest) + `}`, CallbackJSON, "Response.WorkflowExecution.RunId", "is required"},
		{"JSON under Response, unknown key", `{"Response":{"EventName":"WorkflowFinish","X":1}}`, CallbackJSON, "Response.X", "not a known field"},
		{"JSON Response not an object", `{"Response":[]}`, CallbackJSON, "Response", "must be an object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCICallback([]byte(tt.body), tt.format)
			var fe *valid.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %+v, %v; want a *valid.FieldError", got, err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Reason, tt.reason) {
				t.Errorf("error %q (field %q), want field %q and a reason with %q", err, fe.Field, tt.field, tt.reason)
			}
		})
	}
	if _, err := ParseCICallback([]byte(xmlFinish), "yaml"); err == nil {
		t.Error("an unknown format was accepted")
	}
}

// TestParseCICallbackClipsKeys: a key as sent in an error is cut short.
func TestParseCICallbackClipsKeys(t *testing.T) {
	key := strings.Repeat("k", 1000)
	_, err := ParseCICallback([]byte(`{"EventName":"WorkflowFinish","`+key+`":1}`), CallbackJSON)
	var fe *valid.FieldError
	if !errors.As(err, &fe) || len(fe.Field) > 210 || !strings.HasPrefix(fe.Field, "kkk") {
		t.Errorf("error %v", err)
	}
}

// callbackXMLOf and callbackJSONOf write c as CI would, for the round trip
// the fuzz target checks.
func callbackXMLOf(t *testing.T, c *CICallback) []byte {
	t.Helper()
	type execution struct {
		RunID      string `xml:"RunId"`
		BucketID   string `xml:"BucketId"`
		Object     string `xml:"Object"`
		WorkflowID string `xml:"WorkflowId"`
		State      string `xml:"State"`
	}
	b, err := xml.Marshal(struct {
		XMLName   xml.Name   `xml:"Response"`
		EventName string     `xml:"EventName"`
		Execution *execution `xml:"WorkflowExecution,omitempty"`
	}{EventName: c.EventName, Execution: &execution{c.RunID, c.BucketID, c.Object, c.WorkflowID, c.State}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func callbackJSONOf(t *testing.T, c *CICallback, wrapped bool) []byte {
	t.Helper()
	body := map[string]any{"EventName": c.EventName, "WorkflowExecution": map[string]string{
		"RunId": c.RunID, "BucketId": c.BucketID, "Object": c.Object, "WorkflowId": c.WorkflowID, "State": c.State,
	}}
	var v any = body
	if wrapped {
		v = map[string]any{"Response": body}
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzParseCICallback: ParseCICallback never panics, refuses only with a
// *valid.FieldError, returns every required field of a workflow event
// (and none of another event's), and reads what it accepted the same
// when written again in either format (XML → XML, JSON bare and wrapped).
func FuzzParseCICallback(f *testing.F) {
	names, err := filepath.Glob(filepath.Join("testdata", "ci_callback", "*"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, strings.HasSuffix(name, ".json"))
	}
	f.Add([]byte(`<Response><EventName>WorkflowFinish</EventName><WorkflowExecution><RunId>i</RunId><RunId>j</RunId></WorkflowExecution></Response>`), false)
	f.Add([]byte(`{"Response":{"EventName":"WorkflowFinish","WorkflowExecution":{"RunId":"i","WorkflowId":"w","Object":"o","State":"s"}}}`), true)
	f.Fuzz(func(t *testing.T, body []byte, asJSON bool) {
		format := CallbackXML
		if asJSON {
			format = CallbackJSON
		}
		c, err := ParseCICallback(body, format)
		if err != nil {
			var fe *valid.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *valid.FieldError: %v", err, err)
			}
			return
		}
		if c.EventName == "" {
			t.Fatalf("accepted without an EventName: %+v", c)
		}
		if c.IsWorkflowEvent() {
			if c.RunID == "" || c.WorkflowID == "" || c.Object == "" || c.State == "" {
				t.Fatalf("a workflow event without a required field: %+v", c)
			}
		} else if *c != (CICallback{EventName: c.EventName}) {
			t.Fatalf("another event with run fields: %+v", c)
		}
		if !c.IsWorkflowEvent() {
			return
		}
		again := [][]byte{callbackJSONOf(t, c, false), callbackJSONOf(t, c, true)}
		formats := []CallbackFormat{CallbackJSON, CallbackJSON}
		if !asJSON { // XML's text is always XML again; JSON's may not be
			again, formats = append(again, callbackXMLOf(t, c)), append(formats, CallbackXML)
		}
		for i, b := range again {
			c2, err := ParseCICallback(b, formats[i])
			if err != nil || !reflect.DeepEqual(c, c2) {
				t.Fatalf("%+v written as %s\n%s\nreads %+v, %v", c, formats[i], b, c2, err)
			}
		}
	})
}
