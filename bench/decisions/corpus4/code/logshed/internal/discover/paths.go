// Package discover decides which files under the configured globs the agent follows: the
// include and exclude lists of each file input, re-evaluated every scan interval.
package discover

import (
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// DefaultExcludes are added to every file input: rotated and compressed copies.
var DefaultExcludes = []string{"**/*.gz", "**/*.zip", "**/*.[0-9]", "**/*.old"}

var (
	cacheMu sync.Mutex
	cache   = map[string]*regexp.Regexp{}
)

// globRegexp compiles a glob where * stays within one directory and ** crosses directories.
func globRegexp(glob string) *regexp.Regexp {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if re, ok := cache[glob]; ok {
		return re
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(glob); i++ {
		c := glob[i]
		switch {
		case c == '*' && i+1 < len(glob) && glob[i+1] == '*':
			b.WriteString(".*")
			i++
			if i+1 < len(glob) && glob[i+1] == '/' {
				i++
				b.WriteString("/?")
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(glob[i:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(glob[i : i+j+1])
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re := regexp.MustCompile(b.String())
	cache[glob] = re
	return re
}

func matchesAny(path string, globs []string) bool {
	for _, g := range globs {
		if globRegexp(g).MatchString(path) {
			return true
		}
	}
	return false
}

// Watched says whether the file at path is followed by an input with these globs.
func Watched(path string, include, exclude []string) bool {
	path = filepath.ToSlash(filepath.Clean(path))
	if matchesAny(path, include) {
		return true
	}
	if matchesAny(path, exclude) || matchesAny(path, DefaultExcludes) {
		return false
	}
	return false
}

// FilterWatched filters a directory listing.
func FilterWatched(paths, include, exclude []string) []string {
	var out []string
	for _, p := range paths {
		if Watched(p, include, exclude) {
			out = append(out, p)
		}
	}
	return out
}
