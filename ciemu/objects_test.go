package ciemu

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"hash/crc64"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

func putCall(key, body string) testCall {
	return testCall{method: "PUT", target: "/" + key, body: body, host: testCOSHost}
}

func TestPutObject(t *testing.T) {
	clock := newFakeClock()
	e, srv := newTestServer(t, Options{Now: clock.Now})
	body := "hello, bucket"
	key := "dir/中文 key+1.jpg"
	a := putCall(url.PathEscape(key), body).at(clock.Now()).do(t, srv)
	if a.status != 200 || len(a.body) != 0 {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	sum := md5.Sum([]byte(body))
	wantETag := `"` + hex.EncodeToString(sum[:]) + `"`
	if got := a.header.Get("ETag"); got != wantETag {
		t.Errorf("ETag %s, want %s", got, wantETag)
	}
	crc := crc64.Checksum([]byte(body), crc64.MakeTable(crc64.ECMA))
	if got := a.header.Get("x-cos-hash-crc64ecma"); got != strconv.FormatUint(crc, 10) {
		t.Errorf("x-cos-hash-crc64ecma %s, want %d", got, crc)
	}
	want := []cosclient.Object{{Key: key, LastModified: "2026-11-22T02:00:00.000Z", ETag: wantETag, Size: int64(len(body)), StorageClass: "STANDARD"}}
	if got := e.Objects(testBucket); !slices.Equal(got, want) {
		t.Errorf("Objects = %+v, want %+v", got, want)
	}
	// A second PUT replaces the entry.
	clock.Advance(time.Minute)
	putCall(url.PathEscape(key), "").at(clock.Now()).do(t, srv)
	if got := e.Objects(testBucket); len(got) != 1 || got[0].Size != 0 || got[0].LastModified != "2026-11-22T02:01:00.000Z" {
		t.Errorf("after overwrite: %+v", got)
	}
	if calls := e.Calls(); calls[0].Operation != OpPutObject || calls[0].Bucket != testBucket || calls[0].Status != 200 {
		t.Errorf("call %+v", calls[0])
	}
	if got := e.Objects("other-1250000000"); len(got) != 0 {
		t.Errorf("objects leak across buckets: %+v", got)
	}
}

func TestPutObjectRejects(t *testing.T) {
	e, srv := newTestServer(t, Options{})
	tests := []struct {
		name, key, body string
		header          map[string]string
		status          int
		code, inMsg     string
	}{
		{"too large", "big", strings.Repeat("x", 5<<20+1), nil, 400, "EntityTooLarge", "limit"},
		{"control character", "a%01b", "x", nil, 400, "InvalidArgument", "object"},
		{"long key", strings.Repeat("k", 851), "x", nil, 400, "InvalidArgument", "object"},
		{"bad digest", "a", "x", map[string]string{"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}, 400, "BadDigest", "Content-MD5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := putCall(tt.key, tt.body)
			c.header = tt.header
			eb := wantError(t, c.do(t, srv), tt.status, tt.code)
			if !strings.Contains(eb.Message, tt.inMsg) {
				t.Errorf("message %q does not mention %q", eb.Message, tt.inMsg)
			}
		})
	}
	if got := e.Objects(testBucket); len(got) != 0 {
		t.Errorf("refused PUTs stored %+v", got)
	}
	sum := md5.Sum([]byte("x"))
	c := putCall("a", "x")
	c.header = map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])}
	if a := c.do(t, srv); a.status != 200 {
		t.Errorf("matching Content-MD5: %d %s", a.status, a.body)
	}
	// Exactly the limit is accepted.
	if a := putCall("max", strings.Repeat("x", 5<<20)).do(t, srv); a.status != 200 {
		t.Errorf("5 MiB: %d %s", a.status, a.body)
	}
}

func TestListObjectsOnTheWire(t *testing.T) {
	e, srv := newTestServer(t, Options{})
	for _, k := range []string{"b", "a/2", "a/1", "Z", "中", "a/10", "ab"} {
		if err := e.PutObject(testBucket, k, 1, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		query     string
		keys      []string
		truncated bool
		next      string
		maxKeys   int
	}{
		{"", []string{"Z", "a/1", "a/10", "a/2", "ab", "b", "中"}, false, "", 1000},
		{"prefix=a/", []string{"a/1", "a/10", "a/2"}, false, "", 1000},
		{"prefix=a/&max-keys=2", []string{"a/1", "a/10"}, true, "a/10", 2},
		{"prefix=a/&marker=a/10", []string{"a/2"}, false, "", 1000},
		{"marker=a", []string{"a/1", "a/10", "a/2", "ab", "b", "中"}, false, "", 1000},
		{"marker=a/2&prefix=a", []string{"ab"}, false, "", 1000},
		{"marker=b&max-keys=1", []string{"中"}, false, "", 1},
		{"marker=中", nil, false, "", 1000},
		{"prefix=c", nil, false, "", 1000},
		{"max-keys=0", nil, true, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var out cosclient.ListObjectsOutput
			testCall{method: "GET", target: "/?" + tt.query, host: testCOSHost}.do(t, srv).decode(t, &out)
			var keys []string
			for _, c := range out.Contents {
				keys = append(keys, c.Key)
			}
			q, _ := url.ParseQuery(tt.query)
			if !slices.Equal(keys, tt.keys) || out.IsTruncated != tt.truncated || out.NextMarker != tt.next ||
				out.MaxKeys != tt.maxKeys || out.Name != testBucket || out.Prefix != q.Get("prefix") || out.Marker != q.Get("marker") {
				t.Errorf("got %+v", out)
			}
		})
	}
}

func TestListObjectsRejects(t *testing.T) {
	_, srv := newTestServer(t, Options{})
	for _, tt := range []struct {
		query  string
		status int
		code   string
	}{
		{"max-keys=-1", 400, "InvalidArgument"},
		{"max-keys=1001", 400, "InvalidArgument"},
		{"max-keys=ten", 400, "InvalidArgument"},
		{"prefix=a%00", 400, "InvalidArgument"},
		{"prefix=%E4%B8", 400, "InvalidArgument"}, // half a rune: keys are text
		{"marker=" + strings.Repeat("m", 851), 400, "InvalidArgument"},
		{"delimiter=/", 501, "NotImplemented"},
	} {
		param, _, _ := strings.Cut(tt.query, "=")
		eb := wantError(t, testCall{method: "GET", target: "/?" + tt.query, host: testCOSHost}.do(t, srv), tt.status, tt.code)
		if !strings.Contains(eb.Message, param) {
			t.Errorf("%s: message %q does not name %s", tt.query, eb.Message, param)
		}
	}
}

// TestServicesKeepToTheirHosts: CI's API does not answer on the COS host
// nor the bucket's on the CI host; each refuses as a real host would.
func TestServicesKeepToTheirHosts(t *testing.T) {
	e, srv := newTestServer(t, Options{})
	if err := e.PutObject(testBucket, "stored.jpg", 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		method, path string
		host         string
		status       int
		code         string
	}{
		{"trigger on COS", "POST", "/triggerworkflow?workflowId=" + testWF + "&object=a", testCOSHost, 405, "MethodNotAllowed"},
		{"job list on COS", "GET", "/inventorytriggerjob", testCOSHost, 404, "NoSuchKey"},
		{"executions on COS", "GET", "/workflowexecution?workflowId=" + testWF, testCOSHost, 404, "NoSuchKey"},
		{"stored object body", "GET", "/stored.jpg", testCOSHost, 501, "NotImplemented"},
		{"PUT Bucket", "PUT", "/", testCOSHost, 405, "MethodNotAllowed"},
		{"DELETE Object", "DELETE", "/stored.jpg", testCOSHost, 405, "MethodNotAllowed"},
		{"bucket list on CI", "GET", "/", testHost, 404, "ResourceNotFound"},
		{"PUT Object on CI", "PUT", "/a.jpg", testHost, 404, "ResourceNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, testCall{method: tt.method, target: tt.path, host: tt.host}.do(t, srv), tt.status, tt.code)
		})
	}
	if e.TotalTriggers() != 0 || len(e.Objects(testBucket)) != 1 {
		t.Error("a refused call changed state")
	}
}

// TestCOSAuthentication: the COS host checks signatures exactly as the CI
// host does, and answers with COS's ID headers.
func TestCOSAuthentication(t *testing.T) {
	e, srv := newTestServer(t, Options{})
	tests := []struct {
		name   string
		call   testCall
		status int
		code   string
	}{
		{"unsigned", testCall{noAuth: true}, 401, "MissingAuthorization"},
		{"wrong key", testCall{secretID: DefaultSecretID, secretKey: "wrong"}, 403, "SignatureDoesNotMatch"},
		{"unknown id", testCall{secretID: "AKIDunknown", secretKey: "k"}, 401, "SecretidNotExist"},
		{"expired", testCall{now: time.Now().Add(-time.Hour)}, 403, "RequestTimeTooSkewed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []testCall{putCall("a.jpg", "x"), {method: "GET", target: "/?prefix=a"}} {
				c.host = testCOSHost
				c.noAuth, c.secretID, c.secretKey, c.now = tt.call.noAuth, tt.call.secretID, tt.call.secretKey, tt.call.now
				wantError(t, c.do(t, srv), tt.status, tt.code)
			}
		})
	}
	if got := e.Objects(testBucket); len(got) != 0 {
		t.Errorf("an unauthenticated PUT stored %+v", got)
	}
}

func TestMaxObjects(t *testing.T) {
	e, srv := newTestServer(t, Options{MaxObjects: 3})
	for _, k := range []string{"c", "a", "b", "a", "d"} {
		putCall(k, k).do(t, srv)
	}
	// c was stored first, so d pushes it out; overwriting a kept its place.
	var keys []string
	for _, o := range e.Objects(testBucket) {
		keys = append(keys, o.Key)
	}
	if want := []string{"a", "b", "d"}; !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	// The bound is over all buckets.
	if err := e.PutObject("other-1250000000", "x", 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := len(e.Objects(testBucket)); n != 2 {
		t.Errorf("%d objects left in the first bucket, want 2", n)
	}
	e.Reset()
	if len(e.Objects(testBucket)) != 0 || len(e.Objects("other-1250000000")) != 0 {
		t.Error("Reset kept objects")
	}
}

func TestPutObjectSeedingRejects(t *testing.T) {
	e := New(Options{})
	for _, tt := range []struct {
		bucket, key string
		size        int64
	}{
		{"bad_bucket", "k", 0},
		{testBucket, "", 0},
		{testBucket, "a\x00", 0},
		{testBucket, "k", -1},
	} {
		if err := e.PutObject(tt.bucket, tt.key, tt.size, time.Now()); err == nil || !strings.HasPrefix(err.Error(), "ciemu: put object") {
			t.Errorf("PutObject(%q, %q, %d) = %v", tt.bucket, tt.key, tt.size, err)
		}
	}
}
