package tests

import (
	"bytes"
	"testing"

	"github.com/northbeam/logshed/internal/compress"
)

func TestCollectorThatTakesZstdGetsZstd(t *testing.T) {
	body := bytes.Repeat([]byte(`{"level":"info","msg":"GET /healthz 200","kubernetes":{"namespace":"audit"}}`+"\n"), 400)
	enc, err := compress.Encode(body, "zstd, gzip")
	if err != nil {
		t.Fatal(err)
	}
	if enc.Encoding != "zstd" {
		t.Fatalf("encoding %q, want zstd", enc.Encoding)
	}
}

func TestSmallBatchIsNotCompressed(t *testing.T) {
	enc, err := compress.Encode([]byte("short"), "gzip")
	if err != nil || enc.Encoding != "" {
		t.Fatalf("got %q, %v", enc.Encoding, err)
	}
}
