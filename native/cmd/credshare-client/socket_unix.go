//go:build !windows

package main

import (
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"
)

const isWindows = false

// socketDir is where agents listen (docs/agent-protocol.md): $XDG_RUNTIME_DIR/credshare,
// else $TMPDIR/credshare-<uid>, else /tmp/credshare-<uid>; a relative XDG_RUNTIME_DIR or
// TMPDIR is ignored.
func socketDir(getenv func(string) string) string {
	if d := getenv("XDG_RUNTIME_DIR"); isAbsPath(d) {
		return joinPath(d, "credshare")
	}
	tmp := getenv("TMPDIR")
	if !isAbsPath(tmp) {
		tmp = "/tmp"
	}
	return joinPath(tmp, "credshare-"+strconv.Itoa(os.Getuid()))
}

// agentAddress is the socket of the home's agent.
func agentAddress(getenv func(string) string, id string) (dir, address string) {
	dir = socketDir(getenv)
	return dir, joinPath(dir, "agent-"+id+".sock")
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
		if err := os.MkdirAll(dirOf(dir), 0o700); err != nil {
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
		return errUnsafeDir{dir + " belongs to uid " + strconv.Itoa(int(st.Uid)) + ", not to this user (uid " + strconv.Itoa(os.Getuid()) + ")"}
	case st.Mode&0o077 != 0:
		return errUnsafeDir{dir + " has mode " + strconv.FormatUint(uint64(st.Mode&0o777), 8) + "; it must be 0700"}
	}
	return nil
}

// errNoAgent: nothing listens at the address (no socket file, or a stale one).
type errNoAgent struct{ err error }

func (e errNoAgent) Error() string { return e.err.Error() }

// dialAgent connects to the agent's socket within the deadline, then checks that the
// process listening there runs as this user. A unix socket's backlog can be full (a
// thousand callers at once, or an agent that stopped accepting): the connect is
// non-blocking and retried until the deadline instead of hanging. The connection is then
// made blocking (agentConn).
func dialAgent(address string, deadline time.Time) (*agentConn, error) {
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
		if err := setTimeouts(fd); err != nil {
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
			conn, err := newAgentConn(fd)
			if err != nil {
				syscall.Close(fd)
				return nil, err
			}
			return conn, nil
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
		return errors.New("cannot tell who runs the agent: " + err.Error())
	}
	if uid != os.Getuid() {
		return errUnsafeDir{"the agent's socket is served by uid " + strconv.Itoa(uid) + ", not by this user (uid " + strconv.Itoa(os.Getuid()) + ")"}
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
