package tests

import (
	"testing"
	"time"

	"github.com/northbeam/logshed/internal/ratelimit"
)

func TestStartupBurstOfAServiceGetsThrough(t *testing.T) {
	l := ratelimit.New()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	allowed := 0
	for i := 0; i < 3000; i++ { // 3000 startup lines within 200 ms
		if l.Allow(t0.Add(time.Duration(i) * 66 * time.Microsecond)) {
			allowed++
		}
	}
	if allowed != 3000 {
		t.Fatalf("%d of 3000 startup lines allowed", allowed)
	}
}

func TestFloodIsCappedAndCounted(t *testing.T) {
	l := ratelimit.New()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 20000; i++ {
		l.Allow(t0.Add(time.Duration(i) * 10 * time.Microsecond)) // 20k lines in 0.2 s
	}
	if l.Dropped() == 0 {
		t.Fatal("nothing dropped from a flood")
	}
}
