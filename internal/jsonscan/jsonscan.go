// Package jsonscan answers questions about raw JSON bytes that
// encoding/json hides once it has decoded them: whether a string holds an
// escaped lone UTF-16 surrogate (which encoding/json silently turns into
// U+FFFD, so a client can name a key or object that does not exist) or
// where its first byte that is not UTF-8 stands (the same rewrite), how
// deeply a document nests, and the JSON path of the string at a byte offset,
// so callers can name the field at fault.
//
// Paths are spelled as cosflow spells them everywhere: object keys joined
// with ".", array elements as "[i]", e.g. "Records[1].cos.cosObject.key";
// "" is the whole document.
package jsonscan

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// LoneSurrogate returns the byte offset of the backslash of the first
// "\uXXXX" escape inside a JSON string of raw (key or value) that encodes a
// UTF-16 surrogate not part of a high+low pair, or -1 when there is none.
// A high surrogate counts as paired only when a low surrogate escape follows
// it immediately, which is the only way JSON can spell a character outside
// the Basic Multilingual Plane.
//
// raw is scanned as bytes, one pass, without decoding: string boundaries
// and every escape (including "\\" and "\"") are honoured, so text that only
// looks like an escape is not mistaken for one. raw should be well-formed
// JSON (check it first); on malformed input the result is still an offset
// of a surrogate escape inside what the scan took for a string, or -1.
func LoneSurrogate(raw []byte) (offset int) {
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !inString {
			inString = c == '"'
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			r, ok := escapedUnit(raw[i:])
			if !ok {
				i++ // a one-character escape such as \\ or \": skip the character
				continue
			}
			if !utf16.IsSurrogate(r) {
				i += 5
				continue
			}
			if r2, ok := escapedUnit(raw[i+6:]); ok && utf16.DecodeRune(r, r2) != unicode.ReplacementChar {
				i += 11 // a valid pair
				continue
			}
			return i
		}
	}
	return -1
}

// LoneSurrogateError is an escaped lone surrogate found in raw JSON, so
// every caller refuses it in the same words.
type LoneSurrogateError struct {
	// Path is the JSON path of the string holding it (see PathAt).
	Path string
	// Escape is the escape as written, e.g. `\ud800`.
	Escape string
}

// Reason says what is wrong without the path, for callers that report the
// path in a field of their own.
func (e *LoneSurrogateError) Reason() string {
	return "holds an escaped lone surrogate (" + e.Escape + "), which is not a character"
}

// Error is Reason under the path: "a.b: holds an escaped lone surrogate ...".
func (e *LoneSurrogateError) Error() string {
	if e.Path == "" {
		return e.Reason()
	}
	return e.Path + ": " + e.Reason()
}

// FindLoneSurrogate returns the first escaped lone surrogate of raw (see
// LoneSurrogate) with the path of the string holding it; nil when none.
func FindLoneSurrogate(raw []byte) *LoneSurrogateError {
	off := LoneSurrogate(raw)
	if off < 0 {
		return nil
	}
	return &LoneSurrogateError{Path: PathAt(raw, off), Escape: string(raw[off : off+6])}
}

// InvalidUTF8 returns the byte offset of the first byte of raw that is no
// part of valid UTF-8, or -1 when raw is valid UTF-8. encoding/json would
// decode such bytes as U+FFFD; PathAt names the string holding them.
func InvalidUTF8(raw []byte) int {
	if utf8.Valid(raw) {
		return -1
	}
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1 // not reached: utf8.Valid said otherwise
}

// escapedUnit decodes the UTF-16 code unit of a "\uXXXX" escape at the start
// of b; ok is false when b does not start with one.
func escapedUnit(b []byte) (r rune, ok bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	var u [2]byte
	if _, err := hex.Decode(u[:], b[2:6]); err != nil {
		return 0, false
	}
	return rune(u[0])<<8 | rune(u[1]), true
}

// Depth returns the deepest nesting of objects and arrays in raw (0 for a
// scalar), scanning the bytes once without building anything, so a caller
// can refuse a hostile document before decoding spends stack and time on it.
// Brackets inside strings do not count.
func Depth(raw []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// JoinKey returns the path of member key of the object at path.
func JoinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// JoinIndex returns the path of element i of the array at path.
func JoinIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// Join puts sub, a path relative to the value at path ("b", "[2].c" or ""
// for the value itself), under path: how a caller that validated a part
// names the whole's field.
func Join(path, sub string) string {
	switch {
	case sub == "":
		return path
	case path == "":
		return sub
	case sub[0] == '[':
		return path + sub
	}
	return path + "." + sub
}

// frame is an object or array being walked by PathAt.
type frame struct {
	path    string
	object  bool
	key     string // the member being read (objects)
	needKey bool   // the next token is a key (objects)
	index   int    // the element being read (arrays)
}

// PathAt returns the JSON path of the string in raw (a key or a value) that
// holds byte offset, such as an offset from LoneSurrogate; "" when offset
// falls outside every string or raw is malformed before it.
//
// A key holding offset is the last segment of its path, spelled as written
// between its quotes (escapes kept): its decoded form may not be what the
// sender wrote, which is usually why the caller asks. Every other segment is
// the decoded key.
func PathAt(raw []byte, offset int) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var stack []frame
	// member is the path of the value about to be read.
	member := func() string {
		if len(stack) == 0 {
			return ""
		}
		top := &stack[len(stack)-1]
		if top.object {
			return JoinKey(top.path, top.key)
		}
		return JoinIndex(top.path, top.index)
	}
	// done records that the value just read is complete.
	done := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.object {
			top.needKey = true
		} else {
			top.index++
		}
	}
	for {
		start := int(dec.InputOffset())
		if start > offset {
			return "" // offset was in no string read so far
		}
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		end := int(dec.InputOffset())
		s, isString := tok.(string)
		// A token's span starts after the previous token, so it may begin
		// with whitespace, ',' or ':'; a string holds only from its quote.
		quote := start + bytes.IndexByte(raw[start:end], '"')
		holds := isString && quote <= offset && offset < end
		if isString && len(stack) > 0 && stack[len(stack)-1].needKey {
			top := &stack[len(stack)-1]
			if holds {
				return JoinKey(top.path, string(raw[quote+1:end-1]))
			}
			top.key, top.needKey = s, false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			object := tok == json.Delim('{')
			stack = append(stack, frame{path: member(), object: object, needKey: object})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			done()
		default:
			if holds {
				return member()
			}
			done()
		}
	}
}
