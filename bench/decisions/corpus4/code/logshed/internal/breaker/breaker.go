// Package breaker stops the sink from pushing to a collector that keeps failing: while the
// breaker is open, batches stay in the spool; after OpenFor it lets one probe through.
package breaker

import (
	"sync"
	"time"
)

// FailureThreshold consecutive failed pushes open the breaker.
const FailureThreshold = 5

// OpenFor is how long the breaker stays open before a probe (half-open).
const OpenFor = 30 * time.Second

type State int

const (
	Closed State = iota
	Open
	HalfOpen
)

type Breaker struct {
	mu       sync.Mutex
	state    State
	failures int
	openedAt time.Time
	now      func() time.Time
}

func New(now func() time.Time) *Breaker {
	if now == nil {
		now = time.Now
	}
	return &Breaker{now: now}
}

// Allow says whether a push may go now.
func (b *Breaker) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == Open && b.now().Sub(b.openedAt) >= OpenFor {
		b.state = HalfOpen
	}
	return b.state != Open
}

// Record reports the outcome of a push.
func (b *Breaker) Record(ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ok {
		b.state, b.failures = Closed, 0
		return
	}
	b.failures++
	if b.state == HalfOpen || b.failures >= FailureThreshold {
		b.state, b.openedAt = Open, b.now()
	}
}

func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}
