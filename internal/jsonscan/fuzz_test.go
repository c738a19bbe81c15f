package jsonscan

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"testing"
)

// seeds are shared by the fuzz targets; testdata/fuzz holds more.
var seeds = []string{
	``, `"`, `\`, `"\`, `"\u`, `"\ud800`, `"\ud800"`, `"\ud800\udc00"`, `"\udc00\ud800"`,
	`{"a\ud800":"\udfff"}`, `["\\ud800","\\\ud800"]`, `{"k":["\"","\ud83d\ude00","\ud83d"]}`,
	`{"Records":[{"cos":{"cosObject":{"key":"/1/b/\ud800"}}}]}`, `[1,{"a":[{"b":"\uDBFF\uDFFF"}]}]`,
	`{"a":1,"a":"\ud800"}`, `{"":{"":[""]}}`, "\"\xff\\ud800\"", `"\u00e9\ufffd"`,
}

// unitRE matches one unit of a JSON string's contents, leftmost first: a
// \u escape (hex captured), any other escape, or one character.
var unitRE = regexp.MustCompile(`\\u([0-9a-fA-F]{4})|\\.|[^\\]`)

// stringTokens calls visit with the byte span of every string token of
// data (key or value, quotes included), in document order, as
// encoding/json's own tokenizer finds them.
func stringTokens(data []byte, visit func(start, end int) bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		start := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return
		}
		if _, ok := tok.(string); !ok {
			continue
		}
		end := int(dec.InputOffset())
		// The span holds what came between the tokens (space, ',', ':') too.
		if !visit(start+bytes.IndexByte(data[start:end], '"'), end) {
			return
		}
	}
}

// slowLoneSurrogate is the reference for LoneSurrogate: encoding/json finds
// the strings, a regular expression splits each into escapes and
// characters, and the surrogate ranges are spelled out by number.
func slowLoneSurrogate(data []byte) int {
	found := -1
	stringTokens(data, func(start, end int) bool {
		body := data[start+1 : end-1]
		type unit struct {
			r  int64 // the escaped code unit, -1 for anything else
			at int
		}
		var units []unit
		for _, m := range unitRE.FindAllSubmatchIndex(body, -1) {
			u := unit{r: -1, at: start + 1 + m[0]}
			if m[2] >= 0 {
				u.r, _ = strconv.ParseInt(string(body[m[2]:m[3]]), 16, 32)
			}
			units = append(units, u)
		}
		high := func(r int64) bool { return r >= 0xD800 && r <= 0xDBFF }
		low := func(r int64) bool { return r >= 0xDC00 && r <= 0xDFFF }
		for i := 0; i < len(units); i++ {
			switch r := units[i].r; {
			case high(r) && i+1 < len(units) && low(units[i+1].r):
				i++
			case high(r) || low(r):
				found = units[i].at
				return false
			}
		}
		return true
	})
	return found
}

// FuzzLoneSurrogate checks LoneSurrogate against slowLoneSurrogate on
// well-formed JSON, and on any input that it never panics and only ever
// points at a surrogate escape.
func FuzzLoneSurrogate(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := LoneSurrogate(data)
		if got != -1 {
			r, ok := escapedUnit(data[got:])
			if !ok || r < 0xD800 || r > 0xDFFF {
				t.Fatalf("LoneSurrogate = %d, which is not a surrogate escape: %q", got, data[got:])
			}
		}
		if !json.Valid(data) {
			return
		}
		if want := slowLoneSurrogate(data); got != want {
			t.Fatalf("LoneSurrogate(%q) = %d, reference says %d", data, got, want)
		}
	})
}

// marker replaces one string of a document in FuzzPathAt; it is unlikely
// in fuzz input, and inputs holding it are skipped.
const marker = "\x00cosflow-marker\x00"

// FuzzPathAt checks PathAt on every string of a well-formed document against
// an oracle: replace that string with a marker, decode the document with
// encoding/json into any and look for the marker. Strings whose marker is
// lost (a later duplicate key overrides it) are skipped.
func FuzzPathAt(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	quoted, _ := json.Marshal(marker)
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) || bytes.Contains(data, []byte("cosflow-marker")) {
			return
		}
		n := 0
		stringTokens(data, func(start, end int) bool {
			n++
			doc := append(append(append([]byte(nil), data[:start]...), quoted...), data[end:]...)
			var v any
			if err := json.Unmarshal(doc, &v); err != nil {
				t.Fatalf("marked document does not decode: %v\n%s", err, doc)
			}
			want, isKey, ok := findMarker(v, "")
			if !ok {
				return n < 50
			}
			if isKey {
				want = JoinKey(want, string(data[start+1:end-1]))
			}
			for _, off := range []int{start, start + (end-start)/2, end - 1} {
				if got := PathAt(data, off); got != want {
					t.Fatalf("PathAt(%q, %d) = %q, want %q", data, off, got, want)
				}
			}
			return n < 50 // bound the work per input
		})
	})
}

// findMarker returns the path of the marker in v (a decoded document): for
// a key, the path of its object.
func findMarker(v any, path string) (at string, isKey, ok bool) {
	switch v := v.(type) {
	case string:
		return path, false, v == marker
	case []any:
		for i, e := range v {
			if at, isKey, ok := findMarker(e, JoinIndex(path, i)); ok {
				return at, isKey, true
			}
		}
	case map[string]any:
		for k, e := range v {
			if k == marker {
				return path, true, true
			}
			if at, isKey, ok := findMarker(e, JoinKey(path, k)); ok {
				return at, isKey, true
			}
		}
	}
	return "", false, false
}

// FuzzDepth checks Depth against the nesting encoding/json's tokenizer sees.
func FuzzDepth(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := Depth(data)
		if !json.Valid(data) {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		depth, want := 0, 0
		for {
			tok, err := dec.Token()
			if err != nil {
				break
			}
			switch tok {
			case json.Delim('{'), json.Delim('['):
				depth++
				want = max(want, depth)
			case json.Delim('}'), json.Delim(']'):
				depth--
			}
		}
		if got != want {
			t.Fatalf("Depth(%q) = %d, tokenizer says %d", data, got, want)
		}
	})
}
