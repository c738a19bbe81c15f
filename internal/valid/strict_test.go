package valid

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// anyReason in a TestWalk case accepts any reason for the fault.
const anyReason = "*"

func TestWalk(t *testing.T) {
	type inner struct {
		A string            `json:"a"`
		M map[string]inner  `json:"m"`
		L []inner           `json:"l"`
		R *inner            `json:"r,omitempty"`
		X any               `json:"x"`
		S map[string]string `json:"s"`
		N int               `json:"n,omitempty"`
		Q int               `json:"q,string,omitempty"`
		B []byte            `json:"b,omitempty"`
		O *opaque           `json:"o,omitempty"`
		T time.Time         `json:"t,omitzero"`
	}
	type Embedded struct {
		E    string `json:"e"`
		Name string `json:"name"` // hidden by outer.Name
	}
	type Deeper struct {
		D string
	}
	type Tagged struct {
		Deeper
	}
	type outer struct {
		Embedded
		*Tagged
		Name  string `json:"name"`
		Inner inner  `json:"inner"`
		Skip  string `json:"-"`
		Plain string // no tag: its JSON name is "Plain"
	}
	tests := []struct {
		name, data  string
		field, want string // want "" for no fault, anyReason for a fault with any reason
	}{
		{"ok", `{"name":"n","e":"x","D":"d","Plain":"p","inner":{"a":"x","x":{"any":[1,{"k":null}]},"q":"5","b":"AAE=","o":"s"}}`, "", ""},
		{"null everywhere", `{"inner":{"r":null,"l":null,"m":null,"x":null,"o":null,"n":null}}`, "", ""},
		{"unknown", `{"nope":1}`, "nope", reasonUnknownField},
		{"case only", `{"NAME":"n"}`, "NAME", `"NAME" matches field "name" only by case; field names are case-sensitive`},
		{"case only, untagged field", `{"plain":"p"}`, "plain", `"plain" matches field "Plain" only by case; field names are case-sensitive`},
		{"case only, promoted field", `{"d":"x"}`, "d", `"d" matches field "D" only by case; field names are case-sensitive`},
		{"case only after a good twin", `{"name":"a","Name":"b"}`, "Name", `"Name" matches field "name" only by case; field names are case-sensitive`},
		{"duplicate", `{"name":"a","e":"x","name":"b"}`, "name", "is given twice in one object"},
		{"duplicate in a map", `{"inner":{"s":{"k":"1","K":"2","k":"3"}}}`, "inner.s.k", "is given twice in one object"},
		{"duplicate in any", `{"inner":{"x":[{"k":1,"k":2}]}}`, "inner.x[0].k", "is given twice in one object"},
		{"duplicate in an array element", `{"inner":{"l":[{"a":"1"},{"a":"1","a":"2"}]}}`, "inner.l[1].a", "is given twice in one object"},
		{"map keys are free-form", `{"inner":{"s":{"free":"x","FREE":"y"}}}`, "", ""},
		{"ignored field", `{"Skip":"x"}`, "Skip", reasonUnknownField},
		{"nested unknown", `{"inner":{"a":"x","zz":1}}`, "inner.zz", reasonUnknownField},
		{"through a pointer", `{"inner":{"x":{"anything":[1]},"r":{"Q":"1"}}}`, "inner.r.Q", `"Q" matches field "q" only by case; field names are case-sensitive`},
		{"through a map", `{"inner":{"m":{"k":{"a":"1","z":2}}}}`, "inner.m.k.z", reasonUnknownField},
		{"through a slice", `{"inner":{"l":[{"a":"1"},{"y":[]}]}}`, "inner.l[1].y", reasonUnknownField},
		{"late unknown", `{"inner":{"s":{"free":"x"}}, "late":1}`, "late", reasonUnknownField},
		{"opaque type skipped", `{"inner":{"t":"2026-01-01T00:00:00Z"}}`, "", ""},
		{"type error", `{"inner":{"n":"5"}}`, "inner.n", "must be an integer, not string"},
		{"type error in an element", `{"inner":{"l":[{},{"a":5}]}}`, "inner.l[1].a", "must be a string, not number"},
		{"object for a string", `{"name":{}}`, "name", "must be a string, not object"},
		{"string for an object", `{"inner":"not an object","zz":1}`, "inner", "must be an object, not string"},
		{"array for an object", `{"inner":[]}`, "inner", "must be an object, not array"},
		{"object for an array", `{"inner":{"l":{}}}`, "inner.l", "must be an array, not object"},
		{"number for an array", `{"inner":{"l":1}}`, "inner.l", "must be an array, not number"},
		{"bool for a map", `{"inner":{"m":true}}`, "inner.m", "must be an object, not bool"},
		{"bad base64", `{"inner":{"b":"%%"}}`, "inner.b", anyReason}, // worded differently under GOEXPERIMENT=jsonv2
		{"own decoder fails", `{"inner":{"l":[{"o":"s"},{"o":1}]}}`, "inner.l[1].o", "opaque: expected a JSON string"},
		{"own decoder of a standard type fails", `{"inner":{"t":"yesterday"}}`, "inner.t", "cannot parse"},
		{",string left to the decoder", `{"inner":{"q":"x"}}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !json.Valid([]byte(tt.data)) {
				t.Fatalf("test data is not JSON: %s", tt.data)
			}
			fe := walk([]byte(tt.data), reflect.TypeFor[*outer]())
			var got FieldError
			if fe != nil {
				got = *fe
			}
			if got.Field != tt.field || tt.want == "" && fe != nil || tt.want != "" && (fe == nil || tt.want != anyReason && !strings.Contains(got.Reason, tt.want)) {
				t.Errorf("walk = %+v, want field %q, reason %q", fe, tt.field, tt.want)
			}
		})
	}
}

func TestJSONFields(t *testing.T) {
	type A struct {
		X string
		Y string
	}
	type B struct {
		X string
		Z string `json:"z"`
	}
	type C struct {
		Y string `json:"Y"`
	}
	type both struct {
		A
		B
		C
		W string `json:"w,omitempty"`
		u string
	}
	got := jsonFields(reflect.TypeFor[both]())
	// X is ambiguous (untagged in A and B at one depth): dropped, as
	// encoding/json does; Y is tagged in C only: C's wins.
	if want := []string{"Y", "w", "z"}; !reflect.DeepEqual(got.names, want) {
		t.Errorf("names = %v, want %v", got.names, want)
	}
	var v both
	if err := json.Unmarshal([]byte(`{"X":"1","Y":"2","z":"3","w":"4"}`), &v); err != nil || v.A.X != "" || v.B.X != "" || v.C.Y != "2" || v.A.Y != "" {
		t.Errorf("encoding/json disagrees: %+v, %v", v, err)
	}
	_ = v.u
}

// TestCheckMembers: the member rules without the rest, for payloads
// another system writes: unknown members pass (their own members are
// still checked), values are the decoder's.
func TestCheckMembers(t *testing.T) {
	type leaf struct {
		Key  string            `json:"key"`
		Size int64             `json:"size"`
		Meta map[string]string `json:"meta"`
	}
	type event struct {
		Records []leaf `json:"Records"`
		Type    string `json:"Type"`
	}
	tests := []struct {
		name, data string
		field      string // "" for no fault
		reason     string
	}{
		{"ok", `{"Records":[{"key":"a","size":1,"meta":{"ETag":"x","etag":"y"}}],"Type":"x"}`, "", ""},
		{"unknown members pass", `{"Records":[{"key":"a","vid":"","extra":{"deep":[1,{"k":2}]}}],"more":true}`, "", ""},
		{"type errors are the decoder's", `{"Records":[{"key":1,"size":"1","meta":[]}],"Type":{}}`, "", ""},
		{"records of the wrong type", `{"Records":{"key":"a","key":"b"}}`, "Records.key", "is given twice in one object"},
		{"duplicate", `{"Records":[{"key":"a","key":"b"}]}`, "Records[0].key", "is given twice in one object"},
		{"duplicate at the top", `{"Records":[],"Type":"Timer","Type":"x"}`, "Type", "is given twice in one object"},
		{"case variant", `{"Records":[{"key":"a","KEY":"b"}]}`, "Records[0].KEY", `"KEY" matches field "key" only by case`},
		{"case variant at the top", `{"records":[]}`, "records", `"records" matches field "Records" only by case`},
		{"duplicate in a map", `{"Records":[{"meta":{"a":"1","a":"2"}}]}`, "Records[0].meta.a", "is given twice in one object"},
		{"duplicate in an unknown member", `{"Records":[{"extra":{"k":1,"k":2}}]}`, "Records[0].extra.k", "is given twice in one object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckMembers([]byte(tt.data), &event{})
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("CheckMembers = %v, want nil", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(fe.Reason, tt.reason)):
				t.Errorf("CheckMembers = %v, want field %q, reason %q", err, tt.field, tt.reason)
			}
		})
	}
}
