package tests

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/northbeam/logshed/internal/linesize"
)

func TestLongLineIsCutNotLost(t *testing.T) {
	line := bytes.Repeat([]byte("é"), 150*1024) // 300 KiB of two-byte characters
	r := linesize.Limit(line, &linesize.Stats{})
	if r.Dropped || len(r.Line) == 0 {
		t.Fatal("a 300 KiB line was dropped; want its first 256 KiB shipped")
	}
	if len(r.Line) > linesize.MaxLineSize || !utf8.Valid(r.Line) {
		t.Fatalf("got %d bytes (valid utf-8: %v)", len(r.Line), utf8.Valid(r.Line))
	}
	if r.Labels["truncated"] != "true" {
		t.Fatalf("labels %v, want truncated=true", r.Labels)
	}
}

func TestShortLineUntouched(t *testing.T) {
	r := linesize.Limit([]byte("GET /health 200"), nil)
	if r.Dropped || r.Truncated || string(r.Line) != "GET /health 200" {
		t.Fatalf("%+v", r)
	}
}
