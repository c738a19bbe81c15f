package cosclient

import (
	"crypto/md5"
	"encoding/base64"
	"errors"
	"hash/crc64"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
)

// objectAnswer answers 200 with body and COS's object headers.
func objectAnswer(body string, header map[string]string) answer {
	return func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		io.WriteString(w, body)
	}
}

func crcOf(s string) string {
	return strconv.FormatUint(crc64.Checksum([]byte(s), crc64.MakeTable(crc64.ECMA)), 10)
}

// onlyRequest is the one request f saw, for a call that answered err.
func onlyRequest(t *testing.T, f *fakeCI, err error) seen {
	t.Helper()
	if reqs := f.requests(); err != nil || len(reqs) != 1 {
		t.Fatalf("err %v after %d requests, want one and no error", err, len(reqs))
	}
	return f.requests()[0]
}

// TestObjectWire checks GET and PUT Object on the wire: the COS host, the
// key as the escaped path, what is signed and sent, and how the answer's
// headers decode.
func TestObjectWire(t *testing.T) {
	const key = "state/a b+c%d/图.json"
	const escaped = "/state/a%20b+c%25d/%E5%9B%BE.json"
	body := `{"cursor":"k"}`
	sum := md5.Sum([]byte(body))
	tests := []struct {
		name          string
		answer        answer
		call          func(*Client) (any, error)
		method        string
		header        map[string]string // sent
		body          string            // sent
		signedHeaders []string
		check         func(t *testing.T, out any)
	}{
		{
			name: "GetObject",
			answer: objectAnswer(body, map[string]string{"Content-Type": "application/json", "ETag": `"e1"`,
				"Last-Modified": "Sun, 22 Nov 2026 02:00:00 GMT", "x-cos-version-id": "v1", "x-cos-hash-crc64ecma": crcOf(body)}),
			call:          func(c *Client) (any, error) { return c.GetObject(bg, &GetObjectInput{Key: key}) },
			method:        "GET",
			signedHeaders: []string{"host"},
			check: func(t *testing.T, out any) {
				o := out.(*GetObjectOutput)
				if string(o.Body) != body || o.ContentType != "application/json" || o.ETag != `"e1"` || o.VersionID != "v1" ||
					!o.LastModified.Equal(time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)) {
					t.Errorf("output %+v", o)
				}
				if id, _ := GetRequestIDMetadata(o.ResultMetadata); id != "req-1" {
					t.Errorf("request ID %q", id)
				}
			},
		},
		{
			name:   "GetObject without the optional headers",
			answer: objectAnswer("", nil),
			call:   func(c *Client) (any, error) { return c.GetObject(bg, &GetObjectInput{Key: key}) },
			method: "GET", signedHeaders: []string{"host"},
			check: func(t *testing.T, out any) {
				if o := out.(*GetObjectOutput); len(o.Body) != 0 || !o.LastModified.IsZero() || o.ETag != "" {
					t.Errorf("output %+v", o)
				}
			},
		},
		{
			name:   "PutObject exclusive",
			answer: objectAnswer("", map[string]string{"ETag": `"e2"`}),
			call: func(c *Client) (any, error) {
				return c.PutObject(bg, &PutObjectInput{Key: key, Body: []byte(body), ContentType: "application/json", ForbidOverwrite: true})
			},
			method: "PUT",
			header: map[string]string{"Content-Type": "application/json", "Content-Length": strconv.Itoa(len(body)),
				"Content-MD5": base64.StdEncoding.EncodeToString(sum[:]), "X-Cos-Forbid-Overwrite": "true"},
			body:          body,
			signedHeaders: []string{"content-length", "content-md5", "content-type", "host", "x-cos-forbid-overwrite"},
			check: func(t *testing.T, out any) {
				if o := out.(*PutObjectOutput); o.ETag != `"e2"` || o.VersionID != "" {
					t.Errorf("output %+v", o)
				}
			},
		},
		{
			name:   "PutObject overwrite, empty, no type",
			answer: objectAnswer("", map[string]string{"ETag": `"e3"`, "x-cos-version-id": "v9"}),
			call:   func(c *Client) (any, error) { return c.PutObject(bg, &PutObjectInput{Key: key}) },
			method: "PUT",
			header: map[string]string{"Content-Type": "application/octet-stream", "Content-Length": "0",
				"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg==", "X-Cos-Forbid-Overwrite": ""},
			signedHeaders: []string{"content-length", "content-md5", "content-type", "host"},
			check: func(t *testing.T, out any) {
				if o := out.(*PutObjectOutput); o.ETag != `"e3"` || o.VersionID != "v9" {
					t.Errorf("output %+v", o)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, always(tt.answer))
			out, err := tt.call(f.client(t))
			r := onlyRequest(t, f, err)
			if r.Method != tt.method || r.Host != testCOSHost || r.Path != "/"+key || r.RawQuery != "" || !r.SigOK {
				t.Errorf("sent %s %s%s?%s, signature ok %v", r.Method, r.Host, r.Path, r.RawQuery, r.SigOK)
			}
			if !slices.Equal(r.Auth.HeaderList, tt.signedHeaders) {
				t.Errorf("signed %v, want %v", r.Auth.HeaderList, tt.signedHeaders)
			}
			for h, v := range tt.header {
				if got := r.Header.Get(h); got != v {
					t.Errorf("header %s %q, want %q", h, got, v)
				}
			}
			if r.Body != tt.body {
				t.Errorf("body %q, want %q", r.Body, tt.body)
			}
			tt.check(t, out)
		})
	}
	// The escaped path, as it went on the wire.
	f := newFakeCI(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != escaped {
			t.Errorf("path on the wire %s, want %s", r.URL.EscapedPath(), escaped)
		}
		objectAnswer("", nil)(w, r)
	})
	if _, err := f.client(t).GetObject(bg, &GetObjectInput{Key: key}); err != nil {
		t.Fatal(err)
	}
}

// TestGetObjectFailures: a missing key is a *NotFoundError, a missing
// bucket is not; what cannot be read whole or intact is an error, never a
// short body.
func TestGetObjectFailures(t *testing.T) {
	limit := strings.Repeat("l", MaxObjectBodyLen)
	chunked := func(n int) answer {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusOK)
			for range n / 1024 {
				w.Write([]byte(strings.Repeat("c", 1024)))
				w.(http.Flusher).Flush() // no Content-Length: chunked
			}
		}
	}
	tests := []struct {
		name     string
		reply    func(int, http.ResponseWriter, *http.Request)
		check    func(t *testing.T, err error)
		requests int
	}{
		{"no such key", always(errorAnswer(404, "NoSuchKey")), func(t *testing.T, err error) {
			var nf *NotFoundError
			if !errors.As(err, &nf) || nf.Resource != "object" || nf.ID != "k" || nf.RequestID != "req-1" || !NotFound(err) ||
				ErrorStatus(err) != 404 || Classify(err) != RetryNever {
				t.Errorf("err %v (%#v)", err, nf)
			}
			if nf != nil && nf.Error() != `object "k" not found` {
				t.Errorf("message %q", nf.Error())
			}
		}, 1},
		{"no such bucket", always(errorAnswer(404, "NoSuchBucket")), func(t *testing.T, err error) {
			var (
				nf *NotFoundError
				ae *APIError
			)
			if errors.As(err, &nf) || !errors.As(err, &ae) || ae.Code != "NoSuchBucket" {
				t.Errorf("err %v", err)
			}
		}, 1},
		{"over the limit, announced", always(objectAnswer(limit+"x", map[string]string{"Content-Length": strconv.Itoa(MaxObjectBodyLen + 1)})), func(t *testing.T, err error) {
			if !errors.Is(err, ErrAnswerTooLarge) || Classify(err) != RetryNever || !strings.Contains(err.Error(), "more than 65536 bytes") {
				t.Errorf("err %v", err)
			}
		}, 1},
		{"over the limit, chunked", always(chunked(MaxObjectBodyLen + 1024)), func(t *testing.T, err error) {
			if !errors.Is(err, ErrAnswerTooLarge) || Classify(err) != RetryNever {
				t.Errorf("err %v", err)
			}
		}, 1},
		{"damaged on the way", always(objectAnswer("abc", map[string]string{"x-cos-hash-crc64ecma": crcOf("abd")})), func(t *testing.T, err error) {
			var de *smithy.DeserializationError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), "CRC-64") {
				t.Errorf("err %v", err)
			}
		}, 1},
		{"unreadable Last-Modified", always(objectAnswer("", map[string]string{"Last-Modified": "yesterday"})), func(t *testing.T, err error) {
			var de *smithy.DeserializationError
			if !errors.As(err, &de) {
				t.Errorf("err %v", err)
			}
		}, 1},
		{"no answer is retried: a read", failThen(1, hangUp, objectAnswer("ok", nil)), func(t *testing.T, err error) {
			if err != nil {
				t.Errorf("err %v", err)
			}
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, tt.reply)
			_, err := f.client(t).GetObject(bg, &GetObjectInput{Key: "k"})
			tt.check(t, err)
			if n := len(f.requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
	t.Run("exactly the limit", func(t *testing.T) {
		f := newFakeCI(t, always(objectAnswer(limit, nil)))
		out, err := f.client(t).GetObject(bg, &GetObjectInput{Key: "k"})
		if err != nil || len(out.Body) != MaxObjectBodyLen {
			t.Fatalf("%v", err)
		}
	})
}

// TestPutObjectRefusals: every plausible "the key exists" answer to a
// PutObject reads as ObjectExists, and nothing else does; a PUT that may
// have landed is not sent again.
func TestPutObjectRefusals(t *testing.T) {
	put := &PutObjectInput{Key: "claims/1", Body: []byte("t"), ForbidOverwrite: true}
	for _, tt := range []struct {
		name   string
		answer answer
		exists bool
	}{
		{"409 FileAlreadyExists", errorAnswer(409, "FileAlreadyExists"), true},
		{"409 another code", errorAnswer(409, "ObjectAlreadyExists"), true},
		{"412", errorAnswer(412, "PreconditionFailed"), true},
		{"412 without a body", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(412) }, true},
		{"400", errorAnswer(400, "InvalidArgument"), false},
		{"403", errorAnswer(403, "AccessDenied"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, always(tt.answer))
			_, err := f.client(t).PutObject(bg, put)
			if ObjectExists(err) != tt.exists || Classify(err) != RetryNever || MayHaveTakenEffect(err) || len(f.requests()) != 1 {
				t.Errorf("err %v: exists %v, %d requests", err, ObjectExists(err), len(f.requests()))
			}
		})
	}
	t.Run("another operation's 409", func(t *testing.T) {
		f := newFakeCI(t, always(errorAnswer(409, "FileAlreadyExists")))
		if _, err := f.client(t).GetObject(bg, &GetObjectInput{Key: "k"}); err == nil || ObjectExists(err) {
			t.Errorf("GetObject's 409 reads as exists: %v", err)
		}
		if ObjectExists(nil) || ObjectExists(errors.New("x")) {
			t.Error("no error reads as exists")
		}
	})
	for _, tt := range []struct {
		name string
		fail answer
	}{{"no answer", hangUp}, {"500", errorAnswer(500, "InternalError")}} {
		t.Run(tt.name+" is not sent again", func(t *testing.T) {
			f := newFakeCI(t, failThen(1, tt.fail, objectAnswer("", nil)))
			_, err := f.client(t).PutObject(bg, put)
			if err == nil || !MayHaveTakenEffect(err) || ErrorAttempts(err) != 1 || len(f.requests()) != 1 {
				t.Errorf("err %v after %d requests", err, len(f.requests()))
			}
		})
	}
	t.Run("throttled is sent again", func(t *testing.T) {
		f := newFakeCI(t, failThen(1, errorAnswer(503, "SlowDown"), objectAnswer("", nil)))
		if _, err := f.client(t).PutObject(bg, put); err != nil || len(f.requests()) != 2 {
			t.Errorf("err %v after %d requests", err, len(f.requests()))
		}
		if f.requests()[1].Body != "t" {
			t.Error("the retry lost the body")
		}
	})
}

// TestObjectInputValidation: keys that travel as the path, bodies and
// content types are checked before anything is sent.
func TestObjectInputValidation(t *testing.T) {
	tests := []struct {
		name string
		in   *PutObjectInput
		path string // "" when valid
	}{
		{"plain", &PutObjectInput{Key: "a/b.json"}, ""},
		{"folder marker", &PutObjectInput{Key: "a/"}, ""},
		{"dots inside names", &PutObjectInput{Key: ".cosflow/a..b/.x"}, ""},
		{"empty key", &PutObjectInput{}, "key"},
		{"dot segment", &PutObjectInput{Key: "a/./b"}, "key"},
		{"dot-dot segment", &PutObjectInput{Key: "a/../b"}, "key"},
		{"only dot-dot", &PutObjectInput{Key: ".."}, "key"},
		{"empty segment", &PutObjectInput{Key: "a//b"}, "key"},
		{"leading slash", &PutObjectInput{Key: "/a"}, "key"},
		{"only a slash", &PutObjectInput{Key: "/"}, "key"},
		{"control character", &PutObjectInput{Key: "a\x01"}, "key"},
		{"long key", &PutObjectInput{Key: strings.Repeat("k", MaxObjectKeyLen+1)}, "key"},
		{"body over the limit", &PutObjectInput{Key: "a", Body: make([]byte, MaxObjectBodyLen+1)}, "body"},
		{"body at the limit", &PutObjectInput{Key: "a", Body: make([]byte, MaxObjectBodyLen)}, ""},
		{"content type with a newline", &PutObjectInput{Key: "a", ContentType: "text/plain\nX: y"}, "Content-Type"},
		{"long content type", &PutObjectInput{Key: "a", ContentType: strings.Repeat("t", MaxContentTypeLen+1)}, "Content-Type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, always(objectAnswer("", nil)))
			c := f.client(t)
			_, putErr := c.PutObject(bg, tt.in)
			_, getErr := c.GetObject(bg, &GetObjectInput{Key: tt.in.Key})
			if tt.path == "" {
				if putErr != nil || getErr != nil {
					t.Fatalf("put %v, get %v", putErr, getErr)
				}
				return
			}
			pes := ParamErrors(putErr)
			if len(pes) != 1 || pes[0].Path() != tt.path || len(f.requests()) > 1 {
				t.Errorf("put err %v, %d requests", putErr, len(f.requests()))
			}
			if tt.path == "key" {
				if pes := ParamErrors(getErr); len(pes) != 1 || pes[0].Field() != "GetObjectInput.key" {
					t.Errorf("get err %v", getErr)
				}
			}
		})
	}
}
