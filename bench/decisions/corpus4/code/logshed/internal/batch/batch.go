// Package batch groups log events into the bodies the HTTP sink pushes to the collector.
package batch

import (
	"sync"
	"time"
)

// MaxBatchBytes is the largest batch we hand to the sink.
const MaxBatchBytes = 1 << 20

// FlushInterval is how long a partly filled batch may wait.
const FlushInterval = 10 * time.Second

// Event is one log line (or one joined multiline event) with its labels.
type Event struct {
	Time   time.Time
	Line   string
	Labels map[string]string
}

// Batch is what the sink sends in one request.
type Batch struct {
	Events []Event
	Bytes  int
}

// Batcher collects events and calls flush when a batch is full or old enough.
type Batcher struct {
	mu      sync.Mutex
	cur     Batch
	started time.Time
	flush   func(Batch)
	now     func() time.Time
	stop    chan struct{}
}

// New returns a Batcher; call Run in a goroutine for the time-based flush.
func New(flush func(Batch)) *Batcher {
	return &Batcher{flush: flush, now: time.Now, stop: make(chan struct{})}
}

// Add appends an event, flushing first if it would not fit.
func (b *Batcher) Add(e Event) {
	size := len(e.Line)
	b.mu.Lock()
	if b.cur.Bytes+size > MaxBatchBytes && len(b.cur.Events) > 0 {
		full := b.take()
		b.mu.Unlock()
		b.flush(full)
		b.mu.Lock()
	}
	if len(b.cur.Events) == 0 {
		b.started = b.now()
	}
	b.cur.Events = append(b.cur.Events, e)
	b.cur.Bytes += size
	b.mu.Unlock()
}

func (b *Batcher) take() Batch {
	out := b.cur
	b.cur = Batch{}
	return out
}

// Run flushes batches older than FlushInterval until Stop is called.
func (b *Batcher) Run() {
	t := time.NewTicker(FlushInterval / 4)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			b.Flush()
			return
		case <-t.C:
			b.mu.Lock()
			due := len(b.cur.Events) > 0 && b.now().Sub(b.started) >= FlushInterval
			var out Batch
			if due {
				out = b.take()
			}
			b.mu.Unlock()
			if due {
				b.flush(out)
			}
		}
	}
}

// Flush sends whatever is pending.
func (b *Batcher) Flush() {
	b.mu.Lock()
	out := b.take()
	b.mu.Unlock()
	if len(out.Events) > 0 {
		b.flush(out)
	}
}

// Stop ends Run after a final flush.
func (b *Batcher) Stop() { close(b.stop) }
