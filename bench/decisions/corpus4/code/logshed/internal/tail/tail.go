// Package tail follows log files, surviving rotation, and reports lines with their offsets.
package tail

import (
	"bufio"
	"io"
	"os"
	"time"
)

// PollInterval is how often a file at EOF is checked for new data or rotation.
const PollInterval = 250 * time.Millisecond

// Line is one line read from a followed file.
type Line struct {
	Path   string
	Text   string
	Offset int64
}

// Follower reads one path, reopening it when the file is rotated.
type Follower struct {
	Path   string
	file   *os.File
	reader *bufio.Reader
	offset int64
	lines  chan<- Line
	stop   chan struct{}
}

// Follow starts at offset (from the positions file); -1 means end of file.
func Follow(path string, offset int64, lines chan<- Line) (*Follower, error) {
	f := &Follower{Path: path, lines: lines, stop: make(chan struct{})}
	if err := f.open(offset); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *Follower) open(offset int64) error {
	file, err := os.Open(f.Path)
	if err != nil {
		return err
	}
	if offset < 0 {
		offset, err = file.Seek(0, io.SeekEnd)
	} else {
		_, err = file.Seek(offset, io.SeekStart)
	}
	if err != nil {
		file.Close()
		return err
	}
	f.file, f.reader, f.offset = file, bufio.NewReader(file), offset
	return nil
}

// rotated reports whether the file we hold is no longer the file at Path.
func (f *Follower) rotated() bool {
	fi, err := os.Stat(f.Path)
	if err != nil {
		return false
	}
	return fi.Size() < f.offset
}

// Run reads until Stop; lines are sent without the trailing newline.
func (f *Follower) Run() {
	defer f.file.Close()
	for {
		text, err := f.reader.ReadString('\n')
		if err == nil {
			f.offset += int64(len(text))
			f.lines <- Line{Path: f.Path, Text: text[:len(text)-1], Offset: f.offset}
			continue
		}
		// EOF or a partial line: wait, then check for rotation.
		select {
		case <-f.stop:
			return
		case <-time.After(PollInterval):
		}
		if f.rotated() {
			f.file.Close()
			if err := f.open(-1); err != nil {
				continue
			}
		}
	}
}

// Offset is the position after the last complete line, for the positions file.
func (f *Follower) Offset() int64 { return f.offset }

// Stop ends Run.
func (f *Follower) Stop() { close(f.stop) }
