package tests

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/northbeam/logshed/internal/checkpoint"
)

func TestSaveReplacesThePositionsFileInsteadOfRewritingIt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, checkpoint.FileName)
	now := time.Date(2026, 11, 19, 3, 0, 0, 0, time.UTC)
	if err := checkpoint.SaveOffsets(path, []checkpoint.Position{{Path: "/var/log/app.log", Offset: 10}}, now); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	if err := checkpoint.SaveOffsets(path, []checkpoint.Position{{Path: "/var/log/app.log", Offset: 20}}, now.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if os.SameFile(before, after) {
		t.Fatal("positions.json was rewritten in place; a crash mid-write leaves it empty")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("leftover files in the data directory: %v", entries)
	}
}

func TestPositionsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), checkpoint.FileName)
	_ = checkpoint.SaveOffsets(path, []checkpoint.Position{{Path: "/var/log/a.log", Inode: 7, Offset: 99}}, time.Now())
	got, err := checkpoint.LoadOffsets(path)
	if err != nil || len(got) != 1 || got[0].Offset != 99 {
		t.Fatalf("%v %v", got, err)
	}
}
