package events

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cosflow/cosflow/internal/clip"
)

// MaxContinuation bounds TimerEvent.CosflowContinuation on the wire: far
// above the chain any sweep continues (the handler stops well before), so
// that only a corrupt or hostile count is refused.
const MaxContinuation = 1000

// TimerEvent is a timer trigger tick. The keys are capitalised on the wire.
type TimerEvent struct {
	// Type is always "Timer".
	Type string `json:"Type"`
	// TriggerName is the name of the timer trigger.
	TriggerName string `json:"TriggerName"`
	// Time is the scheduled time in RFC 3339, UTC; identical on every retry
	// of the same tick, so it makes a good idempotency key.
	Time string `json:"Time"`
	// Message is the trigger's argument string (up to 4 KB), possibly empty;
	// cosflow puts a JSON backfill spec here. A continuation's (see
	// CosflowContinuation) comes through the SCF API's Invoke instead, and
	// may be longer: its specs are written out with their defaults, within
	// the 128 KB of an asynchronous event.
	Message string `json:"Message"`
	// CosflowContinuation is cosflow's own member, never the platform's:
	// how many continuations of one tick's sweep came before this event
	// (0, and absent on the wire, for the tick itself). A sweep that
	// stops with work left invokes the function again at once with its
	// tick and this count plus one; the count bounds the chain.
	CosflowContinuation int `json:"CosflowContinuation,omitempty"`

	// ScheduledAt is Time parsed, computed once at decode time; it is not
	// part of the wire format.
	ScheduledAt time.Time `json:"-"`
}

// UnmarshalJSON decodes a timer event, requiring Time and parsing it into
// ScheduledAt, and refuses one holding an escaped lone surrogate (which
// encoding/json would turn into U+FFFD) or giving a member twice or under
// another case. Failures are *DecodeError.
func (t *TimerEvent) UnmarshalJSON(data []byte) error {
	if de := loneSurrogate(KindTimer, "", data); de != nil {
		return de
	}
	type plain TimerEvent // drops this method, avoiding recursion
	var p plain
	if de := checkMembers(KindTimer, "", data, &p); de != nil {
		return de
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return asDecodeError(KindTimer, "", err)
	}
	if p.Type != "Timer" {
		// Detection saw "Type":"Timer"; a differently cased duplicate key
		// ("type") can still override it, as encoding/json matches keys
		// case-insensitively.
		return fieldError(KindTimer, ProblemInvalidField, "Type", fmt.Sprintf(`expected "Timer", got %q`, clip.String(p.Type, maxValueEcho)))
	}
	if p.Time == "" {
		return fieldError(KindTimer, ProblemMissingField, "Time", `missing (expected the scheduled time, e.g. "2026-11-22T02:00:00Z")`)
	}
	if p.CosflowContinuation < 0 || p.CosflowContinuation > MaxContinuation {
		return fieldError(KindTimer, ProblemInvalidField, "CosflowContinuation", fmt.Sprintf("must be from 0 to %d, got %d", MaxContinuation, p.CosflowContinuation))
	}
	at, err := time.Parse(time.RFC3339, p.Time)
	if err != nil {
		de := fieldError(KindTimer, ProblemInvalidField, "Time", "expected RFC 3339, e.g. \"2026-11-22T02:00:00Z\"")
		de.Err = err
		return de
	}
	p.ScheduledAt = at.UTC()
	*t = TimerEvent(p)
	return nil
}
