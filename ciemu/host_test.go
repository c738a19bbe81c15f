package ciemu

import (
	"testing"

	"github.com/cosflow/cosflow/cosclient"
)

func TestBucketFromHost(t *testing.T) {
	const ci, cos = cosclient.ServiceCI, cosclient.ServiceCOS
	tests := []struct {
		host, bucket, service string // bucket "" means InvalidHost
	}{
		{"examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com", "examplebucket-1250000000", ci},
		{"examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com:443", "examplebucket-1250000000", ci},
		{"Example-Bucket-1250000000.CI.ap-beijing.myqcloud.com", "example-bucket-1250000000", ci},
		{"my-long-name-1-1250000000.ci.na-siliconvalley.myqcloud.com", "my-long-name-1-1250000000", ci},
		{"examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com", "examplebucket-1250000000", cos},
		{"examplebucket-1250000000.COS.ap-guangzhou.myqcloud.com:80", "examplebucket-1250000000", cos},
		{"127.0.0.1:9100", "", ""},
		{"examplebucket-1250000000.cvm.ap-guangzhou.myqcloud.com", "", ""},
		{"examplebucket-1250000000.ap-guangzhou.myqcloud.com", "", ""},
		{"examplebucket-1250000000.ci.myqcloud.com", "", ""},
		{"examplebucket-1250000000.ci.ap-guangzhou.x.myqcloud.com", "", ""},
		{"examplebucket.ci.ap-guangzhou.myqcloud.com", "", ""},
		{"examplebucket-12a.ci.ap-guangzhou.myqcloud.com", "", ""},
		{"-bucket-1250000000.ci.ap-guangzhou.myqcloud.com", "", ""},
		{"bucket--1250000000.cos.ap-guangzhou.myqcloud.com", "", ""},
		{"bu_cket-1250000000.ci.ap-guangzhou.myqcloud.com", "", ""},
		{"bucket-1250000000.ci.guangzhou.myqcloud.com", "", ""},
		{"bucket-1250000000.ci.ap-guangzhou.example.com", "", ""},
		{"a2345678901234567890123456789012345678901234567890123-1250000000.ci.ap-guangzhou.myqcloud.com", "", ""},
	}
	for _, tt := range tests {
		got, service, err := bucketFromHost(tt.host)
		if tt.bucket == "" {
			if err == nil || err.code != "InvalidHost" || err.status != 400 {
				t.Errorf("%s: got %q %q, %v; want InvalidHost", tt.host, got, service, err)
			}
			continue
		}
		if err != nil || got != tt.bucket || service != tt.service {
			t.Errorf("%s: got %q %q, %v; want %q %q", tt.host, got, service, err, tt.bucket, tt.service)
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
