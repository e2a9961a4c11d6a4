package tests

import (
	"testing"
	"time"

	"github.com/northbeam/logshed/internal/syslog"
)

func TestLastSecondOfTheYearReceivedAfterMidnight(t *testing.T) {
	received := time.Date(2027, 1, 1, 0, 0, 3, 0, time.UTC)
	m, err := syslog.ParseBSD("<134>Dec 31 23:59:58 fw01 kernel: drop in=eth0", received, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 31, 23, 59, 58, 0, time.UTC); !m.Time.Equal(want) {
		t.Fatalf("time %v, want %v", m.Time, want)
	}
}

func TestReplayedArchiveIsNotInTheFuture(t *testing.T) {
	received := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	m, err := syslog.ParseBSD("<134>Dec 14 08:00:00 fw01 kernel: drop in=eth1", received, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if m.Time.Year() != 2025 {
		t.Fatalf("time %v, want December 2025", m.Time)
	}
}

func TestTodaysLineKeepsTodaysYear(t *testing.T) {
	received := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	m, err := syslog.ParseBSD("<38>Nov 20 09:59:00 web1 sshd[411]: Accepted publickey for deploy", received, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if m.Time.Year() != 2026 || m.App != "sshd" || m.PID != "411" || syslog.FacilityName(m.Facility) != "auth" {
		t.Fatalf("got %+v", m)
	}
}
