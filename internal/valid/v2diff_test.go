//go:build goexperiment.jsonv2

package valid

import (
	jsonv2 "encoding/json/v2"
	"testing"

	"github.com/cosflow/cosflow/internal/jsonscan"
)

// FuzzDecodeAgainstV2 compares Decode with encoding/json/v2, whose default
// is the strictness Decode adds by hand (exact names, no duplicate names,
// valid UTF-8 with no lone surrogates): on payloads within MaxDepth, both
// accept or both refuse. Run it with GOEXPERIMENT=jsonv2; v2 is not in the
// default build, so Decode cannot simply use it yet.
func FuzzDecodeAgainstV2(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if jsonscan.Depth(data) > MaxDepth {
			return
		}
		var strict, v2 payload
		errStrict := Decode(data, &strict)
		errV2 := jsonv2.Unmarshal(data, &v2, jsonv2.RejectUnknownMembers(true))
		if (errStrict == nil) != (errV2 == nil) {
			t.Fatalf("on %q:\nDecode:  %v\njson/v2: %v", data, errStrict, errV2)
		}
	})
}
