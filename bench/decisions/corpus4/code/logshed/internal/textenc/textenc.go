// Package textenc turns the bytes read from a file into the text of a log line: BOMs, NULs
// from preallocated files, and bytes that are not UTF-8 (the collector rejects those).
package textenc

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"unicode/utf8"
)

// ErrInvalidUTF8 is returned for a line that is not valid UTF-8.
var ErrInvalidUTF8 = errors.New("invalid utf-8")

var bom = []byte{0xEF, 0xBB, 0xBF}

// StripBOM removes a UTF-8 byte order mark at the start of a file's first line.
func StripBOM(line []byte) []byte {
	return bytes.TrimPrefix(line, bom)
}

// IsPadding reports lines made only of NUL bytes (preallocated, not yet written file space).
func IsPadding(line []byte) bool {
	for _, b := range line {
		if b != 0 {
			return false
		}
	}
	return len(line) > 0
}

// Normalize makes a line ready to ship. A line that cannot be shipped returns an error and
// the caller skips it.
func Normalize(line []byte) ([]byte, error) {
	line = StripBOM(line)
	if IsPadding(line) {
		return nil, nil
	}
	if !utf8.Valid(line) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidUTF8, line)
	}
	return line, nil
}

// Source says where a line came from, for warnings.
type Source struct {
	Path   string
	Offset int64
}

// Process runs Normalize and logs what it refused.
func Process(src Source, line []byte, log *slog.Logger) ([]byte, bool) {
	out, err := Normalize(line)
	if err != nil {
		log.Warn("skipping line", "path", src.Path, "offset", src.Offset, "err", err)
		return nil, false
	}
	return out, out != nil
}

// LooksBinary is used by the file follower to skip files that are plainly not text.
func LooksBinary(head []byte) bool {
	if len(head) > 512 {
		head = head[:512]
	}
	return bytes.IndexByte(head, 0) >= 0 && !IsPadding(head)
}
