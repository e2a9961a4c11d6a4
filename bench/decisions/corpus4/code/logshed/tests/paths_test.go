package tests

import (
	"testing"

	"github.com/northbeam/logshed/internal/discover"
)

var include = []string{"/var/log/**/*.log"}
var exclude = []string{"/var/log/secrets/**"}

func TestExcludedDirectoryIsNeverFollowedEvenIfIncluded(t *testing.T) {
	if discover.Watched("/var/log/secrets/vault/audit.log", include, exclude) {
		t.Fatal("a file under an excluded directory is followed")
	}
}

func TestRotatedCopiesAreNotFollowed(t *testing.T) {
	if discover.Watched("/var/log/nginx/access.log.gz", []string{"/var/log/**"}, nil) {
		t.Fatal("a compressed rotated copy is followed")
	}
}

func TestIncludedFileIsFollowed(t *testing.T) {
	if !discover.Watched("/var/log/nginx/access.log", include, exclude) {
		t.Fatal("an included file is not followed")
	}
}
