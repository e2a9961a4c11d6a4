// Package parse extracts timestamps and joins multiline events.
package parse

import (
	"strings"
	"time"
)

// Layouts we try, most common first.
var layouts = []string{
	time.RFC3339Nano,
	time.RFC3339,
	"2006-01-02 15:04:05.000",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"02/Jan/2006:15:04:05 -0700", // nginx / apache
	"Jan _2 15:04:05",            // syslog BSD, no year
	"2006/01/02 15:04:05",        // Go log package
}

// Options of timestamp parsing (config `parse.timezone`).
type Options struct {
	Zone *time.Location
}

// ParseTimestamp reads the timestamp at the start of a line. ok is false when
// no layout matches; the caller then uses the time the line was read.
func ParseTimestamp(s string, opt Options, now time.Time) (t time.Time, rest string, ok bool) {
	for _, layout := range layouts {
		n := len(layout)
		if len(s) < n {
			continue
		}
		candidate := s[:n]
		if layout == time.RFC3339Nano || layout == time.RFC3339 {
			if i := strings.IndexByte(s, ' '); i > 0 {
				candidate = s[:i]
			} else {
				candidate = s
			}
		}
		parsed, err := time.ParseInLocation(layout, candidate, time.Local)
		if err != nil {
			continue
		}
		if parsed.Year() == 0 {
			parsed = parsed.AddDate(now.Year(), 0, 0)
			if parsed.After(now.Add(24 * time.Hour)) {
				parsed = parsed.AddDate(-1, 0, 0)
			}
		}
		return parsed, strings.TrimLeft(s[len(candidate):], " "), true
	}
	return time.Time{}, s, false
}

// ZoneFromConfig resolves the `parse.timezone` setting.
func ZoneFromConfig(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(name)
}
