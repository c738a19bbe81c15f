package ciemu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server is an Emulator listening on a TCP address.
type Server struct {
	ln   net.Listener
	srv  *http.Server
	done chan error
}

// Start listens on addr (e.g. 127.0.0.1:9100, or 127.0.0.1:0 for any free
// port) and serves e until Close.
func (e *Emulator) Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ciemu: listen %s: %w", addr, err)
	}
	s := &Server{
		ln: ln,
		srv: &http.Server{
			Handler:           e,
			ReadHeaderTimeout: 10 * time.Second,
			MaxHeaderBytes:    64 << 10,
		},
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// URL is where to send requests, e.g. http://127.0.0.1:9100. The Host
// header must still name the bucket and service:
// <BucketName-APPID>.ci.<Region>.myqcloud.com for CI,
// <BucketName-APPID>.cos.<Region>.myqcloud.com for the bucket itself.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the server at once, closing open connections.
func (s *Server) Close() error {
	err := s.srv.Close()
	if serveErr := <-s.done; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}

// ListenAndServe serves e on addr until ctx ends, then shuts down
// gracefully (open requests get up to 5 seconds).
func (e *Emulator) ListenAndServe(ctx context.Context, addr string) error {
	s, err := e.Start(addr)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err := <-s.done:
		return fmt.Errorf("ciemu: serve %s: %w", addr, err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(shutdownCtx); err != nil {
		s.srv.Close()
	}
	<-s.done
	return nil
}
