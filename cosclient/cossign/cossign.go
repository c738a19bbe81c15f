// Package cossign implements COS request signing ("q-sign", HMAC-SHA1), as
// used by COS and CI hosts. It both signs outgoing requests (the client) and
// checks incoming ones (the CI emulator), so the two always agree on the
// algorithm and only the keys can make them disagree.
package cossign

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm COS defines.
const Algorithm = "sha1"

// Window is the validity of a signature, in Unix seconds; it becomes both
// q-sign-time and q-key-time.
type Window struct {
	Start, End int64
}

// NewWindow returns a window starting skew before now and lasting ttl: the
// official SDKs start a little in the past to absorb clock skew.
func NewWindow(now time.Time, skew, ttl time.Duration) Window {
	start := now.Add(-skew).Unix()
	return Window{Start: start, End: now.Add(ttl).Unix()}
}

// String formats the window as "<start>;<end>".
func (w Window) String() string {
	return strconv.FormatInt(w.Start, 10) + ";" + strconv.FormatInt(w.End, 10)
}

// Contains reports whether t falls inside the window (inclusive).
func (w Window) Contains(t time.Time) bool {
	s := t.Unix()
	return s >= w.Start && s <= w.End
}

// SignedHeader reports whether a header (lower-case name) is signed by the
// client: content-type, content-length, content-md5, host, and every
// x-cos-* and x-ci-* header.
func SignedHeader(lower string) bool {
	switch lower {
	case "host", "content-type", "content-length", "content-md5":
		return true
	}
	return strings.HasPrefix(lower, "x-cos-") || strings.HasPrefix(lower, "x-ci-")
}

// Authorization computes the Authorization header value for r without
// modifying it. It signs host (taken from r.Host, else r.URL.Host), every
// query parameter and every header SignedHeader selects. r.URL.Path is used
// decoded, as the service does. The session token, if any, must already be
// set as a header.
func Authorization(r *http.Request, secretID, secretKey string, w Window) string {
	// Fixed-size backing arrays keep a typical request's parameter and
	// header lists off the heap; crypto/hmac allocates its hash states,
	// most of what a signature allocates.
	var pbuf, hbuf [16]pair
	params := queryPairs(r.URL.RawQuery, nil, pbuf[:0])
	headers := headerPairs(r, nil, hbuf[:0])
	var kt [48]byte
	keyTime := w.appendTo(kt[:0])
	var sig [2 * sha1.Size]byte
	signature(&sig, secretKey, keyTime, r.Method, r.URL.Path, params, headers)

	n := 120 + len(secretID) + 2*len(keyTime) + len(sig)
	for _, p := range params {
		n += len(p.name) + 1
	}
	for _, p := range headers {
		n += len(p.name) + 1
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString("q-sign-algorithm=sha1&q-ak=")
	b.WriteString(secretID)
	b.WriteString("&q-sign-time=")
	b.Write(keyTime)
	b.WriteString("&q-key-time=")
	b.Write(keyTime)
	b.WriteString("&q-header-list=")
	writeNames(&b, headers)
	b.WriteString("&q-url-param-list=")
	writeNames(&b, params)
	b.WriteString("&q-signature=")
	b.Write(sig[:])
	return b.String()
}

// appendTo appends "<start>;<end>".
func (w Window) appendTo(dst []byte) []byte {
	dst = strconv.AppendInt(dst, w.Start, 10)
	dst = append(dst, ';')
	return strconv.AppendInt(dst, w.End, 10)
}

// Auth is a parsed Authorization header.
type Auth struct {
	Algorithm  string
	SecretID   string
	SignTime   Window
	KeyTime    Window
	HeaderList []string // lower-case, URL-encoded names, as sent
	ParamList  []string // lower-case, URL-encoded names, as sent
	Signature  string
}

// ErrMalformed is returned (wrapped) by Parse for an unreadable header.
var ErrMalformed = errors.New("malformed COS authorization")

// Parse reads an Authorization header value in the q-sign format.
func Parse(s string) (Auth, error) {
	var a Auth
	var seen int
	for s != "" {
		var kv string
		kv, s, _ = strings.Cut(s, "&")
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return Auth{}, fmt.Errorf("%w: %q has no value", ErrMalformed, k)
		}
		var err error
		switch k {
		case "q-sign-algorithm":
			a.Algorithm = v
		case "q-ak":
			a.SecretID = v
		case "q-sign-time":
			a.SignTime, err = parseWindow(v)
		case "q-key-time":
			a.KeyTime, err = parseWindow(v)
		case "q-header-list":
			a.HeaderList = splitList(v)
		case "q-url-param-list":
			a.ParamList = splitList(v)
		case "q-signature":
			a.Signature = v
		default:
			continue
		}
		if err != nil {
			return Auth{}, fmt.Errorf("%w: %s: %v", ErrMalformed, k, err)
		}
		seen++
	}
	switch {
	case a.Algorithm != Algorithm:
		return Auth{}, fmt.Errorf("%w: q-sign-algorithm %q is not %q", ErrMalformed, a.Algorithm, Algorithm)
	case a.SecretID == "":
		return Auth{}, fmt.Errorf("%w: q-ak is missing", ErrMalformed)
	case a.Signature == "":
		return Auth{}, fmt.Errorf("%w: q-signature is missing", ErrMalformed)
	case a.KeyTime == (Window{}):
		return Auth{}, fmt.Errorf("%w: q-key-time is missing", ErrMalformed)
	case a.SignTime == (Window{}):
		return Auth{}, fmt.Errorf("%w: q-sign-time is missing", ErrMalformed)
	}
	return a, nil
}

// Expected recomputes the signature a server expects for r under a, signing
// exactly the headers and parameters that a lists, with secretKey. Compare
// it with a.Signature using hmac.Equal.
func Expected(r *http.Request, a Auth, secretKey string) string {
	var pbuf, hbuf [16]pair
	params := queryPairs(r.URL.RawQuery, a.ParamList, pbuf[:0])
	headers := headerPairs(r, a.HeaderList, hbuf[:0])
	var kt [48]byte
	var sig [2 * sha1.Size]byte
	signature(&sig, secretKey, a.KeyTime.appendTo(kt[:0]), r.Method, r.URL.Path, params, headers)
	return string(sig[:])
}

// Valid reports whether a's signature matches r under secretKey.
func Valid(r *http.Request, a Auth, secretKey string) bool {
	return hmac.Equal([]byte(Expected(r, a, secretKey)), []byte(a.Signature))
}

// pair is one signed parameter or header, already encoded.
type pair struct{ name, value string }

// signature writes the hex signature of steps 1 to 5 into sig.
func signature(sig *[2 * sha1.Size]byte, secretKey string, keyTime []byte, method, path string, params, headers []pair) {
	key := signKey(secretKey, keyTime)

	// HttpString, hashed in one piece from a stack buffer.
	var hb [1024]byte
	h := hb[:0]
	for i := 0; i < len(method); i++ {
		c := method[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = append(h, c)
	}
	h = append(h, '\n')
	h = append(h, path...)
	h = append(h, '\n')
	h = appendPairs(h, params)
	h = append(h, '\n')
	h = appendPairs(h, headers)
	h = append(h, '\n')
	sum := sha1.Sum(h)

	var sb [128]byte
	sts := append(sb[:0], Algorithm...)
	sts = append(sts, '\n')
	sts = append(sts, keyTime...)
	sts = append(sts, '\n')
	sts = hex.AppendEncode(sts, sum[:])
	sts = append(sts, '\n')
	hex.Encode(sig[:], hmacSHA1(key[:], sts))
}

// signKey is hex(HMAC-SHA1(secretKey, keyTime)), step 1 of the algorithm.
func signKey(secretKey string, keyTime []byte) [2 * sha1.Size]byte {
	var k [2 * sha1.Size]byte
	hex.Encode(k[:], hmacSHA1([]byte(secretKey), keyTime))
	return k
}

// hmacSHA1 is HMAC-SHA1 of msg under key.
func hmacSHA1(key, msg []byte) []byte {
	m := hmac.New(sha1.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

func appendPairs(dst []byte, ps []pair) []byte {
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p.name...)
		dst = append(dst, '=')
		dst = append(dst, p.value...)
	}
	return dst
}

func writeNames(b *strings.Builder, ps []pair) {
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(p.name)
	}
}

// queryPairs encodes the raw query's parameters for signing, appending to
// buf. With only non-nil, just the parameters whose encoded names it lists
// are kept.
func queryPairs(raw string, only []string, buf []pair) []pair {
	ps := buf
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		name := lowerName(encodeComponent(k))
		if name == "" {
			// A nameless parameter ("?=x") cannot be listed in
			// q-url-param-list, so neither side signs it.
			continue
		}
		if only != nil && !contains(only, name) {
			continue
		}
		ps = append(ps, pair{name, encodeComponent(v)})
	}
	sortPairs(ps)
	return ps
}

// encodeComponent turns one raw query component into its COS encoding:
// decoded as a query (so '+' is a space), then Escape'd. A component that
// is already in that form, as this client sends them, is returned as is.
func encodeComponent(s string) string {
	if cosEncoded(s) {
		return s
	}
	if d, err := url.QueryUnescape(s); err == nil {
		s = d
	}
	return Escape(s)
}

// cosEncoded reports whether Escape(QueryUnescape(s)) == s: only unreserved
// bytes and upper-case %XX escapes of reserved bytes.
func cosEncoded(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			continue
		}
		if c != '%' || i+2 >= len(s) || !upperHex(s[i+1]) || !upperHex(s[i+2]) {
			return false
		}
		if unreserved(unhex(s[i+1])<<4 | unhex(s[i+2])) {
			return false
		}
		i += 2
	}
	return true
}

func upperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'A' + 10
}

// knownLower holds the lower-case form of names signed on every request,
// so that lowering them costs no allocation.
var knownLower = map[string]string{
	"Content-Length": "content-length", "Content-Type": "content-type", "Content-Md5": "content-md5",
	"X-Cos-Security-Token": "x-cos-security-token", "X-Ci-Security-Token": "x-ci-security-token",
	"Host": "host", "workflowId": "workflowid", "nextToken": "nexttoken", "orderByTime": "orderbytime",
	"startCreationTime": "startcreationtime", "endCreationTime": "endcreationtime", "jobId": "jobid",
}

// lowerName lower-cases an encoded name (hex digits of escapes included).
func lowerName(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			if l, ok := knownLower[s]; ok {
				return l
			}
			return strings.ToLower(s)
		}
	}
	return s
}

// headerPairs encodes r's signed headers, host included, appending to buf.
// With only non-nil, exactly the headers whose encoded names it lists are
// used (a listed header that is absent signs with an empty value, so the
// signature fails).
func headerPairs(r *http.Request, only []string, buf []pair) []pair {
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	ps := buf
	if only == nil || contains(only, "host") {
		ps = append(ps, pair{"host", Escape(host)})
	}
	for k, vs := range r.Header {
		if only == nil && !signedRaw(k) {
			continue
		}
		name := lowerName(Escape(k))
		if name == "host" {
			continue
		}
		if only != nil && !contains(only, name) {
			continue
		}
		for _, v := range vs {
			ps = append(ps, pair{name, Escape(v)})
		}
	}
	if only != nil && contains(only, "content-length") && r.Header.Get("Content-Length") == "" && r.ContentLength >= 0 {
		// Go's server moves Content-Length out of the header map.
		ps = append(ps, pair{"content-length", strconv.FormatInt(r.ContentLength, 10)})
	}
	sortPairs(ps)
	return ps
}

// signedRaw is SignedHeader on a header name as it appears in the map,
// without allocating its lower-case form.
func signedRaw(k string) bool {
	if l, ok := knownLower[k]; ok {
		return SignedHeader(l)
	}
	return SignedHeader(strings.ToLower(Escape(k)))
}

func sortPairs(ps []pair) {
	slices.SortFunc(ps, func(a, b pair) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func splitList(v string) []string {
	if v == "" {
		return []string{}
	}
	return strings.Split(v, ";")
}

func parseWindow(v string) (Window, error) {
	a, b, ok := strings.Cut(v, ";")
	if !ok {
		return Window{}, fmt.Errorf("%q is not <start>;<end>", v)
	}
	s, err1 := strconv.ParseInt(a, 10, 64)
	e, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || e < s {
		return Window{}, fmt.Errorf("%q is not <start>;<end> in Unix seconds", v)
	}
	return Window{Start: s, End: e}, nil
}

// Escape URL-encodes s the COS way: only A-Z a-z 0-9 - _ . ~ stay bare,
// everything else (space included) becomes %XX with upper-case hex.
func Escape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}
