package tests

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/northbeam/logshed/internal/receiver"
)

func push(t *testing.T, body []byte) int {
	t.Helper()
	h := &receiver.Handler{Emit: func([]receiver.Event) error { return nil }}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/push", bytes.NewReader(body)))
	return rec.Code
}

func TestOversizedPushIsTooLargeNotBad(t *testing.T) {
	line := `{"line":"` + strings.Repeat("x", 1000) + `"}` + "\n"
	body := []byte(strings.Repeat(line, 6*1024)) // about 6 MiB
	if code := push(t, body); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d for a 6 MiB push, want 413", code)
	}
}

func TestMalformedLineIsBadRequest(t *testing.T) {
	if code := push(t, []byte("{\"line\":\"ok\"}\nnot json\n")); code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", code)
	}
}

func TestSmallPushIsAccepted(t *testing.T) {
	if code := push(t, []byte(`{"ts":"2026-11-20T10:00:00Z","line":"hello"}`)); code != http.StatusNoContent {
		t.Fatalf("status %d, want 204", code)
	}
}
