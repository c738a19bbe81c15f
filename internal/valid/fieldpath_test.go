package valid

import (
	"reflect"
	"testing"
)

func TestUnknownFieldPath(t *testing.T) {
	type inner struct {
		A string            `json:"a"`
		M map[string]inner  `json:"m"`
		L []inner           `json:"l"`
		R *inner            `json:"r,omitempty"`
		X any               `json:"x"`
		S map[string]string `json:"s"`
	}
	type Embedded struct {
		E string `json:"e"`
	}
	type outer struct {
		Embedded
		Name  string `json:"name"`
		Inner inner  `json:"inner"`
		Skip  string `json:"-"`
	}
	tests := []struct{ data, want string }{
		{`{"name":"n"}`, ""},
		{`{"nope":1}`, "nope"},
		{`{"NAME":"n","e":"x"}`, ""}, // case-insensitive and embedded, as encoding/json
		{`{"Skip":"x"}`, "Skip"},
		{`{"inner":{"a":"x","b":1}}`, "inner.b"},
		{`{"inner":{"x":{"anything":[1]},"r":{"q":1}}}`, "inner.r.q"},
		{`{"inner":{"m":{"k":{"a":"1","z":2}}}}`, "inner.m.k.z"},
		{`{"inner":{"l":[{"a":"1"},{"y":[]}]}}`, "inner.l.y"},
		{`{"inner":{"s":{"free":"x"}}, "late":1}`, "late"},
		{`{"inner":"not an object","zz":1}`, "zz"}, // the type error is not ours to report
		{`{"inner":{"a":`, ""},
	}
	for _, tt := range tests {
		if got := faultPath([]byte(tt.data), reflect.TypeFor[*outer](), unknownKey); got != tt.want {
			t.Errorf("faultPath(%s) = %q, want %q", tt.data, got, tt.want)
		}
	}
}
