package tests

import (
	"errors"
	"testing"

	"github.com/northbeam/logshed/internal/retry"
)

func TestBadRequestIsDroppedNotRetried(t *testing.T) {
	if got := retry.ShouldRetry(400, nil); got != retry.Drop {
		t.Fatalf("400: got %v, want Drop", got)
	}
}

func TestPayloadTooLargeIsSplit(t *testing.T) {
	if got := retry.ShouldRetry(413, nil); got != retry.Split {
		t.Fatalf("413: got %v, want Split", got)
	}
}

func TestServerErrorsAndNetworkErrorsAreRetried(t *testing.T) {
	for _, status := range []int{429, 500, 502, 503} {
		if got := retry.ShouldRetry(status, nil); got != retry.Retry {
			t.Fatalf("%d: got %v, want Retry", status, got)
		}
	}
	if got := retry.ShouldRetry(0, errors.New("connection refused")); got != retry.Retry {
		t.Fatal("network error must be retried")
	}
}
