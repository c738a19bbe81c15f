package ciemu

import "time"

// FakeClock is the tests' clock, for the tests of package ciemu_test
// (which run the real cosclient through internal/citest, itself an
// importer of ciemu).
type FakeClock = fakeClock

// NewClockAt returns a FakeClock reading start. Client tests start near
// the real time, since cosclient signs with the real clock.
func NewClockAt(start time.Time) *FakeClock { return &fakeClock{t: start} }
