package ciemu

import "testing"

func TestBucketFromHost(t *testing.T) {
	tests := []struct {
		host, bucket string // bucket "" means InvalidHost
	}{
		{"examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com", "examplebucket-1250000000"},
		{"examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com:443", "examplebucket-1250000000"},
		{"Example-Bucket-1250000000.CI.ap-beijing.myqcloud.com", "example-bucket-1250000000"},
		{"my-long-name-1-1250000000.ci.na-siliconvalley.myqcloud.com", "my-long-name-1-1250000000"},
		{"127.0.0.1:9100", ""},
		{"examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com", ""},
		{"examplebucket.ci.ap-guangzhou.myqcloud.com", ""},
		{"examplebucket-12a.ci.ap-guangzhou.myqcloud.com", ""},
		{"-bucket-1250000000.ci.ap-guangzhou.myqcloud.com", ""},
		{"bucket--1250000000.ci.ap-guangzhou.myqcloud.com", ""},
		{"bu_cket-1250000000.ci.ap-guangzhou.myqcloud.com", ""},
		{"bucket-1250000000.ci.guangzhou.myqcloud.com", ""},
		{"bucket-1250000000.ci.ap-guangzhou.example.com", ""},
		{"a2345678901234567890123456789012345678901234567890123-1250000000.ci.ap-guangzhou.myqcloud.com", ""},
	}
	for _, tt := range tests {
		got, err := bucketFromHost(tt.host)
		if tt.bucket == "" {
			if err == nil || err.code != "InvalidHost" || err.status != 400 {
				t.Errorf("%s: got %q, %v; want InvalidHost", tt.host, got, err)
			}
			continue
		}
		if err != nil || got != tt.bucket {
			t.Errorf("%s: got %q, %v; want %q", tt.host, got, err, tt.bucket)
		}
	}
}

func TestBadHostOnTheWire(t *testing.T) {
	e, srv := newTestServer(t, Options{})
	a := testCall{method: "GET", target: "/inventorytriggerjob", host: "127.0.0.1"}.do(t, srv)
	wantError(t, a, 400, "InvalidHost")
	calls := e.Calls()
	if len(calls) != 1 || calls[0].Bucket != "" || calls[0].Code != "InvalidHost" {
		t.Errorf("calls %+v", calls)
	}
}
