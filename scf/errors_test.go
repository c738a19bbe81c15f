package scf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"testing"
)

// OperationError stands in for a typed error from another package.
type OperationError struct{ Op string }

func (e *OperationError) Error() string { return "op " + e.Op + " failed" }

// valueError is an error implemented on a value receiver.
type valueError struct{}

func (valueError) Error() string { return "value" }

func TestErrorType(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"pointer stripped", &OperationError{Op: "x"}, "OperationError"},
		{"value receiver", valueError{}, "valueError"},
		{"errors.New", errors.New("x"), "errorString"},
		{"fmt.Errorf wrap", fmt.Errorf("x: %w", fs.ErrNotExist), "wrapError"},
		{"stdlib typed", &fs.PathError{Op: "open"}, "PathError"},
		{"panic string", "boom", "string"},
		{"unnamed type", map[string]int{}, "map[string]int"},
		{"nil", nil, "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorType(tt.v); got != tt.want {
				t.Errorf("errorType(%T) = %q, want %q", tt.v, got, tt.want)
			}
		})
	}
}

func TestErrorResponse(t *testing.T) {
	got := errorResponse(&OperationError{Op: "SubmitJob"})
	if got.Message != "op SubmitJob failed" || got.Type != "OperationError" || got.ShouldExit || got.StackTrace != nil {
		t.Errorf("errorResponse = %+v", got)
	}
}

// panicHere panics on a known line, returned by panicLine.
func panicHere(kind string) {
	switch kind {
	case "value":
		panic("boom") // panicLine: value
	case "nil map":
		var m map[string]int
		//lint:ignore SA5000 deliberate: a panic raised inside the runtime (mapassign), to check the trace still starts at the write
		m["x"] = 1 // panicLine: nil map
	case "index":
		var s []int
		_ = s[len(kind)] // panicLine: index
	}
}

// panicLine finds the line of panicHere marked with the kind's comment, so
// the test does not hard-code line numbers.
func panicLine(t *testing.T, kind string) (file string, line int) {
	t.Helper()
	_, file, _, _ = runtime.Caller(0)
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasSuffix(l, "// panicLine: "+kind) {
			return file, i + 1
		}
	}
	t.Fatalf("no panicLine marker for %q", kind)
	return "", 0
}

func TestCallHandlerPanicStack(t *testing.T) {
	for _, kind := range []string{"value", "nil map", "index"} {
		t.Run(kind, func(t *testing.T) {
			h := func(ctx context.Context, _ json.RawMessage) (any, error) {
				panicHere(kind)
				return "unreachable", nil
			}
			_, perr := callHandler(context.Background(), h, nil)
			if perr == nil {
				t.Fatal("callHandler reported no failure; want the panic")
			}
			if !perr.ShouldExit || perr.Message == "" {
				t.Errorf("panic error = %+v, want ShouldExit and a message", perr)
			}
			if len(perr.StackTrace) < 2 {
				t.Fatalf("stack has %d frames, want the panic site and the handler", len(perr.StackTrace))
			}
			wantFile, wantLine := panicLine(t, kind)
			top := perr.StackTrace[0]
			if top.Path != wantFile || int(top.Line) != wantLine || !strings.HasSuffix(top.Label, ".panicHere") {
				t.Errorf("top frame = %+v, want %s:%d in panicHere", top, wantFile, wantLine)
			}
			for _, fr := range perr.StackTrace {
				if fr.Label == callHandlerName || strings.HasPrefix(fr.Label, "runtime.") {
					t.Errorf("frame %+v should have been trimmed", fr)
				}
			}
			if last := perr.StackTrace[len(perr.StackTrace)-1]; !strings.Contains(last.Label, "TestCallHandlerPanicStack") {
				t.Errorf("last frame = %+v, want the handler closure", last)
			}
		})
	}
}

func TestPanicMessages(t *testing.T) {
	tests := []struct {
		name     string
		v        any
		wantMsg  string
		wantType string
	}{
		{"string", "boom", "boom", "string"},
		{"error", &OperationError{Op: "x"}, "op x failed", "OperationError"},
		{"int", 42, "42", "int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := panicResponse(tt.v, nil)
			if got.Message != tt.wantMsg || got.Type != tt.wantType || !got.ShouldExit {
				t.Errorf("panicResponse(%v) = %+v", tt.v, got)
			}
		})
	}
}
