package valid

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/cosflow/cosflow/internal/jsonscan"
)

// decodeSeeds are payloads on the edges Decode guards; the fuzz targets
// start from them.
var decodeSeeds = []string{
	``, `{}`, `null`, `[]`, `{"name":"x","size":3,"type":"Job"}`,
	`{"name":"x","NAME":"y"}`, `{"name":"x","name":"y"}`, `{"Name":"x"}`,
	`{"name":"\ud800"}`, `{"name":"\ud83d\ude00"}`, `{"na\udc00me":1}`, `{"name":"\\ud800"}`,
	`{"operation":{"workflowIds":"w","jobParam":"p"},"items":[{"name":"a"},{"name":"b","name":"c"}]}`,
	`{"items":[{"name":1}]}`, `{"operation":{"jobParam":{}}}`, `{"tag":null,"code":"c"}`,
	`{"labels":{"a":"1","A":"2"},"extra":{"k":[1,"x",{"y":null}]}}`, `{"extra":{"k":1,"k":2}}`, `{"name":"x"} }`, `{"name":"x"} {}`, "{\"name\":\"\xff\"}", `{"size":1e400}`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
}

// FuzzDecode checks Decode never panics, fails only with a *FieldError,
// and accepts nothing encoding/json would read differently: what it
// accepts decodes to the same value with plain json.Unmarshal, holds no
// lone surrogate, and survives a marshal/Decode round trip.
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var strict payload
		err := Decode(data, &strict)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode error %T is not a *FieldError: %v", err, err)
			}
			return
		}
		if off := jsonscan.LoneSurrogate(data); off >= 0 {
			t.Fatalf("Decode accepted a lone surrogate at %d: %q", off, data)
		}
		var plain payload
		if err := json.Unmarshal(data, &plain); err != nil {
			t.Fatalf("Decode accepted what json.Unmarshal refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(strict, plain) {
			t.Fatalf("Decode and json.Unmarshal disagree on %q:\n%+v\n%+v", data, strict, plain)
		}
		out, err := json.Marshal(strict)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var again payload
		if err := Decode(out, &again); err != nil {
			t.Fatalf("Decode refuses its own output %s: %v", out, err)
		}
	})
}
