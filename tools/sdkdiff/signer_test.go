package sdkdiff

import (
	"math/rand"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/cosflow/cosflow/cosclient/cossign"
)

// TestCossignAgainstOfficialSDK signs random requests with cossign and with
// the official Go SDK and requires the same Authorization, field by field.
func TestCossignAgainstOfficialSDK(t *testing.T) {
	const n = 1200
	rng := rand.New(rand.NewSource(20261122))
	alphabet := []rune("abcxyzABCXYZ0189 +%/-_.~!*'()&=?#,:@$图片腾讯云")
	randStr := func(min, max int) string {
		var b strings.Builder
		for i := min + rng.Intn(max-min+1); i > 0; i-- {
			b.WriteRune(alphabet[rng.Intn(len(alphabet))])
		}
		return b.String()
	}
	methods := []string{"GET", "PUT", "POST", "DELETE", "HEAD"}
	paramNames := []string{"workflowId", "object", "name", "cancel", "nextToken", "size", "states", "response-content-type", "Mixed Case", "x+y", "图"}
	headerNames := []string{"Content-Type", "Content-Md5", "Content-Length", "X-Cos-Meta-Author", "X-Cos-Acl", "X-Ci-Trace", "X-Ci-Security-Token", "X-Cos-Security-Token"}
	unsigned := []string{"User-Agent", "Accept", "X-Other"}
	start := time.Unix(1557989753, 0)
	end := time.Unix(1557996953, 0)

	for i := range n {
		u := &url.URL{Scheme: "https", Host: "examplebucket-1250000000.ci.ap-beijing.myqcloud.com", Path: "/" + randStr(0, 20)}
		// Names are distinct within one request: for a repeated name the SDK
		// orders values before encoding them and this package after, a
		// difference no CI request of ours can hit.
		var q []string
		for _, j := range rng.Perm(len(paramNames))[:rng.Intn(5)] {
			k := paramNames[j]
			if rng.Intn(4) == 0 {
				q = append(q, url.QueryEscape(k)) // valueless, like ?cancel
			} else {
				q = append(q, url.QueryEscape(k)+"="+url.QueryEscape(randStr(0, 12)))
			}
		}
		u.RawQuery = strings.Join(q, "&")
		req := &http.Request{Method: methods[rng.Intn(len(methods))], URL: u, Host: u.Host, Header: http.Header{}}
		for _, j := range rng.Perm(len(headerNames))[:rng.Intn(5)] {
			req.Header.Set(headerNames[j], randStr(1, 16))
		}
		for j := rng.Intn(2); j > 0; j-- {
			req.Header.Add(unsigned[rng.Intn(len(unsigned))], randStr(1, 8))
		}
		id, key, token := "AKID"+randAlnum(rng, 32), randStr(8, 32), ""
		if rng.Intn(2) == 0 {
			token = "tok" + randStr(4, 20)
			req.Header.Set("X-Cos-Security-Token", token) // as the client sends it
			req.Header.Set("X-Ci-Security-Token", token)
		}

		ours := cossign.Authorization(req, id, key, cossign.Window{Start: start.Unix(), End: end.Unix()})
		sdkReq := req.Clone(req.Context())
		cos.AddAuthorizationHeader(id, key, token, sdkReq, &cos.AuthTime{
			SignStartTime: start, SignEndTime: end, KeyStartTime: start, KeyEndTime: end,
		})
		theirs := sdkReq.Header.Get("Authorization")

		a, err := cossign.Parse(ours)
		if err != nil {
			t.Fatalf("request %d: parse ours %q: %v", i, ours, err)
		}
		b, err := cossign.Parse(theirs)
		if err != nil {
			t.Fatalf("request %d: parse SDK's %q: %v", i, theirs, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("request %d: %s %s?%s headers %v\nours %+v\nSDK  %+v", i, req.Method, u.Path, u.RawQuery, req.Header, a, b)
		}
		if !cossign.Valid(sdkReq, b, key) {
			t.Fatalf("request %d: our verifier rejects the SDK's signature", i)
		}
	}
}

func randAlnum(rng *rand.Rand, n int) string {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[rng.Intn(len(chars))]
	}
	return string(b)
}
