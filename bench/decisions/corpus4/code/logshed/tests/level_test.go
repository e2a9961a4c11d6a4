package tests

import (
	"testing"

	"github.com/northbeam/logshed/internal/level"
)

func TestLevelFromLvlFieldNotFromTheMessage(t *testing.T) {
	line := `ts=2026-11-12T10:01:02Z lvl=info msg="retrying after error budget check"`
	if got := level.Detect(line); got != level.Info {
		t.Fatalf("got %q, want info", got)
	}
}

func TestLineWithoutLevelFieldIsUnknown(t *testing.T) {
	if got := level.Detect("connection reset by peer: upstream error"); got != level.Unknown {
		t.Fatalf("got %q, want unknown", got)
	}
}

func TestJSONSeverityIsMapped(t *testing.T) {
	if got := level.Detect(`{"level":"WARNING","msg":"disk 91% full"}`); got != level.Warn {
		t.Fatalf("got %q, want warn", got)
	}
}
