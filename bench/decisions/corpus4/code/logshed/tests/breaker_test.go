package tests

import (
	"testing"
	"time"

	"github.com/northbeam/logshed/internal/breaker"
)

func TestBreakerOpensOnACollectorThatFailsEveryOtherPush(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	b := breaker.New(func() time.Time { return now })
	for i := 0; i < 20; i++ {
		b.Record(i%2 == 0 && i%4 != 0)
		now = now.Add(time.Second)
	}
	if b.State() != breaker.Open {
		t.Fatalf("state %v after 20 pushes with most failed, want Open", b.State())
	}
}

func TestBreakerStaysClosedOnOneFailure(t *testing.T) {
	b := breaker.New(nil)
	b.Record(false)
	if b.State() != breaker.Closed {
		t.Fatal("one failure opened the breaker")
	}
}
