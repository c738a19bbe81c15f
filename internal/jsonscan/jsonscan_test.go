package jsonscan

import (
	"strings"
	"testing"
)

func TestLoneSurrogate(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want int
	}{
		{"none", `{"a":"b","c":[1,true,null]}`, -1},
		{"scalar", `"\ud800"`, 1},
		{"lone high", `{"object":"\ud800"}`, 11},
		{"lone low", `{"object":"a\udc00"}`, 12},
		{"upper-case hex", `["\uD800"]`, 2},
		{"pair", `"\ud83d\ude00"`, -1},
		{"pair upper-case", `"\uD83D\uDE00"`, -1},
		{"high then other escape", `"\ud800\u0041"`, 1},
		{"high then high then low", `"\ud800\ud800\udc00"`, 1},
		{"pair then lone low", `"\ud800\udc00\udc00"`, 13},
		{"low then high", `"\udc00\ud800"`, 1},
		{"high then raw low text", `"\ud800udc00"`, 1},
		{"high at end", `"x\ud800"`, 2},
		{"in a key", `{"a\udfff":1}`, 3},
		{"escaped backslash hides it", `"\\ud800"`, -1},
		{"escaped quote keeps the string open", `"\"\ud800"`, 3},
		{"escaped backslash then real escape", `"\\\ud800"`, 3},
		{"outside strings", `[1] \ud800`, -1},
		{"non-surrogate escapes", `"\u0041\ufffd\u00e9\n\t\/"`, -1},
		{"raw U+FFFD is not an escape", "\"\uFFFD\"", -1},
		{"second string", `["\u0041","\udbff"]`, 11},
		{"truncated escape", `"\ud8`, -1},
		{"bad hex", `"\ud8zz"`, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LoneSurrogate([]byte(tt.raw)); got != tt.want {
				t.Errorf("LoneSurrogate(%s) = %d, want %d", tt.raw, got, tt.want)
			}
		})
	}
}

func TestPathAt(t *testing.T) {
	const doc = `{"Records":[{"cos":{"key":"a"}},{"cos":{"key":"\ud800","url":"u"}}],` +
		`"headers":{"x-foo":"v"},"q":{"a":["x","y"]},"k\udc00":1,"n":2,"": "e"}`
	at := func(s string) int { return strings.Index(doc, s) }
	tests := []struct {
		name   string
		offset int
		want   string
	}{
		{"value in a record", at(`\ud800`), "Records[1].cos.key"},
		{"its opening quote", at(`\ud800`) - 1, "Records[1].cos.key"},
		{"first record", at(`"a"`) + 1, "Records[0].cos.key"},
		{"after the records", at(`"u"`) + 1, "Records[1].cos.url"},
		{"a key names itself, as written", at(`\udc00`), `k\udc00`},
		{"a plain key", at(`x-foo`), "headers.x-foo"},
		{"array element", at(`"y"`), "q.a[1]"},
		{"empty key", at(`"e"`), ""},
		{"a number", at(`2}`), ""},
		{"a colon", at(`:"v"`), ""},
		{"a comma", at(`,"url"`), ""},
		{"past the end", len(doc) + 5, ""},
		{"negative", -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PathAt([]byte(doc), tt.offset); got != tt.want {
				t.Errorf("PathAt(%d) = %q, want %q", tt.offset, got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		raw    string
		offset int
		want   string
	}{
		{`"\ud800"`, 0, ""},
		{`["a",["b"]]`, 7, "[1][0]"},
		{`{"a":{"b":"c"}}`, 10, "a.b"},
		{`{"a":"b"`, 5, "a"}, // malformed after the offset: the path is known
		{`{"a" "b"}`, 6, ""}, // malformed before it
	} {
		if got := PathAt([]byte(tt.raw), tt.offset); got != tt.want {
			t.Errorf("PathAt(%s, %d) = %q, want %q", tt.raw, tt.offset, got, tt.want)
		}
	}
}

func TestDepth(t *testing.T) {
	tests := []struct {
		raw  string
		want int
	}{
		{`1`, 0},
		{`{}`, 1},
		{`[[],{"a":[1]}]`, 3},
		{`{"a":"[[[[{{{"}`, 1},
		{`{"a":"\"[[["}`, 1},
		{`["\\",[]]`, 2},
		{strings.Repeat("[", 40) + strings.Repeat("]", 40), 40},
	}
	for _, tt := range tests {
		if got := Depth([]byte(tt.raw)); got != tt.want {
			t.Errorf("Depth(%.30s) = %d, want %d", tt.raw, got, tt.want)
		}
	}
}

func TestJoin(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{JoinKey("", "a"), "a"},
		{JoinKey("a", "b"), "a.b"},
		{JoinIndex("", 2), "[2]"},
		{JoinKey(JoinIndex("Records", 1), "cos"), "Records[1].cos"},
		{Join("", ""), ""},
		{Join("a", ""), "a"},
		{Join("", "[1].b"), "[1].b"},
		{Join("a", "[1].b"), "a[1].b"},
		{Join("a", "b[1]"), "a.b[1]"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestFindLoneSurrogate(t *testing.T) {
	tests := []struct {
		raw, wantErr string // wantErr "" for none
	}{
		{`{"a":["\u0041","\ud83d\ude00"]}`, ""},
		{`{"a":["x",{"object":"\uD800"}]}`, `a[1].object: holds an escaped lone surrogate (\uD800), which is not a character`},
		{`"\udc00"`, `holds an escaped lone surrogate (\udc00), which is not a character`},
	}
	for _, tt := range tests {
		e := FindLoneSurrogate([]byte(tt.raw))
		switch {
		case tt.wantErr == "" && e != nil:
			t.Errorf("FindLoneSurrogate(%s) = %v, want nil", tt.raw, e)
		case tt.wantErr != "" && (e == nil || e.Error() != tt.wantErr):
			t.Errorf("FindLoneSurrogate(%s) = %v, want %s", tt.raw, e, tt.wantErr)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	tests := []struct {
		raw  string
		want int
		path string
	}{
		{`{"a":"é"}`, -1, ""},
		{"{\"a\":\"x\xff\"}", 7, "a"},
		{"{\"a\":{\"b\xc3\":1}}", 8, "a.b\xc3"},
		{"[\"ok\",\"\xe2\x82\"]", 7, "[1]"},
	}
	for _, tt := range tests {
		got := InvalidUTF8([]byte(tt.raw))
		if got != tt.want {
			t.Errorf("InvalidUTF8(%q) = %d, want %d", tt.raw, got, tt.want)
			continue
		}
		if got >= 0 {
			if p := PathAt([]byte(tt.raw), got); p != tt.path {
				t.Errorf("PathAt(%q, %d) = %q, want %q", tt.raw, got, p, tt.path)
			}
		}
	}
}
