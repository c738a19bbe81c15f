package ciemu_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

// TestListObjectsThroughClient pages through a seeded bucket with
// cosclient's paginator at several page sizes and prefixes.
func TestListObjectsThroughClient(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{})
	c := citest.Client(t, url, nil)
	modified := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var all []string
	for i := 0; i < 25; i++ {
		for _, dir := range []string{"in/", "in/sub/", "out/"} {
			key := fmt.Sprintf("%s%02d.jpg", dir, i)
			if err := emu.PutObject(citest.Bucket, key, int64(i), modified); err != nil {
				t.Fatal(err)
			}
			all = append(all, key)
		}
	}
	slices.Sort(all)
	under := func(prefix string) []string {
		var keys []string
		for _, k := range all {
			if strings.HasPrefix(k, prefix) {
				keys = append(keys, k)
			}
		}
		return keys
	}
	for _, tt := range []struct {
		prefix, marker string
		maxKeys        int
	}{
		{"", "", 0}, {"", "", 1}, {"", "", 7}, {"", "", 75}, {"", "", 1000},
		{"in/", "", 10}, {"in/sub/", "", 24}, {"out/", "", 25}, {"nothing/", "", 5},
		{"in/", "in/12.jpg", 4},
	} {
		t.Run(fmt.Sprintf("%q after %q by %d", tt.prefix, tt.marker, tt.maxKeys), func(t *testing.T) {
			var got []string
			pages := citest.AllPages(t, cosclient.NewObjectsPaginator(c, &cosclient.ListObjectsInput{Prefix: tt.prefix, Marker: tt.marker, MaxKeys: tt.maxKeys}))
			for _, out := range pages {
				if tt.maxKeys != 0 && len(out.Contents) > tt.maxKeys {
					t.Fatalf("page of %d, max-keys %d", len(out.Contents), tt.maxKeys)
				}
				for _, o := range out.Contents {
					if o.LastModified != "2026-11-22T10:00:00.000Z" || o.StorageClass != "STANDARD" || !strings.HasPrefix(o.ETag, `"`) {
						t.Errorf("entry %+v", o)
					}
					got = append(got, o.Key)
				}
			}
			want := under(tt.prefix)
			if tt.marker != "" {
				want = want[slices.Index(want, tt.marker)+1:]
			}
			if !slices.Equal(got, want) {
				t.Errorf("listed %d keys %v, want %d %v", len(got), got, len(want), want)
			}
			if tt.maxKeys > 0 && len(want) > 0 && len(pages) != (len(want)+tt.maxKeys-1)/tt.maxKeys {
				t.Errorf("%d pages for %d keys by %d", len(pages), len(want), tt.maxKeys)
			}
		})
	}
	if got := emu.Objects(citest.Bucket); len(got) != len(all) || got[0].Key != all[0] {
		t.Errorf("Objects: %d, first %+v", len(got), got[0])
	}
}

// TestCOSSignatureFailuresThroughClient: cosclient sees the COS host's
// refusals as COS errors carrying x-cos-request-id, never retried.
func TestCOSSignatureFailuresThroughClient(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{})
	for _, tt := range []struct {
		name string
		cred cosclient.StaticCredentials
		code string
	}{
		{"wrong key", cosclient.StaticCredentials{SecretID: ciemu.DefaultSecretID, SecretKey: "wrong"}, "SignatureDoesNotMatch"},
		{"unknown id", cosclient.StaticCredentials{SecretID: "AKIDunknown", SecretKey: "k"}, "SecretidNotExist"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := citest.Client(t, url, func(o *cosclient.Options) { o.Credentials = tt.cred })
			_, err := c.ListObjects(context.Background(), &cosclient.ListObjectsInput{Prefix: "a"})
			var (
				oe *smithy.OperationError
				ae *cosclient.APIError
			)
			if !errors.As(err, &oe) || oe.ServiceID != cosclient.ServiceCOS || !errors.As(err, &ae) || ae.Code != tt.code {
				t.Fatalf("err %v, want a COS %s", err, tt.code)
			}
			calls := emu.Calls()
			last := calls[len(calls)-1]
			if cosclient.ErrorRequestID(err) != last.RequestID || cosclient.ErrorAttempts(err) != 1 || last.Operation != ciemu.OpListObjects {
				t.Errorf("request ID %q vs logged %+v; %d attempts", cosclient.ErrorRequestID(err), last, cosclient.ErrorAttempts(err))
			}
		})
	}
}
