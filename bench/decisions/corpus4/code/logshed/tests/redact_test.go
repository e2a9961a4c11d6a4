package tests

import (
	"strings"
	"testing"

	"github.com/northbeam/logshed/internal/redact"
)

func TestBearerTokenFullyMasked(t *testing.T) {
	out := redact.Redact(`upstream call Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.XYZ9`, nil)
	if strings.Contains(out, "XYZ9") {
		t.Fatalf("token tail leaked: %s", out)
	}
}

func TestEmailKeepsDomain(t *testing.T) {
	out := redact.Redact(`password reset failed for jeanne.martin@ville-lyon.fr`, nil)
	if !strings.Contains(out, "@ville-lyon.fr") || strings.Contains(out, "jeanne.martin") {
		t.Fatalf("got %s", out)
	}
}
