package cosstate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/cosclient/cossign"
	"github.com/cosflow/cosflow/internal/citest"
	"github.com/cosflow/cosflow/internal/cosstate"
)

// cursor is a value of the kind callers keep.
type cursor struct {
	After string `json:"after"`
	Seen  int    `json:"seen"`
}

// newStore serves an emulator on loopback and returns a Store through a
// real client of it.
func newStore(t *testing.T, opts ciemu.Options) (*ciemu.Emulator, *cosstate.Store, string) {
	t.Helper()
	emu, url := citest.Emulator(t, opts)
	return emu, cosstate.New(citest.Client(t, url, nil)), url
}

// putRaw stores body at key as any other writer of the bucket would, past
// cosclient's own limits.
func putRaw(t *testing.T, url, key string, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, url+"/"+key, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = citest.Bucket + ".cos." + citest.Region + ".myqcloud.com"
	req.Header.Set("Authorization", cossign.Authorization(req, ciemu.DefaultSecretID, ciemu.DefaultSecretKey,
		cossign.NewWindow(time.Now(), time.Minute, time.Minute)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("raw PUT %s: %d", key, resp.StatusCode)
	}
}

var ctx = context.Background()

func TestReadWrite(t *testing.T) {
	_, s, url := newStore(t, ciemu.Options{})
	putRaw(t, url, "raw/not-json", []byte("not json"))
	putRaw(t, url, "raw/big", bytes.Repeat([]byte(" "), cosclient.MaxObjectBodyLen+1))
	if err := s.Write(ctx, "state/c", cursor{After: "k/1", Seen: 3}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  string
		want cursor
		err  func(error) bool // nil: no error
	}{
		{"written", "state/c", cursor{After: "k/1", Seen: 3}, nil},
		{"absent", "state/none", cursor{}, func(err error) bool { return errors.Is(err, cosstate.ErrNotFound) && cosclient.NotFound(err) }},
		{"not a state object", "raw/not-json", cursor{}, func(err error) bool { return strings.Contains(err.Error(), "not a state object") }},
		{"too large", "raw/big", cursor{}, func(err error) bool {
			return errors.Is(err, cosclient.ErrAnswerTooLarge) && !errors.Is(err, cosstate.ErrNotFound)
		}},
		{"invalid key", "state/../c", cursor{}, func(err error) bool { return len(cosclient.ParamErrors(err)) == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got cursor
			err := s.Read(ctx, tt.key, &got)
			if tt.err == nil && err != nil || tt.err != nil && (err == nil || !tt.err(err)) {
				t.Fatalf("err %v", err)
			}
			if got != tt.want {
				t.Errorf("read %+v, want %+v", got, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), strconv.Quote(tt.key)) {
				t.Errorf("error %q does not name the key", err)
			}
		})
	}
	// Write overwrites.
	if err := s.Write(ctx, "state/c", cursor{After: "k/2"}); err != nil {
		t.Fatal(err)
	}
	var got cursor
	if err := s.Read(ctx, "state/c", &got); err != nil || got != (cursor{After: "k/2"}) {
		t.Errorf("after overwrite: %+v, %v", got, err)
	}
	// A value too large to store is refused before anything is sent.
	err := s.Write(ctx, "state/big", strings.Repeat("x", cosclient.MaxObjectBodyLen))
	if pes := cosclient.ParamErrors(err); len(pes) != 1 || pes[0].Path() != "body" {
		t.Errorf("large write: %v", err)
	}
	if err := s.Write(ctx, "state/f", func() {}); err == nil {
		t.Error("a value JSON cannot encode was written")
	}
}

func TestCreate(t *testing.T) {
	_, s, _ := newStore(t, ciemu.Options{})
	if err := s.Write(ctx, "claims/written", cursor{}); err != nil {
		t.Fatal(err)
	}
	a, b := cosstate.NewToken(), cosstate.NewToken()
	if a == b || len(a) < 20 {
		t.Fatalf("tokens %q and %q", a, b)
	}
	steps := []struct {
		name, key, token string
		value            cursor
		won              bool
	}{
		{"free key", "claims/1", a, cursor{Seen: 1}, true},
		{"another token loses", "claims/1", b, cursor{Seen: 2}, false},
		{"the same token wins again", "claims/1", a, cursor{Seen: 3}, true},
		{"a written object is no one's", "claims/written", a, cursor{Seen: 4}, false},
		{"another key is free", "claims/2", b, cursor{Seen: 5}, true},
	}
	for _, st := range steps {
		won, err := s.Create(ctx, st.key, st.token, st.value)
		if err != nil || won != st.won {
			t.Fatalf("%s: won %v, %v; want %v", st.name, won, err, st.won)
		}
	}
	var got cursor
	if err := s.Read(ctx, "claims/1", &got); err != nil || got != (cursor{Seen: 1}) {
		t.Errorf("claims/1 holds %+v (%v): the first create's value", got, err)
	}
	if _, err := s.Create(ctx, "claims/3", "", cursor{}); err == nil {
		t.Error("an empty token was accepted")
	}
}

// TestConcurrentCreates: of creators racing for a key, exactly one wins,
// also when every PUT's answer is lost after it ran.
func TestConcurrentCreates(t *testing.T) {
	for _, tt := range []struct {
		name   string
		faults ciemu.Faults
	}{
		{"answered", ciemu.Faults{}},
		{"answers lost", ciemu.Faults{LostAnswerRate: 1, LostAnswerOps: []string{ciemu.OpPutObject}}},
		{"half the answers lost, GETs failing", ciemu.Faults{LostAnswerRate: 0.5, LostAnswerOps: []string{ciemu.OpPutObject},
			ErrorRate: 0.2, Ops: []string{ciemu.OpGetObject}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			emu, s, _ := newStore(t, ciemu.Options{Seed: 7, Faults: tt.faults})
			const keys, creators = 10, 4
			for k := range keys {
				key := fmt.Sprintf("claims/%d", k)
				tokens := make([]string, creators)
				won := make([]bool, creators)
				errs := make([]error, creators)
				var wg sync.WaitGroup
				for i := range creators {
					tokens[i] = cosstate.NewToken()
					wg.Go(func() { won[i], errs[i] = s.Create(ctx, key, tokens[i], cursor{Seen: i}) })
				}
				wg.Wait()
				winners := 0
				for i := range creators {
					if errs[i] != nil {
						// Not settled: the same call again settles it.
						emu.SetFaults(ciemu.Faults{})
						won[i], errs[i] = s.Create(ctx, key, tokens[i], cursor{Seen: i})
						emu.SetFaults(tt.faults)
					}
					if errs[i] != nil {
						t.Fatalf("%s creator %d: %v", key, i, errs[i])
					}
					if won[i] {
						winners++
					}
				}
				if winners != 1 {
					t.Fatalf("%s: %d winners (%v)", key, winners, won)
				}
			}
		})
	}
}

// TestLostAnswerOnTheWinnersCreate: a create that landed although its
// answer was lost (reset, 500, or an empty 200) is won, and settled with
// one read; whoever comes next loses.
func TestLostAnswerOnTheWinnersCreate(t *testing.T) {
	emu, s, _ := newStore(t, ciemu.Options{Seed: 11, Faults: ciemu.Faults{LostAnswerRate: 1, LostAnswerOps: []string{ciemu.OpPutObject}}})
	kinds := map[ciemu.FaultKind]bool{}
	for k := range 12 {
		key := fmt.Sprintf("claims/%d", k)
		before := len(emu.Calls())
		won, err := s.Create(ctx, key, cosstate.NewToken(), cursor{Seen: k})
		if err != nil || !won {
			t.Fatalf("%s: won %v, %v", key, won, err)
		}
		calls := emu.Calls()[before:]
		if len(calls) == 0 || len(calls) > 2 || calls[0].Operation != ciemu.OpPutObject || !calls[0].Fault.Lost() {
			t.Fatalf("%s: calls %+v, want the lost PUT and at most one GET", key, calls)
		}
		kinds[calls[0].Fault] = true
	}
	if len(kinds) != 3 {
		t.Errorf("lost answers seen: %v, want all three ways", kinds)
	}
	emu.SetFaults(ciemu.Faults{})
	for k := range 12 {
		if won, err := s.Create(ctx, fmt.Sprintf("claims/%d", k), cosstate.NewToken(), cursor{}); won || err != nil {
			t.Errorf("a later creator of claims/%d: won %v, %v", k, won, err)
		}
	}
}

// TestUnsettledCreate: when the read-back fails too, Create reports an
// error and no win; the same call again with the same token wins.
func TestUnsettledCreate(t *testing.T) {
	emu, s, _ := newStore(t, ciemu.Options{Seed: 5, Faults: ciemu.Faults{
		LostAnswerRate: 1, LostAnswerOps: []string{ciemu.OpPutObject},
		ErrorRate: 1, Ops: []string{ciemu.OpGetObject},
	}})
	token := cosstate.NewToken()
	for {
		won, err := s.Create(ctx, "claims/x", token, cursor{})
		if won || err == nil || !strings.Contains(err.Error(), "reading it back") {
			// An empty 200 reads as stored, with nothing to settle.
			if err == nil && won && citest.Calls(emu, ciemu.OpGetObject) == 0 {
				emu.Reset()
				continue
			}
			t.Fatalf("won %v, %v", won, err)
		}
		break
	}
	emu.SetFaults(ciemu.Faults{})
	if won, err := s.Create(ctx, "claims/x", token, cursor{}); !won || err != nil {
		t.Errorf("the retry: won %v, %v", won, err)
	}
	if won, err := s.Create(ctx, "claims/x", cosstate.NewToken(), cursor{}); won || err != nil {
		t.Errorf("another creator: won %v, %v", won, err)
	}
}

// TestWriteResendsAfterALostAnswer: an overwrite whose answer was lost is
// sent again, and a write that keeps failing says so.
func TestWriteResendsAfterALostAnswer(t *testing.T) {
	emu, s, _ := newStore(t, ciemu.Options{Seed: 2})
	emu.SetFaults(ciemu.Faults{LostAnswerRate: 1, LostAnswerOps: []string{ciemu.OpPutObject}})
	err := s.Write(ctx, "state/c", cursor{Seen: 1})
	puts := citest.Calls(emu, ciemu.OpPutObject)
	// An empty 200 is a success; anything else is resent, three PUTs at most.
	if err == nil && puts != 1 || err != nil && (puts != 3 || !cosclient.MayHaveTakenEffect(err)) {
		t.Fatalf("err %v after %d PUTs", err, puts)
	}
	emu.SetFaults(ciemu.Faults{})
	var got cursor
	if err := s.Read(ctx, "state/c", &got); err != nil || got.Seen != 1 {
		t.Errorf("read %+v, %v", got, err)
	}
	// Half the answers lost: every write gets through.
	emu.SetFaults(ciemu.Faults{LostAnswerRate: 0.5, LostAnswerOps: []string{ciemu.OpPutObject}})
	failed := 0
	for i := range 20 {
		if err := s.Write(ctx, "state/c", cursor{Seen: i}); err != nil {
			failed++
		}
	}
	if failed > 2 {
		t.Errorf("%d of 20 writes failed with half the answers lost", failed)
	}
}

// TestVersionedBucket: a create COS answers with a version ID is not a
// win, since the bucket may have ignored x-cos-forbid-overwrite.
func TestVersionedBucket(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int // of the PUT
	}{{"stored", 200}, {"refused, then read back", 409}} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("x-cos-version-id", "MTg0NDUxNzc2")
				if r.Method == http.MethodGet {
					w.Write([]byte(`{"token":"t","value":{}}`))
					return
				}
				w.WriteHeader(tt.status)
			}))
			t.Cleanup(srv.Close)
			s := cosstate.New(citest.Client(t, srv.URL, nil))
			won, err := s.Create(ctx, "claims/v", "t", cursor{})
			if won || !errors.Is(err, cosstate.ErrVersioned) {
				t.Errorf("won %v, %v", won, err)
			}
		})
	}
}

// TestOtherBucket: a Store's call options reach every call.
func TestOtherBucket(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{})
	const other = "otherbucket-1250000000"
	s := cosstate.New(citest.Client(t, url, nil), cosclient.WithBucket(other, "ap-shanghai"))
	if won, err := s.Create(ctx, "claims/1", "t", cursor{}); !won || err != nil {
		t.Fatal(won, err)
	}
	if got := emu.Objects(other); len(got) != 1 || len(emu.Objects(citest.Bucket)) != 0 {
		t.Errorf("objects in %s: %+v", other, got)
	}
}
