//go:build !linux

package main

import "path/filepath"

// resolveLinks: darwin's and Windows' os.Executable is the path the program was started
// by, which may be a link to it (a bin directory's).
func resolveLinks(p string) string {
	if real, err := filepath.EvalSymlinks(p); err == nil {
		return real
	}
	return p
}
