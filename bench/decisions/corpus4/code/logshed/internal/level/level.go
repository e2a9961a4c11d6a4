// Package level finds the severity of a log line, which the sink sends as the `level` label so
// dashboards can count errors per service.
package level

import (
	"encoding/json"
	"regexp"
	"strings"
)

// Level is one of the values the collector indexes.
type Level string

const (
	Debug   Level = "debug"
	Info    Level = "info"
	Warn    Level = "warn"
	Error   Level = "error"
	Fatal   Level = "fatal"
	Unknown Level = "unknown"
)

// fieldNames are the structured fields that carry a level, in order of preference.
var fieldNames = []string{"level", "severity"}

var aliases = map[string]Level{
	"trace": Debug, "debug": Debug, "dbg": Debug,
	"info": Info, "information": Info, "notice": Info,
	"warn": Warn, "warning": Warn,
	"error": Error, "err": Error,
	"fatal": Fatal, "critical": Fatal, "crit": Fatal, "panic": Fatal, "emerg": Fatal,
}

var (
	logfmtLevel = regexp.MustCompile(`(?:^|\s)(level|severity)="?([A-Za-z]+)"?`)
	wordLevel   = regexp.MustCompile(`(?i)\b(fatal|panic|error|exception|fail(?:ed|ure)?|warn(?:ing)?)\b`)
)

// Parse maps a field value ("WARNING", "Err") to a Level.
func Parse(value string) Level {
	if l, ok := aliases[strings.ToLower(strings.TrimSpace(value))]; ok {
		return l
	}
	return Unknown
}

func fromJSON(line string) (Level, bool) {
	s := strings.TrimSpace(line)
	if !strings.HasPrefix(s, "{") {
		return "", false
	}
	var doc map[string]any
	if json.Unmarshal([]byte(s), &doc) != nil {
		return "", false
	}
	for _, name := range fieldNames {
		if v, ok := doc[name].(string); ok {
			return Parse(v), true
		}
	}
	return "", false
}

func fromLogfmt(line string) (Level, bool) {
	m := logfmtLevel.FindStringSubmatch(line)
	if m == nil {
		return "", false
	}
	return Parse(m[2]), true
}

// fromText is the fallback for lines without a level field.
func fromText(line string) Level {
	m := wordLevel.FindStringSubmatch(line)
	if m == nil {
		return Info
	}
	switch w := strings.ToLower(m[1]); {
	case w == "fatal" || w == "panic":
		return Fatal
	case strings.HasPrefix(w, "warn"):
		return Warn
	default:
		return Error
	}
}

// Detect returns the level of one line.
func Detect(line string) Level {
	if l, ok := fromJSON(line); ok {
		return l
	}
	if l, ok := fromLogfmt(line); ok {
		return l
	}
	return fromText(line)
}
