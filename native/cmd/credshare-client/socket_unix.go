//go:build !windows

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

const isWindows = false

// socketDir is where agents listen (docs/agent-protocol.md): $XDG_RUNTIME_DIR/credshare,
// else $TMPDIR/credshare-<uid>, else /tmp/credshare-<uid>; a relative XDG_RUNTIME_DIR or
// TMPDIR is ignored.
func socketDir(getenv func(string) string) string {
	if d := getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(d) {
		return filepath.Join(d, "credshare")
	}
	tmp := getenv("TMPDIR")
	if !filepath.IsAbs(tmp) {
		tmp = "/tmp"
	}
	return filepath.Join(tmp, "credshare-"+strconv.Itoa(os.Getuid()))
}

// agentAddress is the socket of the home's agent.
func agentAddress(getenv func(string) string, id string) (dir, address string) {
	dir = socketDir(getenv)
	return dir, filepath.Join(dir, "agent-"+id+".sock")
}

// errUnsafeDir: the socket directory exists but is not the user's private directory;
// nothing in it is trusted, and no agent is started there.
type errUnsafeDir struct{ problem string }

func (e errUnsafeDir) Error() string { return e.problem }

// checkSocketDir refuses a socket directory that is a symlink, not a directory, owned by
// someone else, or open to group or others: whoever could write there could stand in for
// the agent. A missing directory is created (0700) when create is set, for the spawn marker.
func checkSocketDir(dir string, create bool) error {
	var st syscall.Stat_t
	err := syscall.Lstat(dir, &st)
	if err == syscall.ENOENT && create {
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			return err
		}
		if err := syscall.Mkdir(dir, 0o700); err != nil && err != syscall.EEXIST {
			return err
		}
		err = syscall.Lstat(dir, &st)
	}
	if err != nil {
		return err
	}
	switch {
	case st.Mode&syscall.S_IFMT != syscall.S_IFDIR:
		return errUnsafeDir{dir + " is not a directory"}
	case int(st.Uid) != os.Getuid():
		return errUnsafeDir{fmt.Sprintf("%s belongs to uid %d, not to this user (uid %d)", dir, st.Uid, os.Getuid())}
	case st.Mode&0o077 != 0:
		return errUnsafeDir{fmt.Sprintf("%s has mode %o; it must be 0700", dir, st.Mode&0o777)}
	}
	return nil
}

// errNoAgent: nothing listens at the address (no socket file, or a stale one).
type errNoAgent struct{ err error }

func (e errNoAgent) Error() string { return e.err.Error() }

// dialAgent connects to the agent's socket within the deadline, then checks that the
// process listening there runs as this user. A unix socket's backlog can be full (a
// thousand callers at once, or an agent that stopped accepting): the connect is
// non-blocking and retried until the deadline instead of hanging.
func dialAgent(address string, deadline time.Time) (*os.File, error) {
	for {
		fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
		if err != nil {
			return nil, err
		}
		syscall.CloseOnExec(fd)
		if err := syscall.SetNonblock(fd, true); err != nil {
			syscall.Close(fd)
			return nil, err
		}
		err = syscall.Connect(fd, &syscall.SockaddrUnix{Name: address})
		if err == syscall.EINPROGRESS {
			err = waitConnected(fd, deadline)
		}
		if err == nil {
			if err := checkPeer(fd); err != nil {
				syscall.Close(fd)
				return nil, err
			}
			// Non-blocking, so os.File reads go through Go's poller.
			return os.NewFile(uintptr(fd), address), nil
		}
		syscall.Close(fd)
		switch err {
		case syscall.ENOENT, syscall.ECONNREFUSED, syscall.ENOTDIR:
			return nil, errNoAgent{err}
		case syscall.EAGAIN, syscall.EINTR:
			if time.Now().After(deadline) {
				return nil, errors.New("the agent's socket accepted no connection in time (backlog full)")
			}
			time.Sleep(5 * time.Millisecond)
		default:
			return nil, err
		}
	}
}

// waitConnected waits for a connect in progress (darwin may report one) to finish.
func waitConnected(fd int, deadline time.Time) error {
	for time.Now().Before(deadline) {
		soErr, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_ERROR)
		if err != nil {
			return err
		}
		if soErr != 0 {
			return syscall.Errno(soErr)
		}
		// Connected once the peer address is known.
		if _, err := syscall.Getpeername(fd); err == nil {
			return nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return syscall.EAGAIN
}

func checkPeer(fd int) error {
	uid, err := peerUID(fd)
	if err != nil {
		return fmt.Errorf("cannot tell who runs the agent: %v", err)
	}
	if uid != os.Getuid() {
		return errUnsafeDir{fmt.Sprintf("the agent's socket is served by uid %d, not by this user (uid %d)", uid, os.Getuid())}
	}
	return nil
}

// createMarker creates path exclusively (O_EXCL), mode 0600; false if it already exists.
func createMarker(path string) (bool, error) {
	fd, err := syscall.Open(path, syscall.O_CREAT|syscall.O_EXCL|syscall.O_WRONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0o600)
	if err == syscall.EEXIST {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	syscall.Close(fd)
	return true, nil
}

// cwd is the working directory as the kernel has it (getcwd), as Node's process.cwd()
// reports it; os.Getwd would prefer $PWD, which may name the same directory through a
// symlink, and a relative CREDSHARE_HOME would then resolve to another path than the agent's.
func cwd() (string, error) {
	return syscall.Getwd()
}
