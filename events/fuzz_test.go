package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cosflow/cosflow/internal/jsonscan"
)

// addFixtureSeeds adds every testdata fixture to the fuzz corpus.
func addFixtureSeeds(f *testing.F) {
	names, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
}

// FuzzParse feeds arbitrary payloads through detection, decoding and
// resolution: nothing may panic, and whatever Parse accepts must satisfy
// the package's invariants and survive a marshal/parse round trip.
func FuzzParse(f *testing.F) {
	addFixtureSeeds(f)
	for _, s := range []string{
		``, `null`, `[]`, `"Records"`, `{}`, `{"Records":[]}`, `{"Records":[null]}`, `{"Records":[{}]}`,
		`{"Records":[{"cos":{"cosBucket":{"name":"b","appid":"1","region":"gz"},"cosObject":{"key":"/1/b/%zz","url":"http://h/%zz"}}}]}`,
		`{"Records":[{"cos":{"cosBucket":{"name":"b","appid":"1","region":"gz"},"cosObject":{"key":"/1/b//","url":"http://h//"}}}]}`,
		`{"Records":[{"cos":{"cosBucket":{"name":"b","appid":"1","region":"gz"},"cosObject":{"key":"/1/b/a?b#c","url":"http://h/a?b#c"}}}]}`,
		`{"Records":[{"cos":{"cosBucket":{"name":"b","appid":"1","region":"gz"},"cosObject":{"key":"/1/b/\u00ff","url":"://"}}}]}`,
		`{"Type":"Timer"}`, `{"Type":"Timer","Time":"2026-11-22T02:00:00+08:00","type":"x"}`,
		`{"Type":1}`, `{"httpMethod":"GET","path":"/","queryString":{"a":[true,"b"],"c":true}}`,
		`{"httpMethod":"GET","path":"/","isBase64Encoded":true,"body":"%%%"}`,
		`{"httpMethod":"GET","Records":1}`, `{"a":1,` + strings.Repeat(`"k":1,`, 20) + `"z":2}`,
		"{\"\xff\":1}", `{"Records":[{"cos":{"cosObject":{"size":1e400}}}]}`,
		`{"Records":[{"cos":{"cosBucket":{"name":"b","appid":"1","region":"gz"},"cosObject":{"key":"/1/b/\ud800"}}}]}`,
		`{"Type":"Timer","Time":"2026-11-22T02:00:00Z","Message":"\udc00"}`,
		`{"httpMethod":"GET","path":"/\ud83d\ude00","headers":{"a":"\\ud800"},"queryString":{"q":["\ud83d"]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		kind, detectErr := Detect(raw)
		ev, err := Parse(raw)
		if detectErr != nil {
			if err == nil {
				t.Fatalf("Detect failed (%v) but Parse succeeded", detectErr)
			}
		}
		if err != nil {
			if _, ok := err.(*DecodeError); !ok {
				t.Fatalf("error %T is not a *DecodeError: %v", err, err)
			}
			if !utf8.ValidString(err.Error()) && utf8.Valid(raw) {
				t.Fatalf("error message is not valid UTF-8: %q", err.Error())
			}
			return
		}
		if ev.Kind != kind {
			t.Fatalf("Parse kind %v, Detect kind %v", ev.Kind, kind)
		}
		// A COS record holding a lone surrogate fails alone (checked below);
		// the other payloads fail whole.
		if off := jsonscan.LoneSurrogate(raw); off >= 0 && ev.Kind != KindCOS {
			t.Fatalf("%v payload with a lone surrogate at %d accepted", ev.Kind, off)
		}
		var out []byte
		switch ev.Kind {
		case KindCOS:
			if ev.COS == nil || ev.Timer != nil || ev.HTTP != nil || len(ev.COS.Records) == 0 {
				t.Fatalf("bad COS event: %+v", ev)
			}
			for i := range ev.COS.Records {
				rec := &ev.COS.Records[i]
				o := rec.Object
				if rec.Err != nil {
					var de *DecodeError
					at := fmt.Sprintf("Records[%d]", i)
					if !errors.As(rec.Err, &de) || de.Field != at && !strings.HasPrefix(de.Field, at+".") || o != (ObjectRef{}) {
						t.Fatalf("Records[%d] failed badly: Err %v (%T), Object %+v", i, rec.Err, rec.Err, o)
					}
					continue
				}
				b := rec.COS.Bucket
				if o.Key == "" || rec.COS.Object.Key != "/"+b.AppID+"/"+b.Name+"/"+o.Key || o.URLKey == o.Key ||
					!strings.Contains(o.Region, "-") || !strings.HasSuffix(o.Bucket, "-"+b.AppID) {
					t.Fatalf("Records[%d] resolved to an invalid object: %+v", i, o)
				}
				if again, err := rec.Resolve(); err != nil || again != o {
					t.Fatalf("Records[%d].Resolve() = %+v, %v; decode gave %+v", i, again, err, o)
				}
			}
			out, err = json.Marshal(ev.COS)
		case KindTimer:
			if ev.Timer == nil || ev.COS != nil || ev.HTTP != nil || ev.Timer.Type != "Timer" || ev.Timer.Time == "" {
				t.Fatalf("bad timer event: %+v", ev)
			}
			out, err = json.Marshal(ev.Timer)
		case KindHTTP:
			if ev.HTTP == nil || ev.COS != nil || ev.Timer != nil || ev.HTTP.HTTPMethod == "" || ev.HTTP.Path == "" {
				t.Fatalf("bad HTTP event: %+v", ev)
			}
			_ = ev.HTTP.Query()
			_ = ev.HTTP.Header()
			_ = ev.HTTP.RemoteIP()
			_, _ = ev.HTTP.BodyBytes()
			out, err = json.Marshal(ev.HTTP)
		default:
			t.Fatalf("Parse succeeded with kind %v", ev.Kind)
		}
		if err != nil {
			t.Fatalf("marshal accepted event: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parse of marshalled event failed: %v\n%s", err, out)
		}
		// Compare on the wire (an empty map and nil marshal alike) plus
		// the derived fields, which the wire does not carry.
		var out2 []byte
		switch again.Kind {
		case KindCOS:
			for i := range ev.COS.Records {
				if ev.COS.Records[i].Err != nil {
					continue // a record that failed to decode marshals only in part
				}
				if again.COS.Records[i].Object != ev.COS.Records[i].Object {
					t.Fatalf("re-parse changed Records[%d].Object: %+v -> %+v", i, ev.COS.Records[i].Object, again.COS.Records[i].Object)
				}
			}
			out2, err = json.Marshal(again.COS)
		case KindTimer:
			if !again.Timer.ScheduledAt.Equal(ev.Timer.ScheduledAt) {
				t.Fatalf("re-parse changed ScheduledAt")
			}
			out2, err = json.Marshal(again.Timer)
		case KindHTTP:
			out2, err = json.Marshal(again.HTTP)
		default:
			t.Fatalf("re-parse changed kind %v -> %v", ev.Kind, again.Kind)
		}
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("marshal is not a fixed point (%v):\nfirst  %s\nsecond %s", err, out, out2)
		}
	})
}

// FuzzQueryValues checks QueryValues never panics and that whatever it
// accepts survives a marshal/unmarshal round trip.
func FuzzQueryValues(f *testing.F) {
	for _, s := range []string{
		`"1"`, `""`, `true`, `false`, `null`, `[]`, `["x","y"]`, `[true]`, `[""]`, `["a",true,""]`,
		`1`, `{}`, `[null]`, `[[]]`, ` "x" `, `"\u00ff\ud800"`, `[`, `"`, "\"\xff\"",
	} {
		f.Add([]byte(s))
	}
	addFixtureSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var q QueryValues
		if err := json.Unmarshal(raw, &q); err != nil {
			return
		}
		out, err := json.Marshal(q)
		if err != nil {
			t.Fatalf("marshal %#v: %v", q, err)
		}
		var back QueryValues
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("unmarshal own output %s: %v", out, err)
		}
		if !reflect.DeepEqual(q, back) {
			t.Fatalf("round trip changed %#v to %#v via %s", q, back, out)
		}
	})
}
