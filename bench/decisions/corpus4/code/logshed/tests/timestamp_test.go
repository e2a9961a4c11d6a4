package tests

import (
	"testing"
	"time"

	"github.com/northbeam/logshed/internal/parse"
)

func TestNaiveTimestampUsesConfiguredZoneNotHostZone(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	time.Local = berlin // the new base image sets TZ=Europe/Berlin
	got, _, ok := parse.ParseTimestamp("2026-11-12 08:00:00 GET /", parse.Options{Zone: time.UTC}, time.Now())
	if !ok {
		t.Fatal("not parsed")
	}
	want := time.Date(2026, 11, 12, 8, 0, 0, 0, time.UTC)
	if !got.Equal(want) {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestNaiveTimestampWithoutConfigIsUTC(t *testing.T) {
	got, _, _ := parse.ParseTimestamp("2026-11-12 08:00:00 x", parse.Options{}, time.Now())
	if !got.Equal(time.Date(2026, 11, 12, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("got %s", got)
	}
}
