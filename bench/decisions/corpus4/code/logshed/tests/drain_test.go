package tests

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/northbeam/logshed/internal/shutdown"
)

type memSpool struct {
	mu   sync.Mutex
	segs [][]byte
}

func (m *memSpool) Append(data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.segs = append(m.segs, data)
	return nil
}

func TestStopGivesPushesTwentySeconds(t *testing.T) {
	if shutdown.DrainTimeout != 20*time.Second {
		t.Fatalf("DrainTimeout = %v, want 20s", shutdown.DrainTimeout)
	}
}

func TestUnsentBatchesGoToTheSpoolOnStop(t *testing.T) {
	sp := &memSpool{}
	d := &shutdown.Drainer{
		Pending: func() [][]byte { return [][]byte{[]byte("a"), []byte("b"), []byte("c")} },
		Push:    func(ctx context.Context, _ []byte) error { <-ctx.Done(); return ctx.Err() }, // collector hangs
		Spool:   sp,
		Timeout: 50 * time.Millisecond,
	}
	r := d.Drain(context.Background())
	if r.Dropped != 0 || r.Spooled != 3 || len(sp.segs) != 3 {
		t.Fatalf("report %+v, spool has %d segments; want all 3 spooled, none dropped", r, len(sp.segs))
	}
}

func TestHealthyCollectorGetsEverything(t *testing.T) {
	d := &shutdown.Drainer{
		Pending: func() [][]byte { return [][]byte{[]byte("a"), []byte("b")} },
		Push:    func(context.Context, []byte) error { return nil },
		Spool:   &memSpool{},
	}
	if r := d.Drain(context.Background()); r.Pushed != 2 {
		t.Fatalf("report %+v, want 2 pushed", r)
	}
}
