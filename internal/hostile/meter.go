package hostile

import (
	"io"
	"net/http"
	"sync/atomic"
)

// Meter is an http.RoundTripper that counts the bytes a client reads of
// its answers' bodies: give its Client to the client under test (its
// HTTPClient option) to see how much of a huge answer it took in.
type Meter struct {
	next http.RoundTripper
	read atomic.Int64
}

// NewMeter returns a Meter over a fresh transport.
func NewMeter() *Meter {
	return &Meter{next: http.DefaultTransport.(*http.Transport).Clone()}
}

// Client is an http.Client sending through m.
func (m *Meter) Client() *http.Client { return &http.Client{Transport: m} }

// BodyBytes is how many body bytes were read so far, over all answers.
func (m *Meter) BodyBytes() int64 { return m.read.Load() }

// RoundTrip implements http.RoundTripper.
func (m *Meter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := m.next.RoundTrip(r)
	if err == nil {
		resp.Body = &meteredBody{ReadCloser: resp.Body, m: m}
	}
	return resp, err
}

type meteredBody struct {
	io.ReadCloser
	m *Meter
}

func (b *meteredBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.m.read.Add(int64(n))
	return n, err
}
