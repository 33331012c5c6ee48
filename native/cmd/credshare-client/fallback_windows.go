//go:build windows

package main

import (
	"os"
	"syscall"
)

// execNode: Windows has no exec, so the CLI runs as a child with this process's
// handles and its exit code becomes this process's.
func execNode(node string, args []string) error {
	p, err := os.StartProcess(node, args, &os.ProcAttr{Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}})
	if err != nil {
		return err
	}
	state, err := p.Wait()
	if err != nil {
		return err
	}
	os.Exit(state.ExitCode())
	return nil
}

func detached() *syscall.SysProcAttr {
	const detachedProcess = 0x00000008
	const createNewProcessGroup = 0x00000200
	return &syscall.SysProcAttr{CreationFlags: detachedProcess | createNewProcessGroup, HideWindow: true}
}

const devNull = "NUL"
