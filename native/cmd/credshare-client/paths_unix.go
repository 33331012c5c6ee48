//go:build !windows

package main

import (
	"path"
	"syscall"
)

// Paths with package path rather than path/filepath: on Unix they are the same thing,
// and filepath brings strings and unicode, whose initialisation every call would pay
// (docs/bench.md, "One call").
func joinPath(elem ...string) string { return path.Join(elem...) }
func cleanPath(p string) string      { return path.Clean(p) }
func isAbsPath(p string) bool        { return path.IsAbs(p) }
func dirOf(p string) string          { return path.Dir(p) }
func baseOf(p string) string         { return path.Base(p) }
func rootOf(string) string           { return "/" }

func splitPathList(list string) []string { return splitList(list, ':') }

// readSmallFile reads a file of at most 4 KiB with plain system calls: os.ReadFile would
// set up Go's poller (an epoll instance, a pipe and a thread) for one read of a few bytes.
func readSmallFile(name string) ([]byte, error) {
	fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	buf := make([]byte, 4096)
	n := 0
	for n < len(buf) {
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return buf[:n], nil
}
