package tests

import (
	"strings"
	"testing"

	"github.com/northbeam/logshed/internal/metrics"
)

func TestHistogramBucketsAreCumulative(t *testing.T) {
	r := metrics.NewRegistry()
	h := r.Histogram("push_seconds", "push latency", []float64{0.1, 1, 10})
	h.Observe(0.05)
	h.Observe(0.5)
	var b strings.Builder
	r.Write(&b)
	if !strings.Contains(b.String(), `push_seconds_bucket{le="1"} 2`) {
		t.Fatal(b.String())
	}
}

func TestBucketLabelFormatting(t *testing.T) {
	r := metrics.NewRegistry()
	r.Histogram("x", "x", []float64{10, 0.25})
	var b strings.Builder
	r.Write(&b)
	if !strings.Contains(b.String(), `le="10"`) || strings.Contains(b.String(), `le="10."`) {
		t.Fatal(b.String())
	}
}
