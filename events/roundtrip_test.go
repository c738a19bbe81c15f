package events

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// readFixture loads testdata/name.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return raw
}

// assertSameJSON fails unless a and b hold the same JSON value.
func assertSameJSON(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("unmarshal want: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("unmarshal got: %v", err)
	}
	if !reflect.DeepEqual(w, g) {
		t.Errorf("round trip changed the JSON:\nwant %s\ngot  %s", want, got)
	}
}

// roundTrips are the fixtures and the type each one decodes into; every
// fixture under testdata is one of them (TestFixturesAllCovered).
var roundTrips = []struct {
	fixture string
	newV    func() any
}{
	{"cos_put.json", func() any { return new(COSEvent) }},
	{"cos_multi.json", func() any { return new(COSEvent) }},
	{"cos_old_format.json", func() any { return new(COSEvent) }},
	{"cos_tricky_keys.json", func() any { return new(COSEvent) }},
	{"cos_raw_key.json", func() any { return new(COSEvent) }},
	{"timer.json", func() any { return new(TimerEvent) }},
	{"timer_empty.json", func() any { return new(TimerEvent) }},
	{"timer_continuation.json", func() any { return new(TimerEvent) }},
	{"apigw_request.json", func() any { return new(HTTPRequest) }},
	{"function_url_request.json", func() any { return new(HTTPRequest) }},
	{"http_response.json", func() any { return new(HTTPResponse) }},
}

// TestFixtureRoundTrip unmarshals every fixture into its type, marshals it
// back and checks nothing on the wire was lost or invented.
func TestFixtureRoundTrip(t *testing.T) {
	for _, tt := range roundTrips {
		t.Run(tt.fixture, func(t *testing.T) {
			raw := readFixture(t, tt.fixture)
			v := tt.newV()
			if err := json.Unmarshal(raw, v); err != nil {
				t.Fatalf("unmarshal: %v", err)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			assertSameJSON(t, raw, out)
		})
	}
}

// TestFixturesAllCovered makes sure a new fixture is not forgotten by the
// round-trip table above, and that the table names no fixture that is
// gone.
func TestFixturesAllCovered(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var files, table []string
	for _, p := range paths {
		files = append(files, filepath.Base(p))
	}
	for _, tt := range roundTrips {
		table = append(table, tt.fixture)
	}
	slices.Sort(files)
	slices.Sort(table)
	if !slices.Equal(files, table) {
		t.Errorf("testdata holds %v,\nthe round-trip table covers %v: make them agree", files, table)
	}
}
