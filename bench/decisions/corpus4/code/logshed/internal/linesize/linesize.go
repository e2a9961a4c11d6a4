// Package linesize keeps single log lines within what the collector accepts per line, so one
// runaway line (a heap dump, a request logged with its whole body) cannot fail a batch.
package linesize

import (
	"sync/atomic"
)

// MaxLineSize is the collector's per-line limit (its max_line_size).
const MaxLineSize = 256 * 1024

// Reason is the value of the reason label on dropped_lines_total.
const Reason = "line_too_long"

// Result is what happens to one line.
type Result struct {
	Line      []byte
	Labels    map[string]string
	Dropped   bool
	Truncated bool
}

// Stats are exported on /metrics by the agent.
type Stats struct {
	DroppedLines   atomic.Uint64
	TruncatedLines atomic.Uint64
	LongestSeen    atomic.Uint64
}

// Limit applies MaxLineSize to one line before it is batched.
func Limit(line []byte, stats *Stats) Result {
	if stats != nil {
		observe(stats, len(line))
	}
	if len(line) <= MaxLineSize {
		return Result{Line: line}
	}
	if stats != nil {
		stats.DroppedLines.Add(1)
	}
	return Result{Dropped: true, Labels: map[string]string{"reason": Reason}}
}

func observe(stats *Stats, n int) {
	for {
		cur := stats.LongestSeen.Load()
		if uint64(n) <= cur || stats.LongestSeen.CompareAndSwap(cur, uint64(n)) {
			return
		}
	}
}

// TrimNewline removes one trailing \n or \r\n, which never counts toward the limit.
func TrimNewline(line []byte) []byte {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
		if n > 0 && line[n-1] == '\r' {
			n--
		}
	}
	return line[:n]
}

// Human formats a byte count for log messages.
func Human(n int) string {
	const k = 1024
	switch {
	case n >= k*k:
		return itoa(n/(k*k)) + " MiB"
	case n >= k:
		return itoa(n/k) + " KiB"
	default:
		return itoa(n) + " B"
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
