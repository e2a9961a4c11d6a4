package tests

import (
	"strings"
	"testing"
	"time"

	"github.com/northbeam/logshed/internal/batch"
	"github.com/northbeam/logshed/internal/sink"
)

func TestQuietHostFlushesWithinTwoSeconds(t *testing.T) {
	got := make(chan batch.Batch, 1)
	b := batch.New(func(x batch.Batch) { got <- x })
	go b.Run()
	defer b.Stop()
	b.Add(batch.Event{Time: time.Now(), Line: "GET /healthz 200", Labels: map[string]string{"host": "web-1"}})
	select {
	case <-got:
	case <-time.After(2500 * time.Millisecond):
		t.Fatal("a lone event waited more than 2.5 s")
	}
}

func TestEncodedBatchFitsCollectorLimit(t *testing.T) {
	var sent []batch.Batch
	b := batch.New(func(x batch.Batch) { sent = append(sent, x) })
	line := strings.Repeat(`{"msg":"\"quoted\" \\ path"} `, 40)
	for i := 0; i < 5000; i++ {
		b.Add(batch.Event{Time: time.Now(), Line: line, Labels: map[string]string{"host": "web-1", "job": "nginx"}})
	}
	b.Flush()
	for _, x := range sent {
		body, err := sink.Encode(x)
		if err != nil {
			t.Fatal(err)
		}
		if len(body) > 1<<20 {
			t.Fatalf("encoded batch is %d bytes, over 1 MiB", len(body))
		}
	}
}
