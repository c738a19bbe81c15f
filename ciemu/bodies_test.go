package ciemu

import (
	"crypto/md5"
	"encoding/hex"
	"hash/crc64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func getCall(key string) testCall {
	return testCall{method: "GET", target: "/" + key, host: testCOSHost}
}

// TestGetObjectServesKeptBodies: a small PUT's body comes back from GET
// Object with the headers COS answers, byte for byte.
func TestGetObjectServesKeptBodies(t *testing.T) {
	clock := newFakeClock()
	_, srv := newTestServer(t, Options{Now: clock.Now})
	tests := []struct {
		name, key, body, contentType, wantType string
	}{
		{"json", "state/a.json", `{"n":1}`, "application/json", "application/json"},
		{"no type", "state/b", "raw\x00bytes", "", "application/octet-stream"},
		{"empty", "state/empty", "", "text/plain", "text/plain"},
		{"exactly the kept limit", "state/max", strings.Repeat("m", maxKeptBody), "application/json", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			put := putCall(tt.key, tt.body).at(clock.Now())
			put.header = map[string]string{"Content-Type": tt.contentType}
			if a := put.do(t, srv); a.status != 200 {
				t.Fatalf("PUT: %d %s", a.status, a.body)
			}
			a := getCall(tt.key).at(clock.Now()).do(t, srv)
			sum := md5.Sum([]byte(tt.body))
			crc := crc64.Checksum([]byte(tt.body), crc64.MakeTable(crc64.ECMA))
			want := map[string]string{
				"Content-Type":         tt.wantType,
				"Content-Length":       strconv.Itoa(len(tt.body)),
				"ETag":                 `"` + hex.EncodeToString(sum[:]) + `"`,
				"Last-Modified":        "Sun, 22 Nov 2026 02:00:00 GMT",
				"x-cos-hash-crc64ecma": strconv.FormatUint(crc, 10),
			}
			if a.status != 200 || string(a.body) != tt.body {
				t.Fatalf("GET: %d, %d bytes, want %d", a.status, len(a.body), len(tt.body))
			}
			for h, v := range want {
				if got := a.header.Get(h); got != v {
					t.Errorf("%s %q, want %q", h, got, v)
				}
			}
		})
	}
}

// TestForbidOverwrite: x-cos-forbid-overwrite: true creates a key once;
// the refusal is COS's 409 FileAlreadyExists and leaves the object as it
// was.
func TestForbidOverwrite(t *testing.T) {
	e, srv := newTestServer(t, Options{})
	put := func(body, forbid string) testAnswer {
		c := putCall("claims/1", body)
		if forbid != "" {
			c.header = map[string]string{"x-cos-forbid-overwrite": forbid}
		}
		return c.do(t, srv)
	}
	if a := put("first", "true"); a.status != 200 {
		t.Fatalf("first exclusive PUT: %d %s", a.status, a.body)
	}
	for _, forbid := range []string{"true", "TRUE", "True"} {
		eb := wantError(t, put("second", forbid), http.StatusConflict, "FileAlreadyExists")
		if !strings.Contains(eb.Message, "claims/1") {
			t.Errorf("message %q does not name the key", eb.Message)
		}
	}
	wantError(t, put("third", "yes"), http.StatusBadRequest, "InvalidArgument")
	if got := getCall("claims/1").do(t, srv); string(got.body) != "first" {
		t.Fatalf("after refusals the body is %q", got.body)
	}
	if calls := e.Calls(); calls[1].Operation != OpPutObject || calls[1].Status != 409 || calls[1].Code != "FileAlreadyExists" {
		t.Errorf("logged %+v", calls[1])
	}
	for _, forbid := range []string{"", "false"} {
		if a := put("over-"+forbid, forbid); a.status != 200 {
			t.Fatalf("overwrite with %q: %d %s", forbid, a.status, a.body)
		}
		if got := getCall("claims/1").do(t, srv); string(got.body) != "over-"+forbid {
			t.Errorf("after overwrite with %q the body is %q", forbid, got.body)
		}
	}
	if n := len(e.Objects(testBucket)); n != 1 {
		t.Errorf("%d objects, want 1", n)
	}
}

// TestGetObjectRefuses: what the emulator does not keep or serve is said,
// never answered as an empty object.
func TestGetObjectRefuses(t *testing.T) {
	e, srv := newTestServer(t, Options{})
	if err := e.PutObject(testBucket, "seeded.jpg", 10, time.Now()); err != nil {
		t.Fatal(err)
	}
	putCall("big", strings.Repeat("b", maxKeptBody+1)).do(t, srv)
	putCall("small", "s").do(t, srv)
	tests := []struct {
		name   string
		call   testCall
		status int
		code   string
	}{
		{"absent", getCall("absent"), 404, "NoSuchKey"},
		{"seeded without a body", getCall("seeded.jpg"), 501, "NotImplemented"},
		{"over the kept limit", getCall("big"), 501, "NotImplemented"},
		{"version", getCall("small?versionId=v1"), 501, "NotImplemented"},
		{"range", testCall{method: "GET", target: "/small", host: testCOSHost, header: map[string]string{"Range": "bytes=0-0"}}, 501, "NotImplemented"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, tt.call.do(t, srv), tt.status, tt.code)
		})
	}
	if got := e.Objects(testBucket); len(got) != 3 || got[0].Key != "big" || got[0].Size != maxKeptBody+1 {
		t.Errorf("listing %+v: a body not kept still lists", got)
	}
}

// TestKeptBodiesAreBounded: bodies are kept up to maxBodyBytes in all;
// a replaced or forgotten object gives its share back.
func TestKeptBodiesAreBounded(t *testing.T) {
	e, srv := newTestServer(t, Options{MaxObjects: 20})
	mib := strings.Repeat("x", maxKeptBody)
	n := maxBodyBytes / maxKeptBody
	for i := range n + 1 {
		putCall("o"+strconv.Itoa(i), mib).do(t, srv)
	}
	last := "o" + strconv.Itoa(n)
	wantError(t, getCall(last).do(t, srv), 501, "NotImplemented")
	if a := getCall("o0").do(t, srv); a.status != 200 || len(a.body) != maxKeptBody {
		t.Fatalf("o0: %d, %d bytes", a.status, len(a.body))
	}
	// Replacing o0 with an empty body frees room for the next.
	putCall("o0", "").do(t, srv)
	putCall(last, mib).do(t, srv)
	if a := getCall(last).do(t, srv); a.status != 200 || len(a.body) != maxKeptBody {
		t.Fatalf("%s after room was made: %d, %d bytes", last, a.status, len(a.body))
	}
	// Forgetting objects (MaxObjects) frees theirs.
	for i := range 20 {
		putCall("p"+strconv.Itoa(i), "").do(t, srv)
	}
	if a := putCall("q", mib).do(t, srv); a.status != 200 {
		t.Fatal(a.status)
	}
	if a := getCall("q").do(t, srv); a.status != 200 {
		t.Errorf("q after every large object was forgotten: %d %s", a.status, a.body)
	}
	e.Reset()
	if e.objects.bodyBytes != 0 {
		t.Errorf("Reset kept %d body bytes", e.objects.bodyBytes)
	}
}

// TestMaxObjectsKeepsANewKeyOfTheEvictedBucket: forgetting a bucket's
// last object to make room for a new key of that bucket keeps the new
// key.
func TestMaxObjectsKeepsANewKeyOfTheEvictedBucket(t *testing.T) {
	e, srv := newTestServer(t, Options{MaxObjects: 1})
	putCall("a", "a").do(t, srv)
	putCall("b", "b").do(t, srv)
	if got := e.Objects(testBucket); len(got) != 1 || got[0].Key != "b" {
		t.Fatalf("objects %+v, want b alone", got)
	}
	if a := getCall("b").do(t, srv); string(a.body) != "b" {
		t.Errorf("GET b: %d %q", a.status, a.body)
	}
}

// TestLostPutAnswerKeepsTheObject: with PUT Object's answers lost after
// it ran, the caller sees a failure (or an empty 200), and the object,
// exclusive or not, is stored all the same.
func TestLostPutAnswerKeepsTheObject(t *testing.T) {
	e, srv := newTestServer(t, Options{Seed: 3, Faults: Faults{LostAnswerRate: 1, LostAnswerOps: []string{OpPutObject}}})
	seen := map[FaultKind]bool{}
	for i := range 12 {
		key := "k" + strconv.Itoa(i)
		c := putCall(key, key)
		c.header = map[string]string{"x-cos-forbid-overwrite": strconv.FormatBool(i%2 == 0)}
		a, err := c.send(t, srv, nil)
		if err == nil && a.status == 200 && a.header.Get("ETag") != "" {
			t.Fatalf("PUT %s answered in full despite the lost answer", key)
		}
		if got := getCall(key).do(t, srv); got.status != 200 || string(got.body) != key {
			t.Fatalf("GET %s after the lost answer: %d %q", key, got.status, got.body)
		}
	}
	for _, call := range e.Calls() {
		if call.Operation == OpPutObject {
			seen[call.Fault] = true
		}
	}
	for _, k := range lostWays {
		if !seen[k] {
			t.Errorf("no PUT lost its answer as %s (saw %v)", k, seen)
		}
	}
}
