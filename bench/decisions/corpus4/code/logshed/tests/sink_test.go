package tests

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/northbeam/logshed/internal/sink"
)

func TestSmallPushIsCompressedAndCarriesTenantHeader(t *testing.T) {
	var enc, org, query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		enc, org, query = r.Header.Get("Content-Encoding"), r.Header.Get("X-Scope-OrgID"), r.URL.RawQuery
		w.WriteHeader(204)
	}))
	defer srv.Close()
	s := &sink.HTTPSink{Endpoint: srv.URL + "/loki/api/v1/push", Tenant: "team-payments", UA: "logshed/test"}
	if _, _, err := s.Push(context.Background(), []byte(`{"streams":[]}`)); err != nil {
		t.Fatal(err)
	}
	if enc != "gzip" || org != "team-payments" || query != "" {
		t.Fatalf("encoding %q, org %q, query %q", enc, org, query)
	}
}
