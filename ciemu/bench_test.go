package ciemu

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient/cossign"
)

// BenchmarkServeTrigger measures the handler alone: verify the signature,
// validate, count, answer.
func BenchmarkServeTrigger(b *testing.B) {
	e := New(Options{})
	w := cossign.NewWindow(time.Now(), time.Minute, time.Hour)
	req := httptest.NewRequest("POST", "http://"+testHost+"/triggerworkflow?workflowId="+testWF+"&object=a.jpg", nil)
	req.Header.Set("Authorization", cossign.Authorization(req, DefaultSecretID, DefaultSecretKey, w))
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkLoopbackTrigger measures a signed TriggerWorkflow over loopback
// HTTP with keep-alive, in parallel.
func BenchmarkLoopbackTrigger(b *testing.B) {
	e := New(Options{MaxCalls: 1000})
	srv := httptest.NewServer(e)
	defer srv.Close()
	w := cossign.NewWindow(time.Now(), time.Minute, time.Hour)
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			req, _ := http.NewRequest("POST", srv.URL+"/triggerworkflow?workflowId="+testWF+"&object=o"+fmt.Sprint(i), nil)
			req.Host = testHost
			req.Header.Set("Authorization", cossign.Authorization(req, DefaultSecretID, DefaultSecretKey, w))
			resp, err := srv.Client().Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

// BenchmarkListFullStore measures one page of a list over a full store of
// 10,000 jobs (the default MaxJobs), the worst case of the linear scan.
func BenchmarkListFullStore(b *testing.B) {
	e := New(Options{})
	w := cossign.NewWindow(time.Now(), time.Minute, time.Hour)
	body := workflowJobBody("bench", "p/")
	for i := 0; i < DefaultMaxJobs; i++ {
		req := httptest.NewRequest("POST", "http://"+testHost+"/inventorytriggerjob", strings.NewReader(body))
		req.Header.Set("Authorization", cossign.Authorization(req, DefaultSecretID, DefaultSecretKey, w))
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
	}
	req := httptest.NewRequest("GET", "http://"+testHost+"/inventorytriggerjob?states=Success&size=100&orderByTime=Asc", nil)
	req.Header.Set("Authorization", cossign.Authorization(req, DefaultSecretID, DefaultSecretKey, w))
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
