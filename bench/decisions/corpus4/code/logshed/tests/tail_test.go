package tests

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/northbeam/logshed/internal/tail"
)

func collect(ch <-chan tail.Line, n int, t *testing.T) []string {
	var out []string
	for len(out) < n {
		select {
		case l := <-ch:
			out = append(out, l.Text)
		case <-time.After(3 * time.Second):
			t.Fatalf("got only %q", out)
		}
	}
	return out
}

func TestRenameRotationLosesNoLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	os.WriteFile(path, []byte("one\n"), 0o644)
	ch := make(chan tail.Line, 16)
	f, err := tail.Follow(path, 0, ch)
	if err != nil {
		t.Fatal(err)
	}
	go f.Run()
	defer f.Stop()
	collect(ch, 1, t)
	os.Rename(path, path+".1") // logrotate
	os.WriteFile(path, []byte("first after rotate\nsecond after rotate\nthird\n"), 0o644)
	got := collect(ch, 3, t)
	if got[0] != "first after rotate" {
		t.Fatalf("got %q", got)
	}
}

func TestCopyTruncateStartsAtZero(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db.log")
	os.WriteFile(path, []byte("a long line before truncation\n"), 0o644)
	ch := make(chan tail.Line, 16)
	f, _ := tail.Follow(path, 0, ch)
	go f.Run()
	defer f.Stop()
	collect(ch, 1, t)
	os.WriteFile(path, []byte("x\n"), 0o644) // copytruncate then a short write
	if got := collect(ch, 1, t); got[0] != "x" {
		t.Fatalf("got %q", got)
	}
}
