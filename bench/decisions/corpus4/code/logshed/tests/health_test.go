package tests

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/northbeam/logshed/internal/health"
)

func TestReadyIsNotFlakyWhileChecksRun(t *testing.T) {
	c := health.New("1.8.0")
	c.Register("collector", func() error { return errors.New("dial tcp: i/o timeout") })
	rec := httptest.NewRecorder()
	c.Ready(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("got %d", rec.Code)
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatal("readiness answers must not be cached by the LB")
	}
}

func TestHeadOnHealthz(t *testing.T) {
	c := health.New("1.8.0")
	rec := httptest.NewRecorder()
	c.Mux().ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/healthz", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Fatalf("HEAD /healthz: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}
