package tests

import (
	"bytes"
	"errors"
	"testing"

	"github.com/northbeam/logshed/internal/spool"
)

func TestFullSpoolKeepsFileInputData(t *testing.T) {
	s, err := spool.Open(t.TempDir(), 3000)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := s.Append(bytes.Repeat([]byte{'a' + byte(i)}, 1000), spool.FileInput); err != nil {
			t.Fatal(err)
		}
	}
	err = s.Append(bytes.Repeat([]byte{'z'}, 1000), spool.FileInput)
	if !errors.Is(err, spool.ErrSpoolFull) {
		t.Fatalf("file input into a full spool: got %v, want ErrSpoolFull so the tailer waits", err)
	}
	_, oldest, _ := s.Oldest()
	if oldest[0] != 'a' {
		t.Fatal("oldest segment of a file input was dropped")
	}
}

func TestFullSpoolDropsOldestForUDP(t *testing.T) {
	s, _ := spool.Open(t.TempDir(), 2000)
	_ = s.Append(bytes.Repeat([]byte{'a'}, 1000), spool.SyslogUDP)
	_ = s.Append(bytes.Repeat([]byte{'b'}, 1000), spool.SyslogUDP)
	if err := s.Append(bytes.Repeat([]byte{'c'}, 1000), spool.SyslogUDP); err != nil {
		t.Fatal(err)
	}
	_, oldest, _ := s.Oldest()
	if oldest[0] != 'b' || s.Dropped != 1 {
		t.Fatalf("want oldest b and one dropped, got %c and %d", oldest[0], s.Dropped)
	}
}
