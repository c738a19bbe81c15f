package scf

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestDecodeEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    map[string]string
		wantErr bool
		wantKey string
	}{
		{name: "empty", raw: "", want: nil},
		{name: "blank", raw: "  \n", want: nil},
		{name: "empty object", raw: "{}", want: map[string]string{}},
		{name: "credentials", raw: `{"TENCENTCLOUD_SECRETID":"id","TENCENTCLOUD_SESSIONTOKEN":"tok"}`,
			want: map[string]string{"TENCENTCLOUD_SECRETID": "id", "TENCENTCLOUD_SESSIONTOKEN": "tok"}},
		{name: "null value", raw: `{"A":null}`, want: map[string]string{"A": ""}},
		{name: "malformed", raw: `{"A":`, wantErr: true},
		{name: "not an object", raw: `["A"]`, wantErr: true},
		{name: "number value", raw: `{"A":1}`, wantErr: true},
		{name: "empty key", raw: `{"":"x"}`, wantErr: true},
		{name: "key with =", raw: `{"A=B":"x"}`, wantErr: true, wantKey: "A=B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeEnvironment(tt.raw)
			if tt.wantErr {
				var envErr *EnvironmentError
				if !errors.As(err, &envErr) {
					t.Fatalf("err = %v, want *EnvironmentError", err)
				}
				if envErr.Key != tt.wantKey {
					t.Errorf("Key = %q, want %q", envErr.Key, tt.wantKey)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) || (got == nil) != (tt.want == nil) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestEnvironmentErrorHidesValues(t *testing.T) {
	const secret = "s3cr3t-value"
	for _, raw := range []string{`{"K":"` + secret + `"`, `{"K":["` + secret + `"]}`, `{"K":{"x":"` + secret + `"}}`} {
		_, err := decodeEnvironment(raw)
		if err == nil {
			t.Fatalf("decodeEnvironment(%q) succeeded", raw)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q leaks a value", err)
		}
	}
}

func TestApplyEnvironment(t *testing.T) {
	t.Setenv("SCF_TEST_APPLY_A", "old") // restored after the test
	t.Setenv("SCF_TEST_APPLY_B", "")
	if err := applyEnvironment(map[string]string{"SCF_TEST_APPLY_A": "new", "SCF_TEST_APPLY_B": "b"}); err != nil {
		t.Fatal(err)
	}
	if a, b := os.Getenv("SCF_TEST_APPLY_A"), os.Getenv("SCF_TEST_APPLY_B"); a != "new" || b != "b" {
		t.Errorf("env = %q, %q; want new, b", a, b)
	}
}
