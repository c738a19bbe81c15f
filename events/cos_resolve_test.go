package events

import (
	"errors"
	"strings"
	"testing"
)

// TestResolveKeys covers the object key (cosObject.key stripped, as
// delivered) and its cross-check with cosObject.url.
func TestResolveKeys(t *testing.T) {
	const host = "http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/"
	tests := []struct {
		name     string
		key, url string // key without the /<appid>/<bucket>/ prefix
		want     string
		wantURL  string // URLKey
		wantErr  string
	}{
		{"plain", "a/b.jpg", host + "a/b.jpg", "a/b.jpg", "", ""},
		{"space raw key", "my cat.jpg", host + "my%20cat.jpg", "my cat.jpg", "", ""},
		{"space encoded key is kept encoded", "my%20cat.jpg", host + "my%20cat.jpg", "my%20cat.jpg", "", ""},
		{"plus is literal in a path", "a+b.jpg", host + "a+b.jpg", "a+b.jpg", "", ""},
		{"plus encoded in url", "a+b.jpg", host + "a%2Bb.jpg", "a+b.jpg", "", ""},
		{"literal %20 in the name", "a%20b", host + "a%2520b", "a%20b", "", ""},
		{"percent", "100%.pdf", host + "100%25.pdf", "100%.pdf", "", ""},
		{"hash encoded", "#1.txt", host + "%231.txt", "#1.txt", "", ""},
		{"hash raw in url", "x#1.txt", host + "x#1.txt", "x#1.txt", "", ""},
		{"question raw in url", "what?.txt", host + "what?.txt", "what?.txt", "", ""},
		{"question encoded", "what?.txt", host + "what%3F.txt", "what?.txt", "", ""},
		{"cjk raw key", "照片/猫.jpg", host + "%E7%85%A7%E7%89%87/%E7%8C%AB.jpg", "照片/猫.jpg", "", ""},
		{"cjk encoded key is kept encoded", "%E7%8C%AB.jpg", host + "%E7%8C%AB.jpg", "%E7%8C%AB.jpg", "", ""},
		{"public payload: raw key, encoded url", "!!!!!!!", "http://bookshelfplus-1302260381.cos.ap-guangzhou.myqcloud.com/%21%21%21%21%21%21%21", "!!!!!!!", "", ""},
		{"leading slash", "/a", host + "/a", "/a", "", ""},
		{"no url", "a b+c.jpg", "", "a b+c.jpg", "", ""},
		{"unparseable url", "a.jpg", "::not a url", "a.jpg", "", ""},
		{"bad escape in url", "100%.pdf", host + "100%.pdf", "100%.pdf", "", ""},
		{"undecodable key", "%zz", host + "%25zz", "%zz", "", ""},
		{"mismatch keeps the key", "a.jpg", host + "b.jpg", "a.jpg", "b.jpg", ""},
		{"plus is not space", "a b.jpg", host + "a+b.jpg", "a b.jpg", "a+b.jpg", ""},
		{"url reads as invalid UTF-8", "a.jpg", host + "%ff", "a.jpg", "\xff", ""},
		{"long key is cosclient's concern", strings.Repeat("k", 851), "", strings.Repeat("k", 851), "", ""},
		{"raw bytes are cosclient's concern", "\xff", "", "\xff", "", ""},
		{"empty", "", host, "", "", "names no object: the key after the prefix is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := COSRecord{COS: COSEntity{
				Bucket: COSBucket{Name: "examplebucket", AppID: "1250000000", Region: "gz"},
				Object: COSObject{Key: "/1250000000/examplebucket/" + tt.key, URL: tt.url},
			}}
			ref, err := rec.Resolve()
			if tt.wantErr != "" {
				var de *DecodeError
				if !errors.As(err, &de) || de.Field != "cos.cosObject.key" || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Resolve() = %+v, %v; want a *DecodeError on cos.cosObject.key containing %q", ref, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if ref.Key != tt.want || ref.URLKey != tt.wantURL {
				t.Errorf("Key, URLKey = %q, %q; want %q, %q", ref.Key, ref.URLKey, tt.want, tt.wantURL)
			}
		})
	}
}

// TestResolveRegionAndBucket covers region precedence and mapping, and the
// bucket name.
func TestResolveRegionAndBucket(t *testing.T) {
	tests := []struct {
		name       string
		bucket     COSBucket
		wantRegion string
		wantBucket string
		wantErr    string
	}{
		{"cosRegion wins", COSBucket{Name: "b", AppID: "1", Region: "gz", COSRegion: "ap-shanghai", S3Region: "ap-beijing"}, "ap-shanghai", "b-1", ""},
		{"s3Region next", COSBucket{Name: "b", AppID: "1", Region: "gz", S3Region: "ap-beijing"}, "ap-beijing", "b-1", ""},
		{"short code", COSBucket{Name: "b", AppID: "1", Region: "cd"}, "ap-chengdu", "b-1", ""},
		{"tj is beijing-1", COSBucket{Name: "b", AppID: "1", Region: "tj"}, "ap-beijing-1", "b-1", ""},
		{"full name in region", COSBucket{Name: "b", AppID: "1", Region: "na-toronto"}, "na-toronto", "b-1", ""},
		{"name already suffixed", COSBucket{Name: "b-1", AppID: "1", Region: "gz"}, "ap-guangzhou", "b-1", ""},
		{"unknown code", COSBucket{Name: "b", AppID: "1", Region: "zz"}, "", "", `cos.cosBucket.region: unknown short region code "zz"`},
		{"bad cosRegion", COSBucket{Name: "b", AppID: "1", COSRegion: "ap-Guangzhou/x"}, "", "", "cos.cosBucket.cosRegion"},
		{"bad bucket name", COSBucket{Name: "B_1", AppID: "1", Region: "gz"}, "", "", "cos.cosBucket.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := COSRecord{COS: COSEntity{Bucket: tt.bucket,
				Object: COSObject{Key: "/" + tt.bucket.AppID + "/" + tt.bucket.Name + "/k"}}}
			ref, err := rec.Resolve()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Resolve() = %+v, %v; want error containing %q", ref, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if ref.Region != tt.wantRegion || ref.Bucket != tt.wantBucket {
				t.Errorf("got (%q, %q), want (%q, %q)", ref.Bucket, ref.Region, tt.wantBucket, tt.wantRegion)
			}
		})
	}
}

// TestFullRegion checks every documented short code expands to a full name.
func TestFullRegion(t *testing.T) {
	for short, want := range shortRegions {
		got, err := FullRegion(short)
		if err != nil || got != want || !strings.Contains(got, "-") {
			t.Errorf("FullRegion(%q) = %q, %v; want %q", short, got, err, want)
		}
	}
	if _, err := FullRegion(""); err == nil {
		t.Error("FullRegion(\"\") succeeded")
	}
}

// TestResolveETag checks quote stripping and case-insensitive lookup.
func TestResolveETag(t *testing.T) {
	for _, tt := range []struct {
		meta map[string]string
		want string
	}{
		{map[string]string{"ETag": `"abc"`}, "abc"},
		{map[string]string{"Etag": `"abc-3"`}, "abc-3"},
		{map[string]string{"ETag": `abc`}, "abc"},
		{map[string]string{"ETag": `"`}, `"`},
		{nil, ""},
	} {
		rec := COSRecord{COS: COSEntity{
			Bucket: COSBucket{Name: "b", AppID: "1", Region: "gz"},
			Object: COSObject{Key: "/1/b/k", Meta: tt.meta},
		}}
		ref, err := rec.Resolve()
		if err != nil || ref.ETag != tt.want {
			t.Errorf("meta %v: ETag = %q, %v; want %q", tt.meta, ref.ETag, err, tt.want)
		}
	}
}
