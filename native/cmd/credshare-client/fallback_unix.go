//go:build !windows

package main

import (
	"errors"
	"os"
	"syscall"
)

// execNode replaces this process with the Node CLI: nothing of the client stays between
// the tool and the CLI, and the CLI inherits stdin untouched (nothing was read from it).
func execNode(node string, args []string) error {
	if err := syscall.Exec(node, args, os.Environ()); err != nil {
		return errors.New("exec " + node + ": " + err.Error())
	}
	return nil
}

// detached starts the child in a session of its own, so that it outlives this call and
// the tool's process group (a Ctrl-C in the terminal does not reach it).
func detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

const devNull = "/dev/null"
