// Package shutdown stops the agent on SIGTERM: inputs first, so nothing new comes in, then the
// batches still pending in memory are pushed to the collector.
package shutdown

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// DrainTimeout is how long pending batches may take to reach the collector after SIGTERM.
const DrainTimeout = 5 * time.Second

// Appender is what the send loop uses to park batches the collector refused (the disk spool).
type Appender interface {
	Append(data []byte) error
}

// Drainer holds what a stop needs from the running agent.
type Drainer struct {
	Stop    []func()                                     // tailers, syslog listeners, the push input
	Pending func() [][]byte                              // encoded batches still in memory
	Push    func(ctx context.Context, body []byte) error // the sink
	Spool   Appender                                     // the spool the send loop writes to
	Timeout time.Duration                                // 0 means DrainTimeout
	Dropped *atomic.Int64                                // dropped_at_shutdown_total
	Log     *slog.Logger
}

// Report says what happened to the pending batches.
type Report struct {
	Pushed, Spooled, Dropped int
	Took                     time.Duration
}

func (d *Drainer) timeout() time.Duration {
	if d.Timeout > 0 {
		return d.Timeout
	}
	return DrainTimeout
}

// Drain stops the inputs and empties the batcher.
func (d *Drainer) Drain(ctx context.Context) Report {
	start := time.Now()
	for _, stop := range d.Stop {
		stop()
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()

	var r Report
	batches := d.Pending()
	for i, body := range batches {
		if ctx.Err() != nil {
			r.Dropped += len(batches) - i
			break
		}
		if err := d.Push(ctx, body); err != nil {
			r.Dropped++
			continue
		}
		r.Pushed++
	}
	if d.Dropped != nil {
		d.Dropped.Add(int64(r.Dropped))
	}
	r.Took = time.Since(start)
	if d.Log != nil {
		d.Log.Info("drained", "pushed", r.Pushed, "spooled", r.Spooled, "dropped", r.Dropped, "took", r.Took)
	}
	return r
}

// Signals returns a context cancelled on SIGTERM or Ctrl-C.
func Signals(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, syscall.SIGTERM, os.Interrupt)
}

// Wait blocks until ctx is cancelled, then drains with a fresh context.
func Wait(ctx context.Context, d *Drainer) Report {
	<-ctx.Done()
	return d.Drain(context.Background())
}
