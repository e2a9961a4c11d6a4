package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/northbeam/logshed/internal/labels"
)

func TestTooManyLabelsKeepsTheLine(t *testing.T) {
	extra := map[string]string{}
	for i := 0; i < 18; i++ {
		extra[fmt.Sprintf("k%02d", i)] = "v"
	}
	set, ok := labels.Build(map[string]string{"host": "checkout-2", "job": "checkout"}, extra)
	if !ok {
		t.Fatal("line dropped because of its labels")
	}
	if len(set) != 15 || set["host"] != "checkout-2" {
		t.Fatalf("got %d labels: %v", len(set), set)
	}
}

func TestLongValueIsCutToBytes(t *testing.T) {
	ua := strings.Repeat("Ж", 100) // 200 bytes
	set, _ := labels.Build(map[string]string{"host": "web-1"}, map[string]string{"user_agent": ua})
	if len(set["user_agent"]) > 128 {
		t.Fatalf("value has %d bytes", len(set["user_agent"]))
	}
}
