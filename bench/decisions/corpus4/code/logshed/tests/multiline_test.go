package tests

import (
	"strings"
	"testing"
	"time"

	"github.com/northbeam/logshed/internal/parse"
)

func TestJavaCausedByStaysInOneEvent(t *testing.T) {
	var events []string
	j := parse.NewJoiner(func(e string) { events = append(events, e) })
	now := time.Now()
	for _, l := range []string{
		"2026-11-12 08:00:00 ERROR order failed",
		"java.lang.IllegalStateException: stock below zero",
		"\tat shop.Stock.take(Stock.java:41)",
		"Caused by: java.sql.SQLException: deadlock",
		"\tat org.pg.Conn.exec(Conn.java:88)",
		"2026-11-12 08:00:01 INFO next",
	} {
		j.Feed(l, now)
	}
	j.Flush()
	if len(events) != 3 || !strings.Contains(events[1], "Caused by:") {
		t.Fatalf("got %d events: %q", len(events), events)
	}
}

func TestHugeTraceIsCut(t *testing.T) {
	var events []string
	j := parse.NewJoiner(func(e string) { events = append(events, e) })
	j.Feed("panic: boom", time.Now())
	for i := 0; i < 800; i++ {
		j.Feed("\tframe", time.Now())
	}
	j.Flush()
	if n := strings.Count(events[0], "\n") + 1; n != 500 {
		t.Fatalf("first event has %d lines", n)
	}
}
