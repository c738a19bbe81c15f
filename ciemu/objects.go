package ciemu

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash/crc64"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// The bucket side (COS, on <bucket>.cos.<region>.myqcloud.com): PUT Object
// stores what a listing shows of an object (key, size, ETag, time), and the
// body of a small one (see bodies.go); GET Bucket lists those, GET Object
// answers a kept body. That is what a caller that reconciles a bucket
// against CI's execution list, and keeps its own state there, needs.

// lastModifiedLayout is how COS listings write LastModified: UTC with
// milliseconds.
const lastModifiedLayout = "2006-01-02T15:04:05.000Z"

// maxListKeys is GET Bucket's largest and default max-keys.
const maxListKeys = cosclient.MaxListKeys

// crcTable is COS's object checksum, CRC-64/ECMA, which it answers in
// x-cos-hash-crc64ecma (the official SDKs check it after an upload).
var crcTable = crc64.MakeTable(crc64.ECMA)

// object is what the emulator keeps of one stored object.
type object struct {
	size     int64
	etag     string // quoted hex MD5, as COS writes it
	modified time.Time
	// body is what GET Object answers: nil for an object seeded without
	// one (PutObject) or whose body was not kept (see keptBody).
	body *objectBody
}

type objectKey struct{ bucket, key string }

// bucketObjects is one bucket's objects.
type bucketObjects struct {
	objects map[string]object
	keys    []string // sorted; nil when stale, rebuilt by the next listing
}

// sortedKeys returns the bucket's keys in UTF-8 binary order (Go's string
// order), sorting only after a change.
func (b *bucketObjects) sortedKeys() []string {
	if b.keys == nil {
		b.keys = slices.Sorted(maps.Keys(b.objects))
	}
	return b.keys
}

// objectStore holds the objects of every bucket, at most max of them in
// all: the object stored first is forgotten first.
type objectStore struct {
	buckets map[string]*bucketObjects
	order   ring[objectKey] // first stored first
	// bodyBytes counts the bytes of the bodies kept, at most
	// maxBodyBytes.
	bodyBytes int64
}

func newObjectStore(max int) objectStore {
	return objectStore{buckets: make(map[string]*bucketObjects), order: newRing[objectKey](max)}
}

// put stores or replaces one object and reports whether it did: an
// exclusive put (x-cos-forbid-overwrite) does not replace. A replaced
// object keeps its place in the eviction order. A body that would take
// the kept bodies over maxBodyBytes is dropped: the object is stored
// without it.
func (s *objectStore) put(bucket, key string, o object, exclusive bool) bool {
	old, replaced := s.get(bucket, key)
	if replaced && exclusive {
		return false
	}
	if !replaced {
		// Evict first: the object forgotten may be its bucket's last.
		if evicted, full := s.order.push(objectKey{bucket, key}); full {
			s.remove(evicted)
		}
	}
	b := s.buckets[bucket]
	if b == nil {
		b = &bucketObjects{objects: make(map[string]object)}
		s.buckets[bucket] = b
	}
	if !replaced {
		b.keys = nil
	}
	s.bodyBytes -= old.body.len()
	if s.bodyBytes+o.body.len() > maxBodyBytes {
		o.body = nil
	}
	s.bodyBytes += o.body.len()
	b.objects[key] = o
	return true
}

func (s *objectStore) remove(k objectKey) {
	b := s.buckets[k.bucket]
	s.bodyBytes -= b.objects[k.key].body.len()
	delete(b.objects, k.key)
	b.keys = nil
	if len(b.objects) == 0 {
		delete(s.buckets, k.bucket)
	}
}

func (s *objectStore) get(bucket, key string) (object, bool) {
	b := s.buckets[bucket]
	if b == nil {
		return object{}, false
	}
	o, ok := b.objects[key]
	return o, ok
}

// list returns up to maxKeys keys of bucket that start with prefix and
// sort after marker, in order, and whether more such keys follow.
func (s *objectStore) list(bucket, prefix, marker string, maxKeys int) (page []cosclient.Object, truncated bool) {
	b := s.buckets[bucket]
	if b == nil {
		return nil, false
	}
	keys := b.sortedKeys()
	i := sort.SearchStrings(keys, prefix)
	if j := sort.SearchStrings(keys, marker); j < len(keys) && keys[j] == marker {
		i = max(i, j+1) // strictly after the marker
	} else {
		i = max(i, j)
	}
	for ; i < len(keys) && strings.HasPrefix(keys[i], prefix); i++ {
		if len(page) == maxKeys {
			return page, true
		}
		page = append(page, b.objects[keys[i]].listed(keys[i]))
	}
	return page, false
}

func (s *objectStore) reset() {
	clear(s.buckets)
	s.order.reset()
	s.bodyBytes = 0
}

// standInETag is the ETag of an object without a body (PutObject's,
// Synthesize's): derived from its key and size.
func standInETag(key string, size int64) string {
	return etag(md5.Sum([]byte(key + "\x00" + strconv.FormatInt(size, 10))))
}

// etag writes an MD5 as COS does: quoted hex.
func etag(sum [md5.Size]byte) string {
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// listed is o as a listing entry.
func (o object) listed(key string) cosclient.Object {
	return cosclient.Object{
		Key:          key,
		LastModified: o.modified.UTC().Format(lastModifiedLayout),
		ETag:         o.etag,
		Size:         o.size,
		StorageClass: "STANDARD",
	}
}

// putObject serves PUT /<key> on a COS host: it reads the body (up to
// 5 MiB) for its size and digests, stores the listing entry and a small
// body, starts the runs CI's own upload trigger would (uploaded), and
// answers 200 with the ETag and CRC-64 headers and an empty body. With
// x-cos-forbid-overwrite: true a key that holds an object is refused,
// 409 FileAlreadyExists, and nothing is stored or started.
func (e *Emulator) putObject(req *request) (any, *apiError) {
	key := req.id
	if err := cosclient.ValidateObjectKey(key); err != nil {
		return nil, validationError(err)
	}
	exclusive, apiErr := forbidOverwrite(req.r.Header)
	if apiErr != nil {
		return nil, apiErr
	}
	crc := crc64.New(crcTable)
	kept := newKeptBody(req.r)
	size, sum, err := readBody(req.r, cosBody, io.MultiWriter(crc, kept))
	if err != nil {
		return nil, err
	}
	o := object{size: size, etag: etag(sum), modified: req.now, body: kept.body(req.r, crc.Sum64())}
	e.mu.Lock()
	stored := e.objects.put(req.bucket, key, o, exclusive)
	e.mu.Unlock()
	if !stored {
		return nil, errorf(http.StatusConflict, "FileAlreadyExists", "the key %q holds an object and x-cos-forbid-overwrite is true", key)
	}
	e.uploaded(req.bucket, key, req.now)
	req.header.Set("ETag", o.etag)
	req.header.Set("x-cos-hash-crc64ecma", strconv.FormatUint(crc.Sum64(), 10))
	return nil, nil
}

// getObject serves GET /<key> on a COS host: the kept body with its
// Content-Type, ETag, Last-Modified and CRC-64. An unknown key is COS's
// 404 NoSuchKey (so a CI path sent to the COS host is refused as a real
// one would refuse it); an object stored without its body, and the
// parameters and ranges the emulator does not serve, are 501.
func (e *Emulator) getObject(req *request) (any, *apiError) {
	e.mu.Lock()
	o, stored := e.objects.get(req.bucket, req.id)
	e.mu.Unlock()
	if !stored {
		return nil, errorf(http.StatusNotFound, "NoSuchKey", "the specified key %q does not exist", req.id)
	}
	if req.r.URL.RawQuery != "" || req.r.Header.Get("Range") != "" {
		return nil, errorf(http.StatusNotImplemented, "NotImplemented", "GET Object with query parameters or a Range: not emulated")
	}
	if o.body == nil {
		return nil, errorf(http.StatusNotImplemented, "NotImplemented",
			"the emulator kept no body for %q (seeded without one, over %d bytes, or past the %d bytes it keeps in all)", req.id, maxKeptBody, maxBodyBytes)
	}
	o.body.answer(req.header, o)
	return o.body.data, nil
}

// listObjects serves GET / on a COS host (GET Bucket): keys after marker
// that start with prefix, in UTF-8 binary order, up to max-keys (0..1000,
// default 1000), with NextMarker when truncated. Delimiters are not
// emulated and refused rather than ignored.
func (e *Emulator) listObjects(req *request) (any, *apiError) {
	q := req.r.URL.Query()
	if q.Get("delimiter") != "" {
		return nil, errorf(http.StatusNotImplemented, "NotImplemented", "delimiter: not emulated")
	}
	maxKeys := maxListKeys
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxListKeys {
			return nil, invalidArgument("max-keys", "%q is not an integer from 0 to %d", v, maxListKeys)
		}
		maxKeys = n
	}
	// max-keys is checked above: the server takes 0, which the client
	// never sends.
	in := cosclient.ListObjectsInput{Prefix: q.Get("prefix"), Marker: q.Get("marker")}
	if err := in.Validate(); err != nil {
		return nil, validationError(err)
	}
	out := &cosclient.ListObjectsOutput{Name: req.bucket, Prefix: in.Prefix, Marker: in.Marker, MaxKeys: maxKeys}
	out.Contents, out.IsTruncated = e.list(req.bucket, in.Prefix, in.Marker, maxKeys)
	if out.IsTruncated && len(out.Contents) > 0 {
		out.NextMarker = out.Contents[len(out.Contents)-1].Key
	}
	return out, nil
}

// PutObject stores an object's listing entry without HTTP, as a PUT
// Object of size bytes at modified would (a test seeds a bucket with it),
// starting the runs of the Active workflows it matches as of modified.
// There is no body, so the ETag is a stand-in derived from key and size.
func (e *Emulator) PutObject(bucket, key string, size int64, modified time.Time) error {
	if err := cosclient.ValidateBucket(bucket); err != nil {
		return fmt.Errorf("ciemu: put object: %w", err)
	}
	if err := cosclient.ValidateObjectKey(key); err != nil {
		return fmt.Errorf("ciemu: put object: %w", err)
	}
	if size < 0 {
		return fmt.Errorf("ciemu: put object %q: size %d is negative", key, size)
	}
	e.mu.Lock()
	e.objects.put(bucket, key, object{size: size, etag: standInETag(key, size), modified: modified}, false)
	e.mu.Unlock()
	e.uploaded(bucket, key, modified)
	return nil
}

// Objects returns a bucket's objects as GET Bucket lists them: every key,
// in UTF-8 binary order (synthetic ones too: mind their count).
func (e *Emulator) Objects(bucket string) []cosclient.Object {
	all, _ := e.list(bucket, "", "", math.MaxInt)
	return all
}

// list is one page of a bucket's listing: its stored objects and its
// synthetic ones, merged. The synthetic page is computed outside the
// lock (a Synthetic is never changed once made).
func (e *Emulator) list(bucket, prefix, marker string, maxKeys int) ([]cosclient.Object, bool) {
	e.mu.Lock()
	stored, more := e.objects.list(bucket, prefix, marker, maxKeys)
	s := e.synthetic[bucket]
	e.mu.Unlock()
	if s == nil {
		return stored, more
	}
	synthetic, syntheticMore := s.list(prefix, marker, maxKeys)
	return mergeListings(stored, synthetic, more, syntheticMore, maxKeys)
}
