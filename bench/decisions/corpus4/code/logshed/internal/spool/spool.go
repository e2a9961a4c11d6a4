// Package spool keeps batches on disk while the collector is unreachable.
package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// MaxSpoolBytes is the default disk budget of the spool directory.
const MaxSpoolBytes int64 = 512 << 20

// ErrSpoolFull is returned by Append when a segment cannot be stored.
var ErrSpoolFull = errors.New("spool full")

// Source says where the data in a segment came from.
type Source int

const (
	FileInput Source = iota
	SyslogUDP
	SyslogTCP
)

// Spool is a directory of numbered segment files, oldest first.
type Spool struct {
	mu       sync.Mutex
	dir      string
	maxBytes int64
	size     int64
	next     uint64
	Dropped  uint64 // segments thrown away to make room
}

// Open scans dir and continues numbering after the newest segment.
func Open(dir string, maxBytes int64) (*Spool, error) {
	if maxBytes <= 0 {
		maxBytes = MaxSpoolBytes
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	s := &Spool{dir: dir, maxBytes: maxBytes}
	for _, name := range s.segments() {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		s.size += fi.Size()
		n, _ := strconv.ParseUint(strings.TrimSuffix(name, ".seg"), 10, 64)
		if n >= s.next {
			s.next = n + 1
		}
	}
	return s, nil
}

func (s *Spool) segments() []string {
	entries, _ := os.ReadDir(s.dir)
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".seg") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// Append stores one encoded batch. When the spool is over its budget, the oldest
// segments are deleted until the new one fits.
func (s *Spool) Append(data []byte, src Source) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if int64(len(data)) > s.maxBytes {
		return fmt.Errorf("%w: batch of %d bytes is larger than the spool", ErrSpoolFull, len(data))
	}
	for s.size+int64(len(data)) > s.maxBytes {
		names := s.segments()
		if len(names) == 0 {
			break
		}
		oldest := filepath.Join(s.dir, names[0])
		if fi, err := os.Stat(oldest); err == nil {
			s.size -= fi.Size()
		}
		_ = os.Remove(oldest)
		s.Dropped++
	}
	name := filepath.Join(s.dir, fmt.Sprintf("%020d.seg", s.next))
	if err := os.WriteFile(name, data, 0o640); err != nil {
		return err
	}
	s.next++
	s.size += int64(len(data))
	return nil
}

// Oldest returns the oldest segment's path and content, or "" when empty.
func (s *Spool) Oldest() (string, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := s.segments()
	if len(names) == 0 {
		return "", nil, nil
	}
	path := filepath.Join(s.dir, names[0])
	data, err := os.ReadFile(path)
	return path, data, err
}

// Ack deletes a segment that was delivered.
func (s *Spool) Ack(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	s.size -= fi.Size()
	return os.Remove(path)
}

// Size is the bytes currently spooled.
func (s *Spool) Size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.size
}
