// Package ratelimit caps how many lines one followed file may ship per second, so a single
// crash-looping service cannot get the whole tenant throttled by the collector.
package ratelimit

import (
	"sync"
	"time"
)

// LinesPerSecond is each file's sustained rate.
const LinesPerSecond = 1000

// Burst is how many lines a file may ship at once above the sustained rate.
const Burst = LinesPerSecond

// Limiter is one file's limit. The zero value is not usable; use New.
type Limiter struct {
	mu          sync.Mutex
	windowStart time.Time
	used        int
	dropped     uint64
}

func New() *Limiter { return &Limiter{} }

// Allow says whether one more line from this file may be shipped at now; a line that may
// not is dropped by the caller and counted here.
func (l *Limiter) Allow(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.windowStart) >= time.Second {
		l.windowStart = now.Truncate(time.Second)
		l.used = 0
	}
	if l.used < Burst {
		l.used++
		return true
	}
	l.dropped++
	return false
}

// Dropped is the number of lines refused so far (rate_limited_lines_total{path=...}).
func (l *Limiter) Dropped() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}

// Set holds one limiter per followed file.
type Set struct {
	mu sync.Mutex
	by map[string]*Limiter
}

func NewSet() *Set { return &Set{by: map[string]*Limiter{}} }

func (s *Set) For(path string) *Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.by[path]
	if !ok {
		l = New()
		s.by[path] = l
	}
	return l
}

// Forget removes the limiter of a file that is no longer followed.
func (s *Set) Forget(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.by, path)
}

// Totals returns the dropped count per file for /metrics.
func (s *Set) Totals() map[string]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]uint64, len(s.by))
	for p, l := range s.by {
		out[p] = l.Dropped()
	}
	return out
}
