package cosclient

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// Pacing: when CI throttles the client (Throttled: HTTP 429, SlowDown and
// the other throttling codes), the client lowers the rate at which it
// sends, for all calls of the Client (one per SCF instance), and raises it
// again as answers come back unthrottled. It is built as aws-sdk-go-v2's
// adaptive retry mode is (aws/retry/adaptive.go, adaptive_ratelimit.go and
// adaptive_token_bucket.go): every attempt first takes a token from a
// bucket filled at the adaptive rate; the send rate is
// measured in half-second windows and smoothed; nothing waits until the
// first throttle, which cuts the rate to pacingBeta of the rate being
// sent; every unthrottled answer lets it climb along CUBIC's curve (RFC
// 8312), back to the rate before the cut and then beyond it, never past
// twice the measured send rate. The SDK's constants are kept.
//
// What differs, for the bursts cosflow sees (a delivery of a thousand
// records landing on one instance) and the throttles a rate limit gives:
//   - Later cuts land on the rate CI accepted. After the first throttle,
//     a throttle answering a send made since the last cut, when CI has
//     throttled more than pacingDeadband of those sends (at least
//     pacingMinAnswers answered over pacingCutSpan, within the last
//     pacingWindow, or twice the time pacingMinAnswers take at a lower
//     rate), cuts the rate to the unthrottled answers per second CI gave
//     them. Under a QPS limit that is the limit, measured, and the rate
//     settles on it within a second (a few at a slow sender's rate)
//     instead of a saw tooth of 0.7 cuts; throttles that do not come
//     from the rate (a fraction of all calls whatever the rate, below
//     the dead band) cut nothing. After such a cut the cubic starts from
//     the measured limit, probing beyond it, instead of climbing back to
//     the rate that was throttled. (The SDK cuts by 0.7 for every
//     throttled answer: under the 5% sporadic throttles cosflow's soak
//     injects, its rate falls to its floor within seconds and stays.)
//   - The send rate counts sends as they are admitted, and a measurement
//     window opens at the first send after the last one closed; a window
//     still open counts over at least pacingMinSpan; a window spanning
//     more than two lengths (an idle gap) measures nothing. The SDK
//     counts answers in half-second buckets aligned on the clock since
//     the client was made, so a burst's first throttle, typically within
//     its first second, finds no bucket closed, or one diluted by the
//     idle time before the burst, and its rate falls to the 0.5/s floor.
//   - The bucket holds one token, not a second's worth: paced sends are
//     spaced, never bunched. Once paced, the client sends at about CI's
//     rate, so CI's own bucket is empty, and whatever goes out in a bunch
//     above it is throttled: measured, the bunches were the retries of
//     earlier throttles, throttled again at 30 to 60% against 2% for
//     first attempts, until some ran out of attempts. The bucket starts
//     with its token when pacing begins: the retry of the first throttle
//     goes out after its backoff, and everything after it is paced.
//
// One rate per service: CI and COS are two services with limits of their
// own. Within CI the limits are per account and API and their numbers
// unpublished (../shared/spec/ci-api.md, Limits), so one rate for all of
// CI's operations is the reading that never overshoots either: if the
// limit is the account's, rates per operation would add up past it; if it
// is each API's, one shared rate is only cautious.

// The adaptive rate's constants, aws-sdk-go-v2's (newAdaptiveRateLimit).
const (
	pacingBeta    = 0.7 // the first throttle cuts the rate to this fraction of what was being sent
	pacingScale   = 0.4 // CUBIC's C, in sends/s per s³: how fast the rate climbs back
	pacingSmooth  = 0.8 // weight of the newest window in the measured send rate
	pacingMinRate = 0.5 // sends a second: the floor
	pacingWindow  = 500 * time.Millisecond
)

// pacingMinSpan is the shortest time a window still open counts sends
// over.
const pacingMinSpan = pacingWindow / 10

// The cuts after the first: how much is seen before one, and how small a
// cut is not made.
const (
	pacingCutSpan    = pacingWindow / 10
	pacingMinAnswers = 20
	pacingDeadband   = 0.1
	pacingZ          = 2
)

// DefaultMaxInFlight bounds a Client's attempts in flight unless
// PacingOptions.MaxInFlight says otherwise: enough that a caller running
// a few dozen calls at once never waits for it, few enough that a
// hundred concurrent callers sharing the Client cannot put hundreds of
// calls in flight at CI.
const DefaultMaxInFlight = 64

// ErrPacedPastDeadline is wrapped by the error of a call that could not be
// sent before its context's deadline because CI is throttling the client
// and its paced send rate had no slot for it in time. It wraps
// context.DeadlineExceeded too, so Classify calls it RetryLater, as any
// call out of time: nothing was sent, so nothing can have taken effect.
var ErrPacedPastDeadline = errors.New("CI is throttling this client: no send slot at its paced rate before the deadline")

// sendRate is one service's adaptive send rate. It is safe for concurrent
// use; now is its clock (time.Now; tests step their own).
type sendRate struct {
	now func() time.Time

	mu      sync.Mutex
	limited bool      // a throttle was seen: sends take tokens
	tokens  float64   // sends allowed now, at most one
	fill    float64   // tokens a second
	filled  time.Time // when tokens was last brought up to date

	measured float64 // smoothed sends a second
	win      window  // the open measurement window of sends

	lastMax  float64   // the rate the cubic climbs back to after the last cut
	lastCut  time.Time // when it was made
	recovery float64   // seconds for the cubic to climb back to lastMax (CUBIC's K)
	since    span      // the answers to sends made since the last cut
}

// window counts the sends of one measurement window.
type window struct {
	open  bool
	start time.Time
	sends int
}

// span counts the recent answers to the sends made since the last cut:
// from the first of them, for at most pacingWindow.
type span struct {
	start              time.Time // the first answer
	answers, throttled int
}

func newSendRate(now func() time.Time) *sendRate { return &sendRate{now: now} }

// reserve takes a send token, or reports how long until one could be
// taken (another caller may take it first).
func (s *sendRate) reserve() (wait time.Duration, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.limited {
		s.refill(now)
		if s.tokens < 1 {
			return time.Duration(math.Ceil((1 - s.tokens) / s.fill * float64(time.Second))), false
		}
		s.tokens--
	}
	s.roll(now)
	s.win.sends++
	return 0, true
}

// observe takes the answer to an attempt sent at sent: throttled, or
// anything else CI answered.
func (s *sendRate) observe(sent time.Time, throttled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !s.limited {
		if throttled {
			// The first throttle: pace from now on, at pacingBeta of
			// what was being sent.
			sending := s.sending(now)
			s.limited, s.tokens = true, 1
			s.cut(now, sending, pacingBeta*sending)
		}
		return
	}
	fresh := !sent.Before(s.lastCut)
	if fresh {
		if s.since.answers == 0 || now.Sub(s.since.start) > s.evidence() {
			// Recent evidence only: a longer span would dilute a new
			// excess, or measure an idle gap as CI's rate.
			s.since = span{start: now}
		}
		s.since.answers++
		if throttled {
			s.since.throttled++
		}
	}
	if !throttled {
		dt := now.Sub(s.lastCut).Seconds()
		s.setRate(now, min(pacingScale*math.Pow(dt-s.recovery, 3)+s.lastMax, 2*s.sending(now)))
		return
	}
	// A send made since the last cut was throttled: when CI has throttled
	// more than the dead band of those sends, cut to the rate it accepted.
	d := now.Sub(s.since.start)
	if !fresh || s.since.answers < pacingMinAnswers || d < pacingCutSpan || !overDeadband(s.since.throttled, s.since.answers) {
		return
	}
	// The limit, measured: the cubic probes beyond it rather than climbing
	// back to the rate that was throttled.
	accepted := min(float64(s.since.answers-s.since.throttled)/d.Seconds(), s.fill)
	s.cut(now, accepted, accepted)
}

// evidence is how long the answers to the sends since the last cut are
// counted for: pacingWindow, or twice as long as pacingMinAnswers sends
// take at the rate when that is longer (twice: the rate may climb along
// the cubic meanwhile). Within pacingWindow alone, a rate below
// pacingMinAnswers a window (40 a second) could never be cut again: a
// first throttle at a slow sender's rate (8 calls at once, 200 ms each:
// cut to 28 a second) against a lower limit would leave most of its
// sends throttled for as long as it sends.
func (s *sendRate) evidence() time.Duration {
	return max(pacingWindow, time.Duration(2*pacingMinAnswers/s.fill*float64(time.Second)))
}

// overDeadband reports whether throttled of answers is clearly more than
// pacingDeadband: by pacingZ standard deviations of the count a share of
// exactly pacingDeadband would give, so that sporadic throttles do not
// pass for an excess in a short span (3 of 20, 15%, is within it; 6 of
// 20 is not).
func overDeadband(throttled, answers int) bool {
	n := float64(answers)
	return float64(throttled) > pacingDeadband*n+pacingZ*math.Sqrt(n*pacingDeadband*(1-pacingDeadband))
}

// roll closes the open window of sends once it has run its length,
// updating the measured send rate, and opens one at now when none is.
func (s *sendRate) roll(now time.Time) {
	if s.win.open {
		d := now.Sub(s.win.start)
		if d < pacingWindow {
			return
		}
		if d <= 2*pacingWindow { // a longer one spans an idle gap
			s.measured = pacingSmooth*float64(s.win.sends)/d.Seconds() + (1-pacingSmooth)*s.measured
		}
	}
	s.win = window{open: true, start: now}
}

// sending is the rate being sent at now: the measured rate, or what the
// open window has seen if it says more (before a first window closes, the
// measured rate says nothing yet). The window counts over at least
// pacingMinSpan, so that its first sends are not a rate of thousands.
func (s *sendRate) sending(now time.Time) float64 {
	return max(s.measured, float64(s.win.sends)/max(now.Sub(s.win.start), pacingMinSpan).Seconds())
}

// cut lowers the rate to to (sends a second) at now; the cubic then
// climbs back to from, and beyond.
func (s *sendRate) cut(now time.Time, from, to float64) {
	s.lastMax, s.lastCut, s.since = from, now, span{}
	s.recovery = math.Cbrt(max(from-to, 0) / pacingScale)
	s.setRate(now, to)
}

// setRate makes r (sends a second) the fill rate, within the floor.
func (s *sendRate) setRate(now time.Time, r float64) {
	s.refill(now)
	s.fill = max(r, pacingMinRate)
}

// refill brings the tokens up to now.
func (s *sendRate) refill(now time.Time) {
	if d := now.Sub(s.filled); !s.filled.IsZero() && d > 0 {
		s.tokens = min(1, s.tokens+d.Seconds()*s.fill)
	}
	s.filled = now
}

// pacer admits a Client's attempts: each takes a place among the
// attempts in flight, then waits for a token of its service's send rate.
// In that order, the token is taken just before the attempt goes, at the
// rate as it is then: attempts that took tokens before a throttle and then
// queued for places would go out unpaced after it.
type pacer struct {
	now   func() time.Time
	rates map[string]*sendRate // by service; nil when pacing is disabled
	slots chan struct{}        // one per attempt in flight; nil for no bound
	// sleep waits d or until ctx ends; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

func newPacer(o PacingOptions, now func() time.Time) *pacer {
	p := &pacer{now: now, sleep: sleepContext}
	if !o.Disabled {
		p.rates = map[string]*sendRate{ServiceCI: newSendRate(now), ServiceCOS: newSendRate(now)}
	}
	if o.MaxInFlight > 0 {
		p.slots = make(chan struct{}, o.MaxInFlight)
	}
	return p
}

// paces reports whether the pacer follows CI's throttling.
func (p *pacer) paces() bool { return p.rates != nil }

// admit waits until an attempt of service may be sent, and returns when
// it was admitted and how long it waited. It never sleeps past ctx's
// deadline: when the next token comes too late, it fails at once with
// ErrPacedPastDeadline. An admitted attempt must be reported to done.
func (p *pacer) admit(ctx context.Context, service string) (sent time.Time, waited time.Duration, err error) {
	start := p.now()
	if p.slots != nil {
		select {
		case p.slots <- struct{}{}:
		case <-ctx.Done():
			return time.Time{}, p.now().Sub(start), ctx.Err()
		}
	}
	if err := p.token(ctx, service); err != nil {
		if p.slots != nil {
			<-p.slots
		}
		return time.Time{}, p.now().Sub(start), err
	}
	now := p.now()
	return now, now.Sub(start), nil
}

// token waits for a send token of service's rate, within ctx's deadline.
func (p *pacer) token(ctx context.Context, service string) error {
	r := p.rates[service]
	if r == nil {
		return nil
	}
	for {
		wait, ok := r.reserve()
		if ok {
			return nil
		}
		if dl, has := ctx.Deadline(); has && dl.Sub(p.now()) < wait {
			return fmt.Errorf("%w (next slot in %v, %v left): %w",
				ErrPacedPastDeadline, wait.Round(time.Millisecond), max(dl.Sub(p.now()), 0).Round(time.Millisecond), context.DeadlineExceeded)
		}
		if err := p.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// done reports the end of an attempt of service admitted at sent, and
// what it came to: a throttle lowers the send rate, any other answer
// raises it. A failure without an answer, or one the caller brought about
// by giving up, says nothing of CI's rate.
func (p *pacer) done(ctx context.Context, service string, sent time.Time, err error) {
	if p.slots != nil {
		<-p.slots
	}
	r := p.rates[service]
	if r == nil || ctx.Err() != nil || err != nil && isConnectionError(err) {
		return
	}
	r.observe(sent, err != nil && Throttled(err))
}

// sleepContext waits d, or until ctx ends with its error.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
