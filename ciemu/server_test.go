package ciemu

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient/cossign"
)

func getJobs(base string) (int, error) {
	req, err := http.NewRequest("GET", base+"/inventorytriggerjob", nil)
	if err != nil {
		return 0, err
	}
	req.Host = testHost
	req.Header.Set("Authorization", cossign.Authorization(req, DefaultSecretID, DefaultSecretKey, cossign.NewWindow(time.Now(), time.Minute, time.Minute)))
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestStart(t *testing.T) {
	s, err := New(Options{}).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if status, err := getJobs(s.URL()); err != nil || status != 200 {
		t.Fatalf("GET: %d, %v", status, err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := getJobs(s.URL()); err == nil {
		t.Error("server still answers after Close")
	}
	if _, err := New(Options{}).Start("127.0.0.1:-1"); err == nil {
		t.Error("Start on a bad address succeeded")
	}
}

func TestListenAndServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(Options{}).ListenAndServe(ctx, addr) }()
	waitFor(t, func() bool { status, err := getJobs("http://" + addr); return err == nil && status == 200 })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ListenAndServe after cancel: %v", err)
	}
}
