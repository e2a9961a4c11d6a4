package tests

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/northbeam/logshed/internal/config"
)

func write(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "logshed.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAnsibleExtensionKeysAreAccepted(t *testing.T) {
	p := write(t, "x-owner: team-infra\nx-managed-by: ansible\noutput:\n  url: http://loki:3100/loki/api/v1/push\n")
	if _, err := config.Load(p); err != nil {
		t.Fatal(err)
	}
}

func TestTypoStillFails(t *testing.T) {
	p := write(t, "output:\n  url: http://loki:3100/loki/api/v1/push\ninptus: []\n")
	if _, err := config.Load(p); err == nil {
		t.Fatal("a misspelt key must stop the agent")
	}
}
