package cosclient

import (
	"context"
	"encoding/xml"
	"net/http"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// ListObjects lists one page of a bucket's objects (COS GET Bucket, on the
// bucket's COS host, signed like CI calls); NewObjectsPaginator pages
// through them all. It needs the CAM action cos:GetBucket.
func (c *Client) ListObjects(ctx context.Context, params *ListObjectsInput, optFns ...func(*Options)) (*ListObjectsOutput, error) {
	return invoke(ctx, c, &opListObjects, params, optFns)
}

// ListObjectsInput lists objects (GET /?prefix=&marker=&max-keys=). Zero
// values are not sent.
type ListObjectsInput struct {
	Prefix  string
	Marker  string // list keys after this one
	MaxKeys int    // 1..1000; 0 means the service default (1000)
	// markerFromService is set by NewObjectsPaginator when Marker is where
	// COS's last page ended: not an input of the caller's, so not checked
	// as one.
	markerFromService bool
}

// ListObjectsOutput is one page of a listing, keys in UTF-8 binary order.
// While IsTruncated, the next page starts after NextMarker (or, when COS
// sends none, the last key).
type ListObjectsOutput struct {
	XMLName     xml.Name `xml:"ListBucketResult"`
	Name        string   `xml:"Name"`
	Prefix      string   `xml:"Prefix"`
	Marker      string   `xml:"Marker"`
	MaxKeys     int      `xml:"MaxKeys"`
	IsTruncated bool     `xml:"IsTruncated"`
	NextMarker  string   `xml:"NextMarker,omitempty"`
	Contents    []Object `xml:"Contents"`
	OutputMetadata
}

// Validate checks the input before it is sent.
func (in *ListObjectsInput) Validate() error {
	v := newChecks("ListObjectsInput")
	v.add(checkKey("prefix", in.Prefix, true))
	if !in.markerFromService {
		v.add(checkKey("marker", in.Marker, true))
	}
	if in.MaxKeys != 0 {
		v.add(checkSize("max-keys", in.MaxKeys, MaxListKeys))
	}
	return v.err()
}

var opListObjects = operation[*ListObjectsInput, *ListObjectsOutput]{
	name:      "ListObjects",
	service:   ServiceCOS,
	newInput:  newOf[ListObjectsInput],
	newOutput: newOf[ListObjectsOutput],
	serialize: func(in *ListObjectsInput, req *smithyhttp.Request) (*smithyhttp.Request, error) {
		req.Method = http.MethodGet
		req.URL.Path = "/"
		req.URL.RawQuery = query("prefix", in.Prefix, "marker", in.Marker, "max-keys", sizeParam(in.MaxKeys))
		return req, nil
	},
	// A listed object is some 300 bytes of XML and its key, up to 850
	// bytes (more where XML escapes it): 2 KiB and 24 elements each
	// (Key, LastModified, ETag, Size, Owner's two, StorageClass, and room).
	// max-keys bounds Contents and CommonPrefixes together
	// (cloud.tencent.com/document/product/436/7734); no delimiter is sent,
	// so there are no CommonPrefixes.
	bounds: func(in *ListObjectsInput) answerBounds {
		return pageBounds("Contents", pageSize(in.MaxKeys, MaxListKeys), 2<<10, 24)
	},
}
