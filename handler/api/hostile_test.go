package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/internal/citest"
	"github.com/cosflow/cosflow/internal/clip"
)

// Hostile input (issue #11), each table through the entry point users hit:
// a Function URL event, handler.Handle, the adapter, the API.

// refused is one hostile request and the field its refusal must name.
type refused struct {
	name  string
	ev    events.HTTPRequest
	field string
	also  string // another spelling the message must name ("" for none)
}

// checkRefused sends each case and checks: 400, the field named (in the
// field and the message), and no CI call at all, so nothing reaches CI,
// altered or not.
func checkRefused(t *testing.T, f *fn, tests []refused) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.emu.Calls())
			resp := f.serve(t, tt.ev)
			e := refusal(t, resp)
			if n := len(f.emu.Calls()) - before; n != 0 {
				t.Errorf("%d CI calls, want none", n)
			}
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("= %d %s, want 400", resp.StatusCode, resp.Body)
			}
			if e.Field != tt.field || !strings.Contains(e.Message, tt.field) || !strings.Contains(e.Message, tt.also) {
				t.Errorf("= field %q (%s), want field %q named in the message with %q", e.Field, e.Message, tt.field, tt.also)
			}
		})
	}
}

// wfJob and tagJob are POST /v1/jobs bodies: a Workflow job of fnWF, a
// Job job tagged Snapshot, each with the given input members and more
// operation members (each starting with a comma).
func wfJob(name, input, op string) string {
	return `{"name":"` + name + `","input":{` + input + `},"operation":{"workflowIds":"` + fnWF + `"` + op + `}}`
}

func tagJob(name, input, op string) string {
	return `{"name":"` + name + `","type":"Job","input":{` + input + `},"operation":{"tag":"Snapshot"` + op + `}}`
}

// Characters XML 1.0 cannot carry are refused in every field that
// travels to CI, naming the field: CI would get another value or none.
func TestXMLForbiddenCharacters(t *testing.T) {
	f := newFn(t, ciemu.Options{}, nil)
	wf := `"workflowId":"` + fnWF + `"`
	chars := []struct {
		name, json, raw string // the character as a JSON escape and as itself
	}{
		{"U+0001", `\u0001`, "\u0001"},
		{"U+FFFF escaped", `\uffff`, "\uffff"},
		{"U+FFFF raw", "\uffff", "\uffff"},
		{"U+FFFE", `\ufffe`, "\ufffe"},
	}
	fields := []struct {
		field string
		ev    func(json, raw string) events.HTTPRequest
	}{
		{"object", func(c, _ string) events.HTTPRequest {
			return fnEvent("POST", "/v1/trigger", `{`+wf+`,"object":"in/a`+c+`.jpg"}`)
		}},
		{"name", func(c, _ string) events.HTTPRequest {
			return fnEvent("POST", "/v1/trigger", `{`+wf+`,"object":"a.jpg","name":"n`+c+`"}`)
		}},
		{"name", func(c, _ string) events.HTTPRequest {
			return fnEvent("POST", "/v1/jobs", tagJob("n"+c, `"prefix":"p/"`, ""))
		}},
		{"input.object", func(c, _ string) events.HTTPRequest {
			return fnEvent("POST", "/v1/jobs", tagJob("n", `"object":"a`+c+`"`, ""))
		}},
		{"input.prefix", func(c, _ string) events.HTTPRequest {
			return fnEvent("POST", "/v1/jobs", wfJob("n", `"prefix":"p`+c+`/"`, ""))
		}},
		{"input.manifest", func(c, _ string) events.HTTPRequest {
			return fnEvent("POST", "/v1/jobs", wfJob("n", `"manifest":"m`+c+`.json"`, ""))
		}},
		{"input.urlFile", func(c, _ string) events.HTTPRequest {
			return fnEvent("POST", "/v1/jobs", tagJob("n", `"urlFile":"u`+c+`.txt"`, ""))
		}},
		{"operation.callBack", func(c, _ string) events.HTTPRequest {
			return fnEvent("POST", "/v1/jobs", wfJob("n", `"prefix":"p/"`, `,"callBack":"https://example.com/`+c+`"`))
		}},
		{"operation.callBackMqConfig.mqName", func(c, _ string) events.HTTPRequest {
			return fnEvent("POST", "/v1/jobs", tagJob("n", `"prefix":"p/"`, `,"callBackType":"TDMQ","callBackMqConfig":{"mqName":"q`+c+`"}`))
		}},
		{"operation.output.object", func(c, _ string) events.HTTPRequest {
			return fnEvent("POST", "/v1/jobs", tagJob("n", `"prefix":"p/"`, `,"output":{"object":"out/`+c+`.jpg"}`))
		}},
		{"operation.jobParam.snapshot.mode", func(c, _ string) events.HTTPRequest {
			return fnEvent("POST", "/v1/jobs", tagJob("n", `"prefix":"p/"`, `,"jobParam":{"snapshot":{"mode":"`+c+`"}}`))
		}},
		{"operation.jobParam.Snapshot.Mode", func(c, _ string) events.HTTPRequest {
			return fnEvent("POST", "/v1/jobs", tagJob("n", `"prefix":"p/"`, `,"jobParam":{"Snapshot":{"Mode":"`+c+`"}}`))
		}},
		{"object", func(_, c string) events.HTTPRequest {
			return fnEvent("GET", "/v1/runs?workflowId="+fnWF+"&object="+url.QueryEscape("a"+c), "")
		}},
		{"nextToken", func(_, c string) events.HTTPRequest {
			return fnEvent("GET", "/v1/jobs?nextToken="+url.QueryEscape(c), "")
		}},
	}
	var tests []refused
	for _, c := range chars {
		for _, fl := range fields {
			ev := fl.ev(c.json, c.raw)
			tests = append(tests, refused{name: c.name + " in " + ev.Path + " " + fl.field, ev: ev, field: fl.field})
		}
	}
	checkRefused(t, f, tests)
}

// An escaped lone UTF-16 surrogate is no character: encoding/json would
// pass on U+FFFD instead, so CI would act on a key nobody named. It is
// refused in every field, naming it (a key as written).
func TestLoneSurrogates(t *testing.T) {
	f := newFn(t, ciemu.Options{}, nil)
	trigger := func(members string) events.HTTPRequest {
		return fnEvent("POST", "/v1/trigger", `{"workflowId":"`+fnWF+`","object":"a.jpg"`+members+`}`)
	}
	job := func(input, op string) events.HTTPRequest {
		return fnEvent("POST", "/v1/jobs", tagJob("n", input, op))
	}
	surrogates := []string{`\ud800`, `\udc00`, `\uDBFF\uDBFF`, `\ud800\u0041`}
	fields := []struct {
		field string
		ev    func(s string) events.HTTPRequest
	}{
		{"object", func(s string) events.HTTPRequest {
			return fnEvent("POST", "/v1/trigger", `{"workflowId":"`+fnWF+`","object":"in/`+s+`.jpg"}`)
		}},
		{"workflowId", func(s string) events.HTTPRequest {
			return fnEvent("POST", "/v1/trigger", `{"workflowId":"`+s+`","object":"a.jpg"}`)
		}},
		{"name", func(s string) events.HTTPRequest { return trigger(`,"name":"n` + s + `"`) }},
		{"bucket", func(s string) events.HTTPRequest { return trigger(`,"bucket":"b` + s + `-1250000000"`) }},
		{"region", func(s string) events.HTTPRequest { return trigger(`,"region":"` + s + `"`) }},
		{"name", func(s string) events.HTTPRequest { return fnEvent("POST", "/v1/jobs", tagJob(s, `"prefix":"p/"`, "")) }},
		{"input.prefix", func(s string) events.HTTPRequest { return job(`"prefix":"p/`+s+`"`, "") }},
		{"input.object", func(s string) events.HTTPRequest { return job(`"object":"`+s+`"`, "") }},
		{"input.manifest", func(s string) events.HTTPRequest { return job(`"manifest":"`+s+`"`, "") }},
		{"input.urlFile", func(s string) events.HTTPRequest { return job(`"urlFile":"`+s+`"`, "") }},
		{"operation.workflowIds", func(s string) events.HTTPRequest {
			return fnEvent("POST", "/v1/jobs", `{"name":"n","input":{"prefix":"p/"},"operation":{"workflowIds":"`+s+`"}}`)
		}},
		{"operation.callBack", func(s string) events.HTTPRequest { return job(`"prefix":"p/"`, `,"callBack":"`+s+`"`) }},
		{"operation.userData", func(s string) events.HTTPRequest { return job(`"prefix":"p/"`, `,"userData":"`+s+`"`) }},
		{"operation.output.object", func(s string) events.HTTPRequest { return job(`"prefix":"p/"`, `,"output":{"object":"`+s+`"}`) }},
		{"operation.timeInterval.start", func(s string) events.HTTPRequest {
			return job(`"prefix":"p/"`, `,"timeInterval":{"start":"`+s+`"}`)
		}},
		{"operation.callBackMqConfig.mqName", func(s string) events.HTTPRequest {
			return job(`"prefix":"p/"`, `,"callBackMqConfig":{"mqName":"`+s+`"}`)
		}},
		{"operation.jobParam.Snapshot.Mode", func(s string) events.HTTPRequest {
			return job(`"prefix":"p/"`, `,"jobParam":{"Snapshot":{"Mode":"`+s+`"}}`)
		}},
		{"operation.jobParam.Snapshot.List[1]", func(s string) events.HTTPRequest {
			return job(`"prefix":"p/"`, `,"jobParam":{"Snapshot":{"List":["a","`+s+`"]}}`)
		}},
	}
	var tests []refused
	for _, s := range surrogates {
		for _, fl := range fields {
			ev := fl.ev(s)
			tests = append(tests, refused{name: s + " in " + ev.Path + " " + fl.field, ev: ev, field: fl.field})
		}
		// A key holding one is named as written.
		tests = append(tests, refused{name: s + " in a key", ev: trigger(`,"k` + s + `":1`), field: "k" + s})
		tests = append(tests, refused{name: s + " in a jobParam key", ev: job(`"prefix":"p/"`, `,"jobParam":{"S`+s+`":"1"}`), field: "operation.jobParam.S" + s})
	}
	checkRefused(t, f, tests)

	// A pair is a character, and reaches CI as itself.
	resp := f.serve(t, fnEvent("POST", "/v1/trigger", `{"workflowId":"`+fnWF+`","object":"in/\ud83d\ude00.jpg"}`))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a surrogate pair = %d %s, want 200", resp.StatusCode, resp.Body)
	}
	if n := f.emu.TriggerCount(citest.Bucket, fnWF, "in/\U0001F600.jpg"); n != 1 {
		t.Errorf("CI saw %d triggers of in/\U0001F600.jpg, want 1", n)
	}
}

// A key given twice, or twice in two spellings, could mean either value:
// encoding/json would take the last and match keys by case. Refused,
// naming the key (and both spellings).
func TestDuplicateKeys(t *testing.T) {
	f := newFn(t, ciemu.Options{}, nil)
	wf := `"workflowId":"` + fnWF + `"`
	checkRefused(t, f, []refused{
		{name: "object and OBJECT", ev: fnEvent("POST", "/v1/trigger", `{`+wf+`,"object":"a.jpg","OBJECT":"b.jpg"}`), field: "OBJECT", also: `"object"`},
		{name: "Object before object", ev: fnEvent("POST", "/v1/trigger", `{`+wf+`,"Object":"b.jpg","object":"a.jpg"}`), field: "Object", also: `"object"`},
		{name: "only a case variant", ev: fnEvent("POST", "/v1/trigger", `{"WORKFLOWID":"`+fnWF+`","object":"a.jpg"}`), field: "WORKFLOWID", also: `"workflowId"`},
		{name: "nested case variant", ev: fnEvent("POST", "/v1/jobs", wfJob("n", `"prefix":"a/","PREFIX":"b/"`, "")), field: "input.PREFIX", also: `"prefix"`},
		{name: "workflowIDs", ev: fnEvent("POST", "/v1/jobs", wfJob("n", `"prefix":"a/"`, `,"workflowIDs":"`+fnWF+`"`)), field: "operation.workflowIDs", also: `"workflowIds"`},
		{name: "object twice", ev: fnEvent("POST", "/v1/trigger", `{`+wf+`,"object":"a.jpg","object":"b.jpg"}`), field: "object"},
		{name: "prefix twice", ev: fnEvent("POST", "/v1/jobs", wfJob("n", `"prefix":"a/","prefix":"b/"`, "")), field: "input.prefix"},
		{name: "a jobParam key twice", ev: fnEvent("POST", "/v1/jobs", tagJob("n", `"prefix":"p/"`, `,"jobParam":{"Mode":"a","Mode":"b"}`)), field: "operation.jobParam.Mode"},
		{name: "a nested jobParam key twice", ev: fnEvent("POST", "/v1/jobs", tagJob("n", `"prefix":"p/"`, `,"jobParam":{"L":[{"x":"1"},{"x":"2","x":"3"}]}`)), field: "operation.jobParam.L[1].x"},
	})

	// jobParam keys are CI's element names, which differ by case: A and a
	// are two elements, and reach CI as two.
	resp := f.serve(t, fnEvent("POST", "/v1/jobs", tagJob("n", `"prefix":"p/"`, `,"jobParam":{"a":"2","A":"1"}`)))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("jobParam A and a = %d %s, want 201", resp.StatusCode, resp.Body)
	}
	jobs := f.emu.Jobs(citest.Bucket)
	var got []string
	for _, n := range jobs[len(jobs)-1].Operation.JobParam.Nodes {
		got = append(got, n.XMLName.Local+"="+n.Text)
	}
	if want := []string{"A=1", "a=2"}; !slices.Equal(got, want) {
		t.Errorf("CI got jobParam %v, want %v", got, want)
	}
}

// Rules between fields, and query parameters POST routes do not take.
func TestCrossFieldAndQueryRefusals(t *testing.T) {
	f := newFn(t, ciemu.Options{}, nil)
	trigger := `{"workflowId":"` + fnWF + `","object":"a.jpg"}`
	job := wfJob("n", `"prefix":"p/"`, "")
	withQuery := func(target, body string, query map[string]events.QueryValues) events.HTTPRequest {
		ev := fnEvent("POST", target, body)
		ev.QueryString = query
		return ev
	}
	checkRefused(t, f, []refused{
		{name: "a Workflow job with a tag", ev: fnEvent("POST", "/v1/jobs", wfJob("n", `"prefix":"p/"`, `,"tag":"Snapshot"`)), field: "operation.tag"},
		{name: "a Workflow job with a jobParam", ev: fnEvent("POST", "/v1/jobs", wfJob("n", `"prefix":"p/"`, `,"jobParam":{"a":"1"}`)), field: "operation.jobParam"},
		{name: "a Workflow job with an output", ev: fnEvent("POST", "/v1/jobs", wfJob("n", `"prefix":"p/"`, `,"output":{"object":"o"}`)), field: "operation.output"},
		{name: "a Job job with workflowIds", ev: fnEvent("POST", "/v1/jobs", tagJob("n", `"prefix":"p/"`, `,"workflowIds":"`+fnWF+`"`)), field: "operation.workflowIds"},
		{name: "a job with two inputs", ev: fnEvent("POST", "/v1/jobs", wfJob("n", `"prefix":"p/","object":"o"`, "")), field: "input"},
		{name: "trigger with another bucket in the query", ev: fnEvent("POST", "/v1/trigger?bucket=otherbucket-1250000001&region=ap-shanghai", trigger), field: "bucket"},
		{name: "jobs with another bucket in the query", ev: fnEvent("POST", "/v1/jobs?bucket=otherbucket-1250000001&region=ap-shanghai", job), field: "bucket"},
		{name: "trigger with a region in the query", ev: fnEvent("POST", "/v1/trigger?region=ap-shanghai", trigger), field: "region"},
		{name: "jobs with the object in the query", ev: fnEvent("POST", "/v1/jobs?object=b.jpg", job), field: "object"},
		{name: "trigger with a bare flag", ev: withQuery("/v1/trigger", trigger, map[string]events.QueryValues{"dryRun": {""}}), field: "dryRun"},
		{name: "jobs with a repeated parameter", ev: withQuery("/v1/jobs", job, map[string]events.QueryValues{"name": {"a", "b"}}), field: "name"},
	})
	// A parameter without a name cannot be named: the query is.
	for _, target := range []string{"/v1/trigger", "/v1/jobs"} {
		resp := f.serve(t, withQuery(target, trigger, map[string]events.QueryValues{"": {"x"}}))
		if e := refusal(t, resp); resp.StatusCode != http.StatusBadRequest || e.Field != "" || !strings.HasPrefix(e.Message, "query ") {
			t.Errorf("POST %s?=x = %d %+v, want 400 refusing the query", target, resp.StatusCode, e)
		}
	}
	if n := len(f.emu.Calls()); n != 0 {
		t.Errorf("%d CI calls, want none", n)
	}
}

// wirePath matches how CI and cosclient spell fields (Operation.Tag,
// TriggerWorkflowInput.object): never what the API's refusals show.
var wirePath = regexp.MustCompile(`\b(Input|Operation|Output|TimeInterval|WorkflowIds|JobParam|UrlFile|Manifest|QueueId|UserData|JobLevel|CallBack\w*|Mq\w+|Tag|Start|End)\b|\w+Input\b`)

// Refusals that cosclient decides (rules between fields, CI's own rules)
// name fields as the API's JSON does, in the field and the message.
func TestRefusalsUseWireNames(t *testing.T) {
	f := newFn(t, ciemu.Options{}, nil)
	op := func(members string) events.HTTPRequest {
		return fnEvent("POST", "/v1/jobs", tagJob("n", `"prefix":"p/"`, members))
	}
	tests := []struct {
		name  string
		ev    events.HTTPRequest
		field string
	}{
		{"two inputs", fnEvent("POST", "/v1/jobs", wfJob("n", `"prefix":"p/","urlFile":"u"`, "")), "input"},
		{"no input", fnEvent("POST", "/v1/jobs", wfJob("n", "", "")), "input"},
		{"tag on a Workflow job", fnEvent("POST", "/v1/jobs", wfJob("n", `"prefix":"p/"`, `,"tag":"Snapshot"`)), "operation.tag"},
		{"tag missing", fnEvent("POST", "/v1/jobs", `{"name":"n","type":"Job","input":{"prefix":"p/"},"operation":{}}`), "operation.tag"},
		{"jobParam element name", op(`,"jobParam":{"1x":"a"}`), "operation.jobParam[0]"},
		{"jobLevel", op(`,"jobLevel":3`), "operation.jobLevel"},
		{"userData", op(`,"userData":"\u00e9"`), "operation.userData"},
		{"callBackType", op(`,"callBackType":"Mail"`), "operation.callBackType"},
		{"output bucket", op(`,"output":{"bucket":"Bad"}`), "operation.output.bucket"},
		{"queueId", op(`,"queueId":"p/1"`), "operation.queueId"},
		{"start after end", op(`,"timeInterval":{"start":"2026-11-22T02:00:00+0800","end":"2026-11-01T02:00:00+0800"}`),
			"operation.timeInterval.end"},
		{"workflowId", fnEvent("POST", "/v1/trigger", `{"workflowId":"W1","object":"a"}`), "workflowId"},
		{"runs size", fnEvent("GET", "/v1/runs?workflowId="+fnWF+"&size=0", ""), "size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.serve(t, tt.ev)
			e := refusal(t, resp)
			if resp.StatusCode != http.StatusBadRequest || e.Field != tt.field {
				t.Fatalf("= %d field %q (%s), want 400 field %q", resp.StatusCode, e.Field, e.Message, tt.field)
			}
			if m := wirePath.FindString(e.Field + " " + e.Message); m != "" {
				t.Errorf("refusal %q / %q spells %q as CI does", e.Field, e.Message, m)
			}
		})
	}
	if n := len(f.emu.Calls()); n != 0 {
		t.Errorf("%d CI calls, want none", n)
	}
}

// checkEcho checks that echo, the part of an answer repeating the
// caller's input, is input cut rune-safely to at most 200 characters and
// marked as cut.
func checkEcho(t *testing.T, what, echo, input string) {
	t.Helper()
	cut, ok := strings.CutSuffix(echo, "...")
	switch {
	case !ok || !strings.HasPrefix(input, cut) || cut == "":
		t.Errorf("%s %q is not a marked cut of the input", what, clip.String(echo, 80))
	case !utf8.ValidString(echo):
		t.Errorf("%s is cut inside a character", what)
	case utf8.RuneCountInString(cut) > 200:
		t.Errorf("%s echoes %d characters, more than 200", what, utf8.RuneCountInString(cut))
	}
}

// Huge input never costs a 5xx or a large answer, and what an answer
// echoes of it is cut to 200 characters.
func TestHugeInput(t *testing.T) {
	f := newFn(t, ciemu.Options{}, nil)
	const mb35 = 3_500_000
	wide := strings.Repeat("視", 2700) // 8,100 bytes: a path the adapter lets through (a query's 800 characters encode to 7,200)
	trigger := `{"workflowId":"` + fnWF + `","object":"a.jpg"}`
	headerEv := fnEvent("GET", "/v1/jobs", "")
	headerEv.Headers["x-padding"] = strings.Repeat("h", 64<<10)
	methodEv := fnEvent(strings.Repeat("GET", 64<<10), "/v1/jobs", "")
	tests := []struct {
		name   string
		ev     events.HTTPRequest
		status int
		echo   string // the input the field echoes; "" when it names none
	}{
		{"a 3.5 MB query parameter name", fnEvent("GET", "/v1/jobs?"+strings.Repeat("q", mb35)+"=1", ""), http.StatusBadRequest, ""},
		{"a 3.5 MB query parameter name on a POST route", fnEvent("POST", "/v1/trigger?"+strings.Repeat("視", mb35/3)+"=1", trigger), http.StatusBadRequest, ""},
		{"a long wide query parameter name", fnEvent("GET", "/v1/jobs?"+wide[:2400]+"=1", ""), http.StatusBadRequest, wide[:2400]},
		{"a long wide query parameter name on a POST route", fnEvent("POST", "/v1/jobs?"+wide[:2400]+"=1", trigger), http.StatusBadRequest, wide[:2400]},
		{"a long query value", fnEvent("GET", "/v1/runs?workflowId="+fnWF+"&states="+strings.Repeat("S", 8000), ""), http.StatusBadRequest, ""},
		{"a huge unknown body field name", fnEvent("POST", "/v1/trigger", `{"`+strings.Repeat("視", 100_000)+`":1}`), http.StatusBadRequest, strings.Repeat("視", 100_000)},
		{"a huge unknown field name of escapes", fnEvent("POST", "/v1/trigger", `{"`+strings.Repeat(`\u0001`, 50_000)+`":1}`), http.StatusBadRequest, strings.Repeat("\u0001", 50_000)},
		{"a huge unknown nested field name", fnEvent("POST", "/v1/jobs", `{"name":"n","input":{"`+strings.Repeat("視", 100_000)+`":"p"}}`), http.StatusBadRequest, "input." + strings.Repeat("視", 100_000)},
		{"a huge jobParam key", fnEvent("POST", "/v1/jobs", tagJob("n", `"prefix":"p/"`, `,"jobParam":{"`+strings.Repeat(`\u0001`, 50_000)+`":[[1]]}`)), http.StatusBadRequest, "operation.jobParam." + strings.Repeat("\u0001", 50_000)},
		{"a huge object", fnEvent("POST", "/v1/trigger", `{"workflowId":"`+fnWF+`","object":"`+strings.Repeat(`\u0001`, 50_000)+`"}`), http.StatusBadRequest, ""},
		{"a body over 1 MiB", fnEvent("POST", "/v1/trigger", `{"object":"`+strings.Repeat("o", 1<<20)+`"}`), http.StatusRequestEntityTooLarge, ""},
		{"a long wide path", fnEvent("GET", "/"+wide, ""), http.StatusNotFound, ""},
		{"a long wide job ID", fnEvent("GET", "/v1/jobs/"+wide, ""), http.StatusBadRequest, ""},
		{"a 64 KB path", fnEvent("GET", "/"+strings.Repeat("p", 64<<10), ""), http.StatusRequestURITooLong, ""},
		{"a 64 KB header", headerEv, http.StatusRequestHeaderFieldsTooLarge, ""},
		{"a 192 KB method", methodEv, http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.emu.Calls())
			resp := f.serve(t, tt.ev)
			e := refusal(t, resp) // under 8 KB, JSON, the error shape
			if resp.StatusCode != tt.status {
				t.Errorf("= %d %s, want %d", resp.StatusCode, clip.String(resp.Body, 300), tt.status)
			}
			if tt.echo != "" {
				checkEcho(t, "field", e.Field, tt.echo)
			}
			for _, s := range []string{e.Field, e.Message} {
				if n := utf8.RuneCountInString(s); n > 2000+3 {
					t.Errorf("%d characters in an answer's text", n)
				}
			}
			if n := len(f.emu.Calls()) - before; n != 0 {
				t.Errorf("%d CI calls, want none", n)
			}
		})
	}
}

// TestCallbackTokenNotEchoedOnRefusal: a callback URL whose path the SCF
// adapter cannot make a request of (a path that reads as a host with a
// bad port) is refused 400 without repeating its query, where the token
// is, in the answer or the log (newFn fails on a logged token).
func TestCallbackTokenNotEchoedOnRefusal(t *testing.T) {
	f := newFn(t, ciemu.Options{}, nil)
	for _, path := range []string{"//a:b:c/v1/callbacks/ci", "//[/v1/callbacks/ci"} {
		ev := fnEvent(http.MethodPost, path+"?token="+fnCallbackToken, "")
		resp := f.serve(t, ev)
		if e := refusal(t, resp); resp.StatusCode != http.StatusBadRequest || strings.Contains(e.Message, fnCallbackToken) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, e.Message)
		}
	}
}
