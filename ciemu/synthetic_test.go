package ciemu_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

// TestSyntheticListsAsStored lists a synthetic bucket and the same objects
// stored one by one (PutObject), each with a few stored objects around and
// among them (one of the same key as a synthetic object, which shadows
// it), and wants the same pages: keys, times, sizes, ETags, truncation
// and markers, at every prefix, marker and max-keys tried.
func TestSyntheticListsAsStored(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s := ciemu.Synthetic{Bucket: citest.Bucket, Prefix: "syn/", Suffix: ".mp4", Count: 250, Size: 7,
		Old: t0.Add(-48 * time.Hour), RecentEvery: 7, RecentFrom: t0.Add(-time.Hour), RecentTo: t0}
	synth, synthURL := citest.Emulator(t, ciemu.Options{})
	stored, storedURL := citest.Emulator(t, ciemu.Options{})
	if err := synth.Synthesize(s); err != nil {
		t.Fatal(err)
	}
	recent := (s.Count + s.RecentEvery - 1) / s.RecentEvery
	span := time.Hour.Milliseconds()
	for i := 0; i < s.Count; i++ {
		modified := s.Old
		if i%s.RecentEvery == 0 {
			modified = t0.Add(-time.Hour + time.Duration(span*int64(i/s.RecentEvery)/int64(recent))*time.Millisecond)
		}
		if err := stored.PutObject(citest.Bucket, fmt.Sprintf("syn/%010d.mp4", i), s.Size, modified); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"a.jpg", "syn/", "syn/0000000010.mp4", "syn/0000000100.mp4.bak", "syn/x", "zz"} {
		for _, emu := range []*ciemu.Emulator{synth, stored} {
			if err := emu.PutObject(citest.Bucket, k, 99, t0); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := stored.Objects(citest.Bucket)
	if got := synth.Objects(citest.Bucket); !reflect.DeepEqual(got, want) {
		t.Fatalf("Objects: %d objects, want %d", len(got), len(want))
	}
	if want[1].Key != "syn/" || want[12].Key != "syn/0000000010.mp4" || want[12].Size != 99 {
		t.Fatalf("the fixture is not what the test means: %+v, %+v", want[1], want[12])
	}
	if n := len(synth.Executions(citest.Bucket, wf)); n != 0 {
		t.Errorf("%d runs seeded without LostEvery", n)
	}
	synthC, storedC := citest.Client(t, synthURL, nil), citest.Client(t, storedURL, nil)
	for _, prefix := range []string{"", "syn/", "syn/00000001", "syn/0000000249.mp4", "syn/0000000250", "syn/1", "s", "zzz"} {
		for _, marker := range []string{"", "syn/", "syn/0000000100.mp4", "syn/00000001", "syn/0000000249.mp4", "a.jpg"} {
			for _, maxKeys := range []int{0, 1, 7, 100} {
				in := cosclient.ListObjectsInput{Prefix: prefix, Marker: marker, MaxKeys: maxKeys}
				got := citest.AllPages(t, cosclient.NewObjectsPaginator(synthC, &in))
				want := citest.AllPages(t, cosclient.NewObjectsPaginator(storedC, &in))
				if len(got) != len(want) {
					t.Fatalf("%+v: %d pages, want %d", in, len(got), len(want))
				}
				for p := range got {
					if !reflect.DeepEqual(got[p].Contents, want[p].Contents) || got[p].IsTruncated != want[p].IsTruncated || got[p].NextMarker != want[p].NextMarker {
						t.Fatalf("%+v, page %d:\n got %+v\nwant %+v", in, p, got[p], want[p])
					}
				}
			}
		}
	}
}

// TestSyntheticRuns checks the runs seeded for the recent objects: one
// Success a second after the object's time, except every LostEvery-th.
func TestSyntheticRuns(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	emu, _ := citest.Emulator(t, ciemu.Options{})
	s := ciemu.Synthetic{Bucket: citest.Bucket, Prefix: "p/", Count: 100, Old: t0.Add(-48 * time.Hour),
		RecentEvery: 10, RecentFrom: t0.Add(-10 * time.Second), RecentTo: t0, WorkflowID: wf, LostEvery: 4}
	if err := emu.Synthesize(s); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range emu.Executions(citest.Bucket, wf) {
		got = append(got, x.Object+" "+x.CreateTime+" "+string(x.State))
	}
	// Recent: 0, 10, ..., 90 at t0-10s+j s; lost: j = 0, 4, 8.
	var want []string
	for _, j := range []int{1, 2, 3, 5, 6, 7, 9} {
		created := t0.Add(time.Duration(j-9) * time.Second).In(time.FixedZone("", 8*3600)).Format(time.RFC3339)
		want = append(want, fmt.Sprintf("p/%010d %s Success", 10*j, created))
	}
	if !slices.Equal(got, want) {
		t.Errorf("runs\n got %q\nwant %q", got, want)
	}
	if n := emu.TriggerCount(citest.Bucket, wf, "p/0000000010"); n != 1 {
		t.Errorf("TriggerCount of a seeded run = %d, want 1", n)
	}
	emu.Reset()
	if objs := emu.Objects(citest.Bucket); len(objs) != 0 {
		t.Errorf("Reset kept %d synthetic objects", len(objs))
	}
}

func TestSynthesizeRejects(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ok := ciemu.Synthetic{Bucket: citest.Bucket, Prefix: "p/", Count: 10, RecentEvery: 2, RecentFrom: t0, RecentTo: t0.Add(time.Hour),
		WorkflowID: wf, LostEvery: 3}
	emu, _ := citest.Emulator(t, ciemu.Options{})
	if err := emu.Synthesize(ok); err != nil {
		t.Fatalf("the valid spec: %v", err)
	}
	for name, change := range map[string]func(*ciemu.Synthetic){
		"bucket":          func(s *ciemu.Synthetic) { s.Bucket = "no" },
		"count":           func(s *ciemu.Synthetic) { s.Count = -1 },
		"size":            func(s *ciemu.Synthetic) { s.Size = -1 },
		"recent every":    func(s *ciemu.Synthetic) { s.RecentEvery = -1 },
		"lost every":      func(s *ciemu.Synthetic) { s.LostEvery = -1 },
		"empty window":    func(s *ciemu.Synthetic) { s.RecentTo = s.RecentFrom },
		"runs need an ID": func(s *ciemu.Synthetic) { s.WorkflowID = "" },
		"key":             func(s *ciemu.Synthetic) { s.Prefix = "p\x01" },
	} {
		s := ok
		change(&s)
		if err := emu.Synthesize(s); err == nil {
			t.Errorf("%s: accepted %+v", name, s)
		}
	}
}
