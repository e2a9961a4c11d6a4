package tests

import (
	"bytes"
	"io"
	"log/slog"
	"testing"

	"github.com/northbeam/logshed/internal/textenc"
)

func TestLineWithLatin1ByteIsShippedWithReplacementChar(t *testing.T) {
	out, ok := textenc.Process(textenc.Source{Path: "/var/log/ci/build.log"}, []byte("caf\xe9 au lait"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if !ok || string(out) != "caf\uFFFD au lait" {
		t.Fatalf("got %q, %v; want the line with U+FFFD", out, ok)
	}
}

func TestWarningNeverRepeatsTheRawBytes(t *testing.T) {
	var buf bytes.Buffer
	textenc.Process(textenc.Source{Path: "/var/log/ci/build.log", Offset: 42}, []byte("bad \xff\xfe bytes"), slog.New(slog.NewTextHandler(&buf, nil)))
	if bytes.Contains(buf.Bytes(), []byte("bad ")) {
		t.Fatalf("the agent's own log repeats the line: %s", buf.String())
	}
}

func TestBOMStripped(t *testing.T) {
	if got := textenc.StripBOM([]byte("\xEF\xBB\xBFhello")); string(got) != "hello" {
		t.Fatalf("%q", got)
	}
}
