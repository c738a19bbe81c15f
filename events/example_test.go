package events_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/cosflow/cosflow/events"
)

// A COS delivery: Parse detects the trigger and resolves every record to
// bucket, full region and object key.
func ExampleParse() {
	raw, err := os.ReadFile("testdata/cos_multi.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	ev, err := events.Parse(raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("kind:", ev.Kind)
	for _, rec := range ev.COS.Records {
		o := rec.Object
		fmt.Println(o.EventName, o.Bucket, o.Region, o.Key, o.Size)
	}
	// Output:
	// kind: COS
	// cos:ObjectCreated:Put examplebucket-1250000000 ap-guangzhou photos/2026/dog.png 512000
	// cos:ObjectCreated:CompleteMultipartUpload examplebucket-1250000000 ap-guangzhou videos/intro.mp4 73400320
	// cos:ObjectCreated:Put examplebucket-1250000000 ap-guangzhou photos/2026/dog.png 512000
	// cos:ObjectCreated:Put examplebucket-1250000000 ap-guangzhou processed/photos/2026/dog.webp 98304
}

// Resolve works on a record built by hand, here in the old format that only
// carries a short region code. The key is cosObject.key as delivered;
// cosObject.url, percent-encoded, only cross-checks it, and URLKey says
// what it reads as when the two disagree.
func ExampleCOSRecord_Resolve() {
	rec := events.COSRecord{
		COS: events.COSEntity{
			Bucket: events.COSBucket{Name: "examplebucket", AppID: "1250000000", Region: "cd"},
			Object: events.COSObject{
				Key:  "/1250000000/examplebucket/照片/my cat+1.jpg",
				URL:  "http://examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/%E7%85%A7%E7%89%87/my%20cat+1.jpg",
				Meta: map[string]string{"ETag": `"9a4802d5c99dafe1c04da0a8e7e166bf"`},
			},
		},
	}
	ref, err := rec.Resolve()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s %q %q %s\n", ref.Bucket, ref.Region, ref.Key, ref.URLKey, ref.ETag)

	// A url that disagrees does not drop the record: the key stands.
	rec.COS.Object.URL = "http://examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/renamed.jpg"
	ref, err = rec.Resolve()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q %q\n", ref.Key, ref.URLKey)
	// Output:
	// examplebucket-1250000000 ap-chengdu "照片/my cat+1.jpg" "" 9a4802d5c99dafe1c04da0a8e7e166bf
	// "照片/my cat+1.jpg" "renamed.jpg"
}

// Decode failures are *DecodeError: retrying the same payload cannot help.
func ExampleDecodeError() {
	// A bad record does not fail its delivery: it carries its own error.
	ev, err := events.Parse([]byte(`{"Records":[{"cos":{"cosBucket":{"name":"examplebucket","appid":"1250000000","region":"gz"},"cosObject":{}}}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	var de *events.DecodeError
	if errors.As(ev.COS.Records[0].Err, &de) {
		fmt.Println(de.Problem, de.Field)
		fmt.Println(de)
	}
	_, err = events.Parse([]byte(`{"a":1,"b":2}`))
	fmt.Println(err)
	// Output:
	// missing field Records[0].cos.cosObject.key
	// COS event: Records[0].cos.cosObject.key: missing (expected "/<appid>/<bucket>/<key>")
	// unrecognised event: expected a COS event ("Records"), a timer event ("Type":"Timer") or an HTTP request ("httpMethod"); got an object with keys [a b]
}

// An HTTP request in either shape, with its query as url.Values.
func ExampleHTTPRequest() {
	raw, err := os.ReadFile("testdata/function_url_request.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	ev, err := events.Parse(raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := ev.HTTP
	fmt.Println(r.HTTPMethod, r.Path, r.Query().Get("states"), r.IsFunctionURL(), r.RemoteIP())
	// Output:
	// GET /v1/jobs Running true 198.51.100.23
}
