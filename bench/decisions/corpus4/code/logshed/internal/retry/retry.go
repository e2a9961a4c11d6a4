// Package retry decides what the sink does with a batch the collector did not accept.
package retry

import (
	"math/rand"
	"net/http"
	"time"
)

// Policy is the retry schedule of the HTTP sink.
type Policy struct {
	Base     time.Duration
	Max      time.Duration
	Attempts int // 0 = retry until the spool decides otherwise
}

// Default is used unless the config overrides it.
var Default = Policy{Base: 500 * time.Millisecond, Max: 30 * time.Second}

// Outcome of one push attempt.
type Outcome int

const (
	Done Outcome = iota
	Retry
	Drop
	Split
)

// ShouldRetry maps a collector response (or a transport error) to what we do next.
func ShouldRetry(status int, err error) Outcome {
	if err != nil {
		return Retry
	}
	switch {
	case status >= 200 && status < 300:
		return Done
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return Drop
	case status >= 400:
		return Retry
	}
	return Done
}

// Delay is the wait before attempt n (1-based), exponential with jitter.
func (p Policy) Delay(n int, rng *rand.Rand) time.Duration {
	d := p.Base << (n - 1)
	if d <= 0 || d > p.Max {
		d = p.Max
	}
	half := int64(d / 2)
	return time.Duration(half + rng.Int63n(half+1))
}

// GiveUp reports whether attempt n is past the policy's limit.
func (p Policy) GiveUp(n int) bool {
	return p.Attempts > 0 && n > p.Attempts
}

// RetryAfter parses a Retry-After header in seconds; 0 when absent or unparsable.
func RetryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	var secs int
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0
		}
		secs = secs*10 + int(c-'0')
	}
	return time.Duration(secs) * time.Second
}
