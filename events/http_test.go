package events

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestQueryValuesUnmarshal covers the three wire forms and the errors.
func TestQueryValuesUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    QueryValues
		wantErr bool
	}{
		{`"1"`, QueryValues{"1"}, false},
		{`""`, QueryValues{""}, false},
		{`true`, QueryValues{""}, false},
		{`["x","y"]`, QueryValues{"x", "y"}, false},
		{`["x",true]`, QueryValues{"x", ""}, false},
		{`[]`, QueryValues{}, false},
		{`null`, nil, false},
		{`"a\u0026b"`, QueryValues{"a&b"}, false},
		{`false`, nil, true},
		{`1`, nil, true},
		{`{"a":"b"}`, nil, true},
		{`["x",2]`, nil, true},
		{`[["x"]]`, nil, true},
	}
	for _, tt := range tests {
		var got QueryValues
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr || !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Unmarshal(%s) = %#v, %v; want %#v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestQueryValuesMarshal checks the gateway's forms are written back.
func TestQueryValuesMarshal(t *testing.T) {
	tests := []struct {
		in   QueryValues
		want string
	}{
		{QueryValues{"1"}, `"1"`},
		{QueryValues{""}, `true`},
		{QueryValues{"x", "y"}, `["x","y"]`},
		{QueryValues{}, `[]`},
		{nil, `null`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.in)
		if err != nil || string(got) != tt.want {
			t.Errorf("Marshal(%#v) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

// TestHTTPRequestShapes checks the helpers on both fixture shapes.
func TestHTTPRequestShapes(t *testing.T) {
	tests := []struct {
		fixture     string
		functionURL bool
		method      string
		path        string
		rawQuery    string
		remoteIP    string
		auth        string // canonical Header().Get("Authorization") prefix
		body        string
	}{
		{"apigw_request.json", false, "POST", "/v1/trigger", "dryRun=false&force=&tag=nightly&tag=manual", "203.0.113.7", "Bearer eyJ",
			`{"bucket":"examplebucket-1250000000","region":"ap-guangzhou","object":"photos/2026/cat.jpg","workflowId":"w8f3c2a1b9d0e4f5a6b7c8d9e0f1a2b3c"}`},
		{"function_url_request.json", true, "GET", "/v1/jobs", "size=10&states=Running", "198.51.100.23", "Bearer eyJ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ev, err := Parse(readFixture(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			r := ev.HTTP
			if r.IsFunctionURL() != tt.functionURL || r.HTTPMethod != tt.method || r.Path != tt.path {
				t.Errorf("shape/method/path = %v %s %s", r.IsFunctionURL(), r.HTTPMethod, r.Path)
			}
			if got := r.RawQuery(); got != tt.rawQuery {
				t.Errorf("RawQuery() = %q, want %q", got, tt.rawQuery)
			}
			if got := r.RemoteIP(); got != tt.remoteIP {
				t.Errorf("RemoteIP() = %q, want %q", got, tt.remoteIP)
			}
			if got := r.Header().Get("Authorization"); len(got) < len(tt.auth) || got[:len(tt.auth)] != tt.auth {
				t.Errorf("Header().Get(Authorization) has the wrong prefix")
			}
			body, err := r.BodyBytes()
			if err != nil || string(body) != tt.body {
				t.Errorf("BodyBytes() = %q, %v; want %q", body, err, tt.body)
			}
		})
	}
}

// TestHTTPRequestBase64Body checks base64 bodies are decoded, and bad ones rejected.
func TestHTTPRequestBase64Body(t *testing.T) {
	r := HTTPRequest{Body: "AAH/", IsBase64Encoded: true}
	if b, err := r.BodyBytes(); err != nil || string(b) != "\x00\x01\xff" {
		t.Errorf("BodyBytes() = %q, %v", b, err)
	}
	r.Body = "not base64!"
	if _, err := r.BodyBytes(); err == nil {
		t.Error("BodyBytes() accepted invalid base64")
	}
}

// TestHTTPRequestMarshalShapes checks each shape marshals with its own fields.
func TestHTTPRequestMarshalShapes(t *testing.T) {
	fn, err := json.Marshal(HTTPRequest{HTTPMethod: "GET", Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"httpMethod":"GET","path":"/","body":""}`; string(fn) != want {
		t.Errorf("function URL shape = %s, want %s", fn, want)
	}
	gw, err := json.Marshal(HTTPRequest{HTTPMethod: "GET", Path: "/", RequestContext: &HTTPRequestContext{Stage: "release"}})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(gw, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"isBase64Encoded", "pathParameters", "queryStringParameters", "headerParameters", "requestContext"} {
		if _, ok := m[k]; !ok {
			t.Errorf("gateway shape lacks %q: %s", k, gw)
		}
	}
}
