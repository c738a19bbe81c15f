package events

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestParseFixtures checks kind detection and the resolved objects of every
// event fixture.
func TestParseFixtures(t *testing.T) {
	type obj struct{ bucket, region, key, urlKey string }
	guangzhou := func(key string) obj { return obj{"examplebucket-1250000000", "ap-guangzhou", key, ""} }
	tests := []struct {
		fixture string
		kind    Kind
		objects []obj
	}{
		{"cos_put.json", KindCOS, []obj{guangzhou("photos/2026/cat.jpg")}},
		{"cos_multi.json", KindCOS, []obj{
			guangzhou("photos/2026/dog.png"),
			guangzhou("videos/intro.mp4"),
			guangzhou("photos/2026/dog.png"),
			guangzhou("processed/photos/2026/dog.webp"),
		}},
		// The shape of captured public payloads: the key raw, the url
		// percent-encoded; they agree.
		{"cos_raw_key.json", KindCOS, []obj{{"bookshelfplus-1302260381", "ap-guangzhou", "!!!!!!!", ""}}},
		{"cos_old_format.json", KindCOS, []obj{{"examplebucket-1250000000", "ap-chengdu", "uploads/report.pdf", ""}}},
		{"cos_tricky_keys.json", KindCOS, []obj{
			guangzhou("photos/my cat.jpg"),
			guangzhou("photos/a+b=c.jpg"),
			guangzhou("reports/100%.pdf"),
			guangzhou("notes/#1 draft.txt"),
			guangzhou("q/what?.txt"),
			guangzhou("照片/猫咪 2026.jpg"),
			guangzhou("/leading-slash.jpg"),
			guangzhou("photos/encoded%20key%2Bplus.jpg"), // the key as delivered, never decoded
			guangzhou("photos/1+1=2.jpg"),
			{"examplebucket-1250000000", "ap-guangzhou", "photos/as-delivered.jpg", "photos/from-url.jpg"},
		}},
		{"timer.json", KindTimer, nil},
		{"timer_empty.json", KindTimer, nil},
		{"timer_continuation.json", KindTimer, nil},
		{"apigw_request.json", KindHTTP, nil},
		{"function_url_request.json", KindHTTP, nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			raw := readFixture(t, tt.fixture)
			kind, err := Detect(raw)
			if err != nil || kind != tt.kind {
				t.Fatalf("Detect = %v, %v; want %v", kind, err, tt.kind)
			}
			ev, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if ev.Kind != tt.kind {
				t.Errorf("Kind = %v, want %v", ev.Kind, tt.kind)
			}
			if got := [3]bool{ev.COS != nil, ev.Timer != nil, ev.HTTP != nil}; got != [3]bool{tt.kind == KindCOS, tt.kind == KindTimer, tt.kind == KindHTTP} {
				t.Errorf("set payloads (COS, Timer, HTTP) = %v for kind %v", got, tt.kind)
			}
			if tt.kind != KindCOS {
				return
			}
			if len(ev.COS.Records) != len(tt.objects) {
				t.Fatalf("%d records, want %d", len(ev.COS.Records), len(tt.objects))
			}
			for i, want := range tt.objects {
				rec := &ev.COS.Records[i]
				got := obj{rec.Object.Bucket, rec.Object.Region, rec.Object.Key, rec.Object.URLKey}
				if got != want {
					t.Errorf("Records[%d].Object = %+v, want %+v", i, got, want)
				}
				// Resolve on the decoded record agrees with the decode-time result.
				again, err := rec.Resolve()
				if err != nil || again != rec.Object {
					t.Errorf("Records[%d].Resolve() = %+v, %v; want %+v", i, again, err, rec.Object)
				}
			}
		})
	}
}

// TestParseCOSPutDetails pins every ObjectRef field of the quickstart fixture.
func TestParseCOSPutDetails(t *testing.T) {
	ev, err := Parse(readFixture(t, "cos_put.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := ObjectRef{
		Bucket:    "examplebucket-1250000000",
		Region:    "ap-guangzhou",
		Key:       "photos/2026/cat.jpg",
		Size:      204800,
		ETag:      "9a4802d5c99dafe1c04da0a8e7e166bf",
		EventName: "cos:ObjectCreated:Put",
		EventTime: time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC),
	}
	if got := ev.COS.Records[0].Object; got != want {
		t.Errorf("Object = %+v\nwant     %+v", got, want)
	}
	if h := ev.COS.Records[0].Event.RequestParameters.Headers["Authorization"]; !strings.HasPrefix(h, "q-sign-algorithm=") {
		t.Errorf("requestHeaders.Authorization not decoded: %q", h)
	}
}

// TestParseTimerDetails checks the timer's fields and derived time.
func TestParseTimerDetails(t *testing.T) {
	ev, err := Parse(readFixture(t, "timer.json"))
	if err != nil {
		t.Fatal(err)
	}
	tm := ev.Timer
	if tm.TriggerName != "nightly" || !strings.Contains(tm.Message, `"workflowId":"w8f3c2a1b9d0e4f5a6b7c8d9e0f1a2b3c"`) {
		t.Errorf("timer = %+v", tm)
	}
	if want := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC); !tm.ScheduledAt.Equal(want) || tm.ScheduledAt.Location() != time.UTC {
		t.Errorf("ScheduledAt = %v, want %v", tm.ScheduledAt, want)
	}
	if tm.CosflowContinuation != 0 {
		t.Errorf("a tick's CosflowContinuation = %d, want 0", tm.CosflowContinuation)
	}
	ev, err = Parse(readFixture(t, "timer_empty.json"))
	if err != nil || ev.Timer.Message != "" {
		t.Errorf("timer_empty: %+v, %v", ev, err)
	}
	ev, err = Parse(readFixture(t, "timer_continuation.json"))
	if err != nil || ev.Timer.CosflowContinuation != 3 || ev.Timer.TriggerName != "sweep" {
		t.Errorf("timer_continuation: %+v, %v", ev, err)
	}
}

// TestParseErrors checks that bad payloads fail with a *DecodeError of the
// right problem, naming the field and the expectation.
func TestParseErrors(t *testing.T) {
	const okRecord = `{"cos":{"cosBucket":{"name":"examplebucket","appid":"1250000000","region":"gz"},` +
		`"cosObject":{"key":"/1250000000/examplebucket/a.jpg","url":"http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.jpg","size":1}},` +
		`"event":{"eventName":"cos:ObjectCreated:Put","eventTime":1}}`
	record := func(bucket, object string) string {
		return `{"cos":{"cosBucket":` + bucket + `,"cosObject":` + object + `},"event":{"eventName":"cos:ObjectCreated:Put"}}`
	}
	const gzBucket = `{"name":"examplebucket","appid":"1250000000","region":"gz"}`
	tests := []struct {
		name    string
		raw     string
		problem Problem
		kind    Kind
		field   string
		msg     string // substring of Error()
	}{
		{"empty", ``, ProblemUnrecognised, KindUnknown, "", "got an empty payload"},
		{"malformed", `{"Records": [}`, ProblemMalformedJSON, KindUnknown, "", "malformed JSON at offset 14"},
		{"truncated", `{"Records":`, ProblemMalformedJSON, KindUnknown, "", "malformed JSON at offset"},
		{"array", `[1,2]`, ProblemUnrecognised, KindUnknown, "", "got an array"},
		{"null", `null`, ProblemUnrecognised, KindUnknown, "", "got null"},
		{"unknown keys", `{"b":1,"a":2}`, ProblemUnrecognised, KindUnknown, "",
			`unrecognised event: expected a COS event ("Records"), a timer event ("Type":"Timer") or an HTTP request ("httpMethod"); got an object with keys [a b]`},
		{"odd keys quoted", `{"a\nb":1}`, ProblemUnrecognised, KindUnknown, "", `keys ["a\nb"]`},
		{"other Type", `{"Type":"Cron"}`, ProblemUnrecognised, KindUnknown, "", `"Type":"Cron"`},
		{"ambiguous", `{"Records":[],"httpMethod":"GET"}`, ProblemUnrecognised, KindUnknown, "", "ambiguous"},
		{"no records", `{"Records":[]}`, ProblemMissingField, KindCOS, "Records", "COS event: Records: no records"},
		{"null records", `{"Records":null}`, ProblemMissingField, KindCOS, "Records", "no records"},
		{"records not array", `{"Records":{}}`, ProblemInvalidField, KindCOS, "Records", "COS event: Records"},
		{"missing key in third", `{"Records":[` + okRecord + `,` + okRecord + `,` + record(gzBucket, `{"url":""}`) + `]}`,
			ProblemMissingField, KindCOS, "Records[2].cos.cosObject.key", "COS event: Records[2].cos.cosObject.key: missing"},
		{"size as string", `{"Records":[` + record(gzBucket, `{"key":"/1250000000/examplebucket/a","size":"12"}`) + `]}`,
			ProblemInvalidField, KindCOS, "Records[0].cos.cosObject.size", "expected int64"},
		{"wrong prefix", `{"Records":[` + record(gzBucket, `{"key":"/1250000001/examplebucket/a"}`) + `]}`,
			ProblemInvalidField, KindCOS, "Records[0].cos.cosObject.key", `does not start with "/1250000000/examplebucket/"`},
		{"empty key", `{"Records":[` + record(gzBucket, `{"key":"/1250000000/examplebucket/"}`) + `]}`,
			ProblemInvalidField, KindCOS, "Records[0].cos.cosObject.key", "the key after the prefix is empty"},
		{"unknown region", `{"Records":[` + record(`{"name":"examplebucket","appid":"1250000000","region":"xx"}`, `{"key":"/1250000000/examplebucket/a"}`) + `]}`,
			ProblemInvalidField, KindCOS, "Records[0].cos.cosBucket.region", `unknown short region code "xx"`},
		{"no region", `{"Records":[` + record(`{"name":"examplebucket","appid":"1250000000"}`, `{"key":"/1250000000/examplebucket/a"}`) + `]}`,
			ProblemMissingField, KindCOS, "Records[0].cos.cosBucket.region", "missing"},
		{"no bucket name", `{"Records":[` + record(`{"appid":"1250000000","region":"gz"}`, `{"key":"/1250000000//a"}`) + `]}`,
			ProblemMissingField, KindCOS, "Records[0].cos.cosBucket.name", "missing"},
		{"non-numeric appid", `{"Records":[` + record(`{"name":"b","appid":"12x","region":"gz"}`, `{"key":"/12x/b/a"}`) + `]}`,
			ProblemInvalidField, KindCOS, "Records[0].cos.cosBucket.appid", "not a numeric APPID"},
		{"timer without Time", `{"Type":"Timer","TriggerName":"t"}`, ProblemMissingField, KindTimer, "Time", "timer event: Time: missing"},
		{"timer bad Time", `{"Type":"Timer","Time":"yesterday"}`, ProblemInvalidField, KindTimer, "Time", "expected RFC 3339"},
		{"http without method", `{"httpMethod":"","path":"/"}`, ProblemMissingField, KindHTTP, "httpMethod", "HTTP event: httpMethod: missing"},
		{"http without path", `{"httpMethod":"GET"}`, ProblemMissingField, KindHTTP, "path", "HTTP event: path: missing"},
		// Type errors name fields by their wire names.
		{"http headers not an object", `{"httpMethod":"GET","path":"/","headers":5}`, ProblemInvalidField, KindHTTP, "headers", "HTTP event: headers: expected map[string]string, got JSON number"},
		{"http body not a string", `{"httpMethod":"GET","path":"/","body":5}`, ProblemInvalidField, KindHTTP, "body", "HTTP event: body: expected string"},
		{"http nested type error", `{"httpMethod":"GET","path":"/","requestContext":{"identity":{"secretId":1}}}`, ProblemInvalidField, KindHTTP, "requestContext.identity.secretId", "expected string"},
		{"http query not an object", `{"httpMethod":"GET","path":"/","queryString":[]}`, ProblemInvalidField, KindHTTP, "queryString", "expected map"},
		{"timer Message not a string", `{"Type":"Timer","Time":"2026-11-22T02:00:00Z","Message":5}`, ProblemInvalidField, KindTimer, "Message", "timer event: Message: expected string"},
		{"timer continuation negative", `{"Type":"Timer","Time":"2026-11-22T02:00:00Z","CosflowContinuation":-1}`, ProblemInvalidField, KindTimer, "CosflowContinuation", "must be from 0 to 1000, got -1"},
		{"timer continuation past the bound", `{"Type":"Timer","Time":"2026-11-22T02:00:00Z","CosflowContinuation":1001}`, ProblemInvalidField, KindTimer, "CosflowContinuation", "must be from 0 to 1000, got 1001"},
		{"timer continuation not a number", `{"Type":"Timer","Time":"2026-11-22T02:00:00Z","CosflowContinuation":"1"}`, ProblemInvalidField, KindTimer, "CosflowContinuation", "expected int"},
		{"timer TriggerName not a string", `{"Type":"Timer","Time":"2026-11-22T02:00:00Z","TriggerName":{}}`, ProblemInvalidField, KindTimer, "TriggerName", "expected string"},
		{"http bad query", `{"httpMethod":"GET","path":"/","queryString":{"a":1}}`, ProblemInvalidField, KindHTTP, "queryString.a", "HTTP event: queryString.a: query value: expected a string, an array of strings or true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := Parse([]byte(tt.raw))
			if err == nil && ev.COS != nil {
				// A bad record does not fail its delivery: it carries the error.
				err = ev.COS.Err()
			}
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", ev)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DecodeError", err, err)
			}
			if de.Problem != tt.problem || de.Kind != tt.kind || de.Field != tt.field {
				t.Errorf("got (problem %v, kind %v, field %q), want (%v, %v, %q); error: %v",
					de.Problem, de.Kind, de.Field, tt.problem, tt.kind, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

// TestDetectManyKeysElided checks that an error about a huge object stays short.
func TestDetectManyKeysElided(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 50 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + strings.Repeat("x", i) + `":0`)
	}
	b.WriteString("}")
	_, err := Detect([]byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "...+40 more]") || len(err.Error()) > 700 {
		t.Errorf("error = %v (len %d)", err, len(err.Error()))
	}
}

// fieldFault is a payload Parse must refuse for one field: the record
// badRec alone (the delivery's others resolve), or the whole payload.
type fieldFault struct {
	name    string
	raw     string
	badRec  int // index of the failing COS record; -1 when the payload fails
	kind    Kind
	field   string
	message string // substring of Error()
}

// check parses the payload and checks the fault is reported as promised.
func (tt fieldFault) check(t *testing.T) {
	ev, err := Parse([]byte(tt.raw))
	if tt.badRec >= 0 {
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		for i, rec := range ev.COS.Records {
			if i != tt.badRec {
				if rec.Err != nil || rec.Object.Key == "" {
					t.Errorf("Records[%d] did not resolve: %v", i, rec.Err)
				}
				continue
			}
			err = rec.Err
		}
	}
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error %v is not a *DecodeError", err)
	}
	if de.Problem != ProblemInvalidField || de.Kind != tt.kind || de.Field != tt.field || !strings.Contains(de.Error(), tt.message) {
		t.Errorf("got (%v, %v, %q) %q; want (invalid field, %v, %q) containing %q", de.Problem, de.Kind, de.Field, de, tt.kind, tt.field, tt.message)
	}
}

// TestParseLoneSurrogates checks that an escaped lone surrogate, which
// encoding/json would quietly decode as U+FFFD, fails the record or payload
// holding it with a *DecodeError naming the field.
func TestParseLoneSurrogates(t *testing.T) {
	const bucket = `"cosBucket":{"name":"examplebucket","appid":"1250000000","region":"gz"}`
	record := func(key, extra string) string {
		return `{"cos":{` + bucket + `,"cosObject":{"key":"/1250000000/examplebucket/` + key + `"` + extra + `}},"event":{"eventName":"cos:ObjectCreated:Put"}}`
	}
	const reason = "holds an escaped lone surrogate"
	tests := []fieldFault{
		{"COS key", `{"Records":[` + record("a.jpg", "") + `,` + record(`b\ud800.jpg`, "") + `,` + record("c.jpg", "") + `]}`,
			1, KindCOS, "Records[1].cos.cosObject.key", `COS event: Records[1].cos.cosObject.key: holds an escaped lone surrogate (\ud800), which is not a character`},
		{"COS low surrogate in meta", `{"Records":[` + record("a.jpg", `,"meta":{"x-cos-meta-a":"\uDC00"}`) + `]}`,
			0, KindCOS, "Records[0].cos.cosObject.meta.x-cos-meta-a", `(\uDC00)`},
		{"COS high surrogate before a non-low escape", `{"Records":[` + record(`\ud83d\u0041`, "") + `]}`,
			0, KindCOS, "Records[0].cos.cosObject.key", `(\ud83d)`},
		{"COS surrogate in a key", `{"Records":[` + record("a.jpg", `,"x\udbff":1`) + `]}`,
			0, KindCOS, `Records[0].cos.cosObject.x\udbff`, reason},
		{"COS record that is a string", `{"Records":[` + record("a.jpg", "") + `,"\ud800"]}`,
			1, KindCOS, "Records[1]", reason},
		{"timer Message", `{"Type":"Timer","Time":"2026-11-22T02:00:00Z","Message":"{\"prefix\":\"\ud800\"}"}`,
			-1, KindTimer, "Message", `timer event: Message: holds an escaped lone surrogate (\ud800)`},
		{"HTTP body", `{"httpMethod":"POST","path":"/v1/trigger","body":"{\"object\":\"\udc00\"}"}`,
			-1, KindHTTP, "body", reason},
		{"HTTP path", `{"httpMethod":"GET","path":"/v1/jobs/\ud800"}`, -1, KindHTTP, "path", reason},
		{"HTTP header", `{"httpMethod":"GET","path":"/","headers":{"x-foo":"a\ud800"}}`, -1, KindHTTP, "headers.x-foo", reason},
		{"HTTP query", `{"httpMethod":"GET","path":"/","queryString":{"a":"\ud800"}}`, -1, KindHTTP, "queryString.a", reason},
		{"HTTP query list", `{"httpMethod":"GET","path":"/","queryString":{"b":["x","\ud800"]}}`, -1, KindHTTP, "queryString.b[1]", reason},
		{"HTTP gateway context", `{"httpMethod":"GET","path":"/","requestContext":{"identity":{"secretId":"\udfff"}}}`,
			-1, KindHTTP, "requestContext.identity.secretId", reason},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
	// A surrogate pair is a character, and an escaped backslash no escape.
	ok := `{"httpMethod":"GET","path":"/\ud83d\ude00","headers":{"x-foo":"\\ud800"}}`
	if ev, err := Parse([]byte(ok)); err != nil || ev.HTTP.Path != "/😀" || ev.HTTP.Headers["x-foo"] != `\ud800` {
		t.Errorf("Parse(%s) = %+v, %v", ok, ev, err)
	}
}

// TestParseStrictMembers: events are read with the strictness of every
// other payload (internal/valid): a member given twice or under another
// case, and bytes that are not UTF-8, are refused naming the field, where
// encoding/json would let one of the spellings win or rewrite the bytes.
// A record's fault fails that record; the rest of a payload fails it whole.
func TestParseStrictMembers(t *testing.T) {
	const bucket = `"cosBucket":{"name":"examplebucket","appid":"1250000000","region":"gz"}`
	record := func(object string) string {
		return `{"cos":{` + bucket + `,"cosObject":` + object + `},"event":{"eventName":"cos:ObjectCreated:Put"}}`
	}
	good := record(`{"key":"/1250000000/examplebucket/a.jpg"}`)
	tests := []fieldFault{
		{"COS key twice", `{"Records":[` + good + `,` + record(`{"key":"/1250000000/examplebucket/b.jpg","key":"/1250000000/examplebucket/c.jpg"}`) + `]}`,
			1, KindCOS, "Records[1].cos.cosObject.key", "is given twice in one object"},
		{"COS key under another case", `{"Records":[` + record(`{"key":"/1250000000/examplebucket/b.jpg","KEY":"/1250000000/examplebucket/c.jpg"}`) + `]}`,
			0, KindCOS, "Records[0].cos.cosObject.KEY", `"KEY" matches field "key" only by case`},
		{"COS bucket under another case", `{"Records":[` + strings.Replace(good, `"cosBucket"`, `"CosBucket"`, 1) + `]}`,
			0, KindCOS, "Records[0].cos.CosBucket", "only by case"},
		{"COS meta twice", `{"Records":[` + record(`{"key":"/1250000000/examplebucket/b.jpg","meta":{"ETag":"1","ETag":"2"}}`) + `]}`,
			0, KindCOS, "Records[0].cos.cosObject.meta.ETag", "is given twice"},
		{"COS records twice", `{"Records":[` + good + `],"Records":[` + good + `]}`, -1, KindCOS, "Records", "is given twice"},
		{"COS records under another case", `{"Records":[` + good + `],"records":[]}`, -1, KindCOS, "records", "only by case"},
		{"COS key not UTF-8", "{\"Records\":[" + record("{\"key\":\"/1250000000/examplebucket/b\xff.jpg\"}") + "]}",
			-1, KindCOS, "Records[0].cos.cosObject.key", "COS event: Records[0].cos.cosObject.key: is not valid UTF-8"},
		{"timer continuation twice", `{"Type":"Timer","Time":"2026-11-22T02:00:00Z","CosflowContinuation":1,"CosflowContinuation":2}`, -1, KindTimer, "CosflowContinuation", "is given twice"},
		{"timer Message twice", `{"Type":"Timer","Time":"2026-11-22T02:00:00Z","Message":"a","Message":"b"}`, -1, KindTimer, "Message", "is given twice"},
		{"timer type under another case", `{"Type":"Timer","type":"Cron","Time":"2026-11-22T02:00:00Z"}`, -1, KindTimer, "type", "only by case"},
		{"timer Message not UTF-8", "{\"Type\":\"Timer\",\"Time\":\"2026-11-22T02:00:00Z\",\"Message\":\"\xc3\"}", -1, KindTimer, "Message", "is not valid UTF-8"},
		{"HTTP path twice", `{"httpMethod":"GET","path":"/v1/health","path":"/v1/jobs"}`, -1, KindHTTP, "path", "is given twice"},
		{"HTTP path under another case", `{"httpMethod":"GET","path":"/v1/health","Path":"/v1/jobs"}`, -1, KindHTTP, "Path", "only by case"},
		{"HTTP header twice", `{"httpMethod":"GET","path":"/","headers":{"authorization":"a","authorization":"b"}}`, -1, KindHTTP, "headers.authorization", "is given twice"},
		{"HTTP body not UTF-8", "{\"httpMethod\":\"POST\",\"path\":\"/v1/trigger\",\"body\":\"\xff\"}", -1, KindHTTP, "body", "HTTP event: body: is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}
