// Package labels builds the label set of each stream (host, file, app, and config extras).
package labels

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// MaxLabels is the most labels one stream may carry.
const MaxLabels = 15

// MaxLabelValueBytes caps one label value.
const MaxLabelValueBytes = 128

var nameRe = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// Set is a stream's labels.
type Set map[string]string

// SanitizeName turns any key into a valid label name (letters, digits, underscore).
func SanitizeName(k string) string {
	k = nameRe.ReplaceAllString(k, "_")
	if k == "" || (k[0] >= '0' && k[0] <= '9') {
		k = "_" + k
	}
	return strings.ToLower(k)
}

// Reserved labels are always kept, in this order, before config extras.
var Reserved = []string{"host", "job", "filename", "level"}

// Build merges reserved and extra labels. ok is false when the set is unusable and the
// line must not be sent.
func Build(reserved, extra map[string]string) (Set, bool) {
	out := Set{}
	for _, k := range Reserved {
		if v, found := reserved[k]; found && v != "" {
			out[k] = v
		}
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out[SanitizeName(k)] = extra[k]
	}
	if len(out) > MaxLabels {
		return nil, false
	}
	for k, v := range out {
		if utf8.RuneCountInString(v) > MaxLabelValueBytes {
			out[k] = string([]rune(v)[:MaxLabelValueBytes])
		}
	}
	return out, true
}

// Key is a stable string of a set, used to group events by stream.
func (s Set) Key() string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(s[k])
		b.WriteByte(',')
	}
	return b.String()
}
