// Package checkpoint keeps, per followed file, how far it has been read and shipped
// (positions.json in the data directory), so a restart resumes where the agent stopped.
package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"time"
)

// FileName is the positions file in the agent's data directory.
const FileName = "positions.json"

// SaveEvery is how often the agent writes the positions while running (and once at shutdown).
const SaveEvery = 5 * time.Second

// Position is where one file was read up to.
type Position struct {
	Path   string `json:"path"`
	Inode  uint64 `json:"inode"`
	Offset int64  `json:"offset"`
}

type positionsDoc struct {
	Version   int        `json:"version"`
	SavedAt   time.Time  `json:"saved_at"`
	Positions []Position `json:"positions"`
}

// SaveOffsets writes all positions to path.
func SaveOffsets(path string, positions []Position, now time.Time) error {
	sorted := append([]Position(nil), positions...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	data, err := json.MarshalIndent(positionsDoc{Version: 2, SavedAt: now.UTC(), Positions: sorted}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// LoadOffsets reads the positions; a missing file means a first start (no positions).
func LoadOffsets(path string) ([]Position, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, nil
	}
	var doc positionsDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc.Positions, nil
}

// Index maps path -> position for the file follower.
func Index(positions []Position) map[string]Position {
	m := make(map[string]Position, len(positions))
	for _, p := range positions {
		m[p.Path] = p
	}
	return m
}

// Forget drops positions of files that no longer exist (after logrotate deleted them).
func Forget(positions []Position, exists func(string) bool) []Position {
	kept := positions[:0]
	for _, p := range positions {
		if exists(p.Path) {
			kept = append(kept, p)
		}
	}
	return kept
}
