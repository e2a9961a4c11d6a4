package parse

import (
	"strings"
	"time"
)

// MaxEventLines caps how many physical lines one event may have.
const MaxEventLines = 1000

// IdleFlush is how long a pending event waits for continuation lines.
const IdleFlush = 3 * time.Second

// Joiner glues continuation lines (stack traces, wrapped JSON) to the line that started them.
type Joiner struct {
	pending []string
	last    time.Time
	emit    func(string)
}

// NewJoiner returns a Joiner that calls emit with each complete event.
func NewJoiner(emit func(string)) *Joiner { return &Joiner{emit: emit} }

func isContinuation(line string) bool {
	if line == "" {
		return false
	}
	if line[0] == ' ' || line[0] == '\t' {
		return true
	}
	return strings.HasPrefix(line, "...")
}

// Feed takes one physical line read at time now.
func (j *Joiner) Feed(line string, now time.Time) {
	if len(j.pending) > 0 && isContinuation(line) && len(j.pending) < MaxEventLines {
		j.pending = append(j.pending, line)
		j.last = now
		return
	}
	j.Flush()
	j.pending = append(j.pending, line)
	j.last = now
}

// Tick flushes an event that waited longer than IdleFlush.
func (j *Joiner) Tick(now time.Time) {
	if len(j.pending) > 0 && now.Sub(j.last) >= IdleFlush {
		j.Flush()
	}
}

// Flush emits the pending event, if any.
func (j *Joiner) Flush() {
	if len(j.pending) == 0 {
		return
	}
	j.emit(strings.Join(j.pending, "\n"))
	j.pending = j.pending[:0]
}
