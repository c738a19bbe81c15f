package handler

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/handler/api"
	"github.com/cosflow/cosflow/internal/clip"
)

// TestMalformedPayloads feeds hostile and broken payloads to a fully
// configured handler: each must be refused with an error naming the
// problem, and CI must not be called at all.
func TestMalformedPayloads(t *testing.T) {
	longKey := strings.Repeat("k", 851)
	cosWith := func(from, to string) string {
		return strings.Replace(string(cosEvent(rec{key: "photos/a.jpg", size: 1})), from, to, 1)
	}
	spec := func(extra string) string {
		return `{"name":"n","workflowId":"` + wfA + `"` + extra + `}`
	}
	tests := []struct {
		name    string
		payload string
		want    string // substring of the error the caller sees
	}{
		{"empty", ``, "empty payload"},
		{"not JSON", `{"Records":[`, "malformed JSON"},
		{"array", `[1,2]`, "got an array"},
		{"null", `null`, "got null"},
		{"unknown shape", `{"hello":"world"}`, "unrecognised event"},
		{"ambiguous", `{"Records":[],"httpMethod":"GET"}`, "ambiguous"},
		{"invalid UTF-8 timer", "{\"Type\":\"Timer\",\"Time\":\"" + tick + "\",\"Message\":\"\xff\"}", "UTF-8"},
		{"invalid UTF-8 key", strings.Replace(string(cosEvent(rec{key: "photos/a.jpg", size: 1})), "a.jpg", "a\xff.jpg", 2), "UTF-8"},
		{"COS no records", `{"Records":[]}`, "no records"},
		{"COS records wrong type", `{"Records":"x"}`, "Records"},
		{"COS size wrong type", cosWith(`"size":1`, `"size":"1"`), "size"},
		{"COS key over 850 bytes", string(cosEvent(rec{key: longKey, size: 1})), "850"},
		{"COS key of another bucket", cosWith("/1250000000/examplebucket/", "/1250000000/otherbucket/"), "does not start with"},
		{"COS bad appid", cosWith(`"appid":"1250000000"`, `"appid":"12a"`), "appid"},
		{"COS bad region", cosWith(`"cosRegion":"ap-guangzhou"`, `"cosRegion":"mars-1; rm -rf"`), "cosRegion"},
		{"COS deep JSON", `{"Records":[` + strings.Repeat(`{"a":`, 2000) + `1` + strings.Repeat(`}`, 2000) + `]}`, "Records"},
		{"timer bad time", `{"Type":"Timer","Time":"22/11/2026 02:00","Message":""}`, "RFC 3339"},
		{"timer missing time", `{"Type":"Timer","Message":"` + jsonEscape(spec(`,"prefix":""`)) + `"}`, "Time"},
		{"timer message not JSON", string(timerEvent(tick, `{name:n}`)), "Message: is not valid JSON"},
		{"timer unknown field", string(timerEvent(tick, spec(`,"prefix":"","windows":"1h"`))), "Message.windows: is not a known field"},
		{"timer two inputs", string(timerEvent(tick, spec(`,"prefix":"","object":"a"`))), "exactly one of prefix"},
		{"timer no input", string(timerEvent(tick, spec(``))), "exactly one of prefix"},
		{"timer workflow and tag", string(timerEvent(tick, spec(`,"prefix":"","tag":"Transcode"`))), "Message.tag: is only for Job jobs"},
		{"timer negative window", string(timerEvent(tick, spec(`,"prefix":"","window":"-24h"`))), "Message.window: must be positive"},
		{"timer window too long", string(timerEvent(tick, spec(`,"prefix":"","window":"9000h"`))), "Message.window: must be at most"},
		{"timer window bad unit", string(timerEvent(tick, spec(`,"prefix":"","window":"1 day"`))), "Message.window:"},
		{"timer window on object", string(timerEvent(tick, spec(`,"object":"a.mp4","window":"1h"`))), "Message.window: needs a prefix"},
		{"timer traversal prefix", string(timerEvent(tick, spec(`,"prefix":"a/../../b"`))), `Message.prefix: "a/../../b" has a ".." segment`},
		{"timer injected name", string(timerEvent(tick, `{"name":"x\r\n{\"level\":\"ERROR\"}","prefix":"","workflowId":"`+wfA+`"}`)), "Message.name: must not contain control characters"},
		{"timer injected workflow", string(timerEvent(tick, `{"name":"n","prefix":"","workflowId":"`+wfA+`&object=x"}`)), "Message.workflowId:"},
		{"timer bad bucket", string(timerEvent(tick, spec(`,"prefix":"","bucket":"../other"`))), "Message.bucket:"},
		{"timer tag injection", string(timerEvent(tick, `{"name":"n","prefix":"","tag":"Trans<code>"}`)), "Message.tag:"},
		{"timer empty array", string(timerEvent(tick, `[]`)), "Message: is an empty array: at least one spec is required"},
		{"timer deep message", string(timerEvent(tick, strings.Repeat("[", 40)+strings.Repeat("]", 40))), "nested deeper"},
		{"timer bad jobLevel", string(timerEvent(tick, spec(`,"prefix":"","jobLevel":7`))), "Message.jobLevel: is not 0, 1 or 2"},
		{"timer second spec bad", string(timerEvent(tick, `[`+spec(`,"prefix":"","window":"0s"`)+`]`)), "Message[0].window: must be positive"},
		{"COS key with a lone surrogate", cosWith(`photos/a.jpg`, `photos/a\ud800.jpg`), "Records[0].cos.cosObject.key"},
		{"timer Message with a lone surrogate", `{"Type":"Timer","Time":"` + tick + `","Message":"{\"name\":\"n\udc00\"}"}`, "Message"},
		{"timer spec with an escaped lone surrogate", string(timerEvent(tick, spec(`,"prefix":"a\ud800/"`))), "Message.prefix"},
		{"http body too large", `{"httpMethod":"POST","path":"/v1/trigger","body":"` + strings.Repeat("x", api.MaxBodyBytes+1) + `"}`, "RequestTooLarge"},
		{"http wrong query type", `{"httpMethod":"GET","path":"/v1/jobs","queryString":{"a":{"b":1}}}`, "queryString"},
		{"http header injection", `{"httpMethod":"GET","path":"/v1/jobs\nHost: evil"}`, "control characters"},
	}
	if len(tests) < 25 {
		t.Fatalf("only %d cases", len(tests))
	}
	env := newTestEnv(t, map[string]string{EnvWorkflowID: wfA, EnvBucket: testBucket, EnvRegion: testRegion})
	env.h.http = api.NewSCF(http.NotFoundHandler(), nil) // every HTTP case is refused before it

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := env.ciCalls()
			out, err := env.invoke(t, []byte(tt.payload))
			msg := ""
			switch r := out.(type) {
			case *UploadResult:
				if len(r.Failed) > 0 {
					msg = r.Failed[0].Error
				}
				if len(r.Triggered) > 0 {
					t.Errorf("triggered %+v", r.Triggered)
				}
			case *TimerResult:
				if len(r.Jobs) > 0 {
					msg = r.Jobs[0].Error
				}
			case *events.HTTPResponse:
				if r.StatusCode < 400 {
					t.Errorf("HTTP status %d, want a refusal", r.StatusCode)
				}
				msg = r.Body
			}
			if err != nil {
				msg = err.Error() + " | " + msg
			}
			if msg == "" {
				t.Fatalf("no error reported (result %+v)", out)
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q\n  does not mention %q", clip.String(msg, 300), tt.want)
			}
			if n := env.ciCalls() - before; n != 0 {
				t.Errorf("%d CI calls, want 0", n)
			}
		})
	}
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
