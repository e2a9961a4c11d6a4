package tests

import (
	"encoding/json"
	"testing"

	"github.com/northbeam/logshed/internal/fields"
)

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDeepObjectsStayOneJSONField(t *testing.T) {
	f := fields.Flatten(decode(t, `{"psp":{"response":{"risk":{"score":12,"rules":{"r1":"ok"}}}}}`))
	if got := f["psp.response.risk"]; got != `{"rules":{"r1":"ok"},"score":12}` {
		t.Fatalf("psp.response.risk = %q; fields %v", got, f)
	}
}

func TestArraysStayOneJSONField(t *testing.T) {
	f := fields.Flatten(decode(t, `{"cart":{"lines":[{"sku":"A"},{"sku":"B"}]}}`))
	if got := f["cart.lines"]; got != `[{"sku":"A"},{"sku":"B"}]` {
		t.Fatalf("cart.lines = %q; fields %v", got, f)
	}
}

func TestNestedKeysJoinedWithDots(t *testing.T) {
	f := fields.Flatten(decode(t, `{"http":{"status":200,"method":"GET"}}`))
	if f["http.status"] != "200" || f["http.method"] != "GET" {
		t.Fatalf("%v", f)
	}
}
