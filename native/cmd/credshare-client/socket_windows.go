//go:build windows

package main

import (
	"errors"
	"syscall"
	"time"
)

const isWindows = true

// The agent protocol over a named pipe is not spoken by the Windows client yet: the
// Windows client runs the Node CLI (today's path) on every call and starts no agent.
// See docs/tools.md, "The native client".
var errNoPipe = errors.New("the Windows client does not talk to an agent yet")

func agentAddress(getenv func(string) string, id string) (dir, address string) {
	return "", `\\.\pipe\credshare-agent-` + getenv("USERNAME") + "-" + id
}

type errUnsafeDir struct{ problem string }

func (e errUnsafeDir) Error() string { return e.problem }

type errNoAgent struct{ err error }

func (e errNoAgent) Error() string { return e.err.Error() }

func checkSocketDir(dir string, create bool) error { return errUnsafeDir{errNoPipe.Error()} }

func dialAgent(address string, deadline time.Time) (*agentConn, error) {
	return nil, errUnsafeDir{errNoPipe.Error()}
}

func createMarker(path string) (bool, error) { return false, errNoPipe }

func cwd() (string, error) { return syscall.Getwd() }

// agentConn, prepare and talk: never reached on Windows (checkSocketDir refuses first);
// they exist for the shared code to build.
type agentConn struct{}

func (c *agentConn) Close() error { return nil }

func (c *call) talk(conn *agentConn, first []byte, input *stdinRelay) int {
	return c.fallback(nil, errNoPipe.Error(), false)
}

func prepare(payload []byte, stdinFollows bool) ([]byte, *stdinRelay) { return nil, nil }
