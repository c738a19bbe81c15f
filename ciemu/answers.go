package ciemu

// Canned answers are test support: they let a client test see exactly the
// answer it wants to handle (an unreadable 200, a 404, an element under
// another name) from an emulator that still does everything else, side
// effects included.

// Answer is a canned answer with a status of its own, for SetAnswer.
type Answer struct {
	Status int // HTTP status; 0 means 200
	Body   any // as SetAnswer's v
}

// SetAnswer queues v as the answer to the next call of op (an Op* name)
// that passes the host, signature and route checks. That call runs as
// usual, effects and all (a TriggerWorkflow still records its
// execution), and is then answered with v instead of its own answer:
// a []byte as the raw body, nil as no body, an Answer with its own
// status, any other value XML-encoded; 200 unless an Answer says
// otherwise, Content-Type application/xml, the service's request-ID
// header. Answers queued for one op are used in order, one per call.
// A canned answer is never lost (LostAnswerRate); Call.Fault records it
// as FaultCanned. Reset forgets answers not yet used.
func (e *Emulator) SetAnswer(op string, v any) {
	a, ok := v.(Answer)
	if !ok {
		a = Answer{Body: v}
	}
	e.mu.Lock()
	e.answers[op] = append(e.answers[op], a)
	e.mu.Unlock()
}

// takeAnswer dequeues op's next canned answer, nil when there is none.
func (e *Emulator) takeAnswer(op string) *Answer {
	e.mu.Lock()
	defer e.mu.Unlock()
	queue := e.answers[op]
	if len(queue) == 0 {
		return nil
	}
	a := queue[0]
	if len(queue) == 1 {
		delete(e.answers, op)
	} else {
		e.answers[op] = queue[1:]
	}
	return &a
}

// reply is a as answered: its body, its status, no headers of the
// operation's.
func (a *Answer) reply() reply {
	rp := okReply(a.Body, nil)
	if a.Status != 0 && rp.status == 200 {
		rp.status = a.Status
	}
	return rp
}
