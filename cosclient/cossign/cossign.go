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
	"sort"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm COS defines.
const Algorithm = "sha1"

// Credentials are a SecretId/SecretKey pair and, for temporary credentials,
// the session token that must travel with every request.
type Credentials struct {
	SecretID     string
	SecretKey    string
	SessionToken string
}

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

// Sign computes the Authorization header value for r and sets it. It signs
// host (taken from r.Host, else r.URL.Host), every query parameter and every
// header SignedHeader selects. r.URL.Path is used decoded, as the service
// does. The session token, if any, must already be set as a header.
func Sign(r *http.Request, secretID, secretKey string, w Window) {
	r.Header.Set("Authorization", Authorization(r, secretID, secretKey, w))
}

// Authorization computes the Authorization header value for r without
// modifying it; see Sign.
func Authorization(r *http.Request, secretID, secretKey string, w Window) string {
	params := queryPairs(r.URL.RawQuery, nil)
	headers := headerPairs(r, nil)
	keyTime := w.String()
	sig := signature(secretKey, keyTime, r.Method, r.URL.Path, params, headers)

	var b strings.Builder
	b.Grow(160 + len(secretID) + 16*(len(params)+len(headers)))
	b.WriteString("q-sign-algorithm=sha1&q-ak=")
	b.WriteString(secretID)
	b.WriteString("&q-sign-time=")
	b.WriteString(keyTime)
	b.WriteString("&q-key-time=")
	b.WriteString(keyTime)
	b.WriteString("&q-header-list=")
	writeNames(&b, headers)
	b.WriteString("&q-url-param-list=")
	writeNames(&b, params)
	b.WriteString("&q-signature=")
	b.WriteString(sig)
	return b.String()
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
	params := queryPairs(r.URL.RawQuery, a.ParamList)
	headers := headerPairs(r, a.HeaderList)
	return signature(secretKey, a.KeyTime.String(), r.Method, r.URL.Path, params, headers)
}

// Valid reports whether a's signature matches r under secretKey.
func Valid(r *http.Request, a Auth, secretKey string) bool {
	return hmac.Equal([]byte(Expected(r, a, secretKey)), []byte(a.Signature))
}

// SignKey returns hex(HMAC-SHA1(secretKey, keyTime)), step 1 of the algorithm.
func SignKey(secretKey, keyTime string) string {
	return hexHMAC([]byte(secretKey), keyTime)
}

// pair is one signed parameter or header, already encoded.
type pair struct{ name, value string }

func signature(secretKey, keyTime, method, path string, params, headers []pair) string {
	signKey := SignKey(secretKey, keyTime)

	h := sha1.New()
	var lower [16]byte
	h.Write(append(lower[:0], strings.ToLower(method)...))
	h.Write([]byte{'\n'})
	h.Write([]byte(path))
	h.Write([]byte{'\n'})
	writePairs(h, params)
	h.Write([]byte{'\n'})
	writePairs(h, headers)
	h.Write([]byte{'\n'})
	var sum [sha1.Size]byte
	var hexSum [2 * sha1.Size]byte
	hex.Encode(hexSum[:], h.Sum(sum[:0]))

	var sts strings.Builder
	sts.Grow(len(Algorithm) + len(keyTime) + len(hexSum) + 3)
	sts.WriteString(Algorithm)
	sts.WriteByte('\n')
	sts.WriteString(keyTime)
	sts.WriteByte('\n')
	sts.Write(hexSum[:])
	sts.WriteByte('\n')
	return hexHMAC([]byte(signKey), sts.String())
}

func hexHMAC(key []byte, msg string) string {
	m := hmac.New(sha1.New, key)
	m.Write([]byte(msg))
	var sum [sha1.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))
}

type byteWriter interface{ Write([]byte) (int, error) }

func writePairs(w byteWriter, ps []pair) {
	for i, p := range ps {
		if i > 0 {
			w.Write([]byte{'&'})
		}
		w.Write([]byte(p.name))
		w.Write([]byte{'='})
		w.Write([]byte(p.value))
	}
}

func writeNames(b *strings.Builder, ps []pair) {
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(p.name)
	}
}

// queryPairs encodes the raw query's parameters for signing. With only
// non-nil, just the parameters whose encoded names it lists are kept.
func queryPairs(raw string, only []string) []pair {
	var ps []pair
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		name := strings.ToLower(Escape(k))
		if only != nil && !contains(only, name) {
			continue
		}
		ps = append(ps, pair{name, Escape(v)})
	}
	sortPairs(ps)
	return ps
}

// headerPairs encodes r's signed headers, host included. With only non-nil,
// exactly the headers whose encoded names it lists are used (a listed header
// that is absent signs with an empty value, so the signature fails).
func headerPairs(r *http.Request, only []string) []pair {
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	ps := make([]pair, 0, len(r.Header)+1)
	if only == nil || contains(only, "host") {
		ps = append(ps, pair{"host", Escape(host)})
	}
	for k, vs := range r.Header {
		name := strings.ToLower(Escape(k))
		if name == "host" {
			continue
		}
		if only != nil {
			if !contains(only, name) {
				continue
			}
		} else if !SignedHeader(name) {
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

func sortPairs(ps []pair) {
	if len(ps) < 2 {
		return
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].name != ps[j].name {
			return ps[i].name < ps[j].name
		}
		return ps[i].value < ps[j].value
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
