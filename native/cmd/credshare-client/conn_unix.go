//go:build !windows

package main

import (
	"errors"
	"io"
	"syscall"
	"time"
	"unsafe"
)

// agentConn is the connection to the agent: a blocking Unix socket, read and written with
// plain system calls. An os.File or net.Conn would put it in Go's poller, which costs the
// client an epoll instance and threads to wait on it: a measurable share of a call that
// takes a few milliseconds in all (docs/bench.md, "One call"). The protocol's deadlines are
// kept by waitReadable (select(2)); SO_RCVTIMEO and SO_SNDTIMEO (stallTimeout) bound the
// rest of a frame once it has begun, and a write to an agent that stopped reading.
type agentConn struct{ fd int }

var errTimeout = errors.New("timed out")

// isTimeout: the error is a deadline passing, not a broken connection.
func isTimeout(err error) bool { return err == errTimeout }

func newAgentConn(fd int) (*agentConn, error) {
	if fd <= 2 {
		// The tool closed a standard stream and the socket took its number: reading
		// "standard input" would read the agent.
		return nil, errors.New("standard input, output or error is not open")
	}
	if fd >= fdSetSize {
		return nil, errors.New("the socket's descriptor is beyond select(2)'s limit (too many descriptors inherited)")
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		return nil, err
	}
	return &agentConn{fd: fd}, nil
}

// setTimeouts bounds each read and write on the socket (set before connecting, so that
// nothing but the request's write follows the connect).
func setTimeouts(fd int) error {
	limit := syscall.NsecToTimeval(int64(stallTimeout))
	for _, option := range []int{syscall.SO_RCVTIMEO, syscall.SO_SNDTIMEO} {
		if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, option, &limit); err != nil {
			return err
		}
	}
	return nil
}

func (c *agentConn) Read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(c.fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return 0, errTimeout
		case err != nil:
			return 0, err
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (c *agentConn) Write(p []byte) (int, error) {
	written := 0
	for written < len(p) {
		n, err := syscall.Write(c.fd, p[written:])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return written, errTimeout
		case err != nil:
			return written, err
		}
		written += n
	}
	return written, nil
}

// Close closes the socket once; later calls do nothing (a descriptor number closed twice
// could by then be a pipe of the fall back's).
func (c *agentConn) Close() error {
	if c.fd < 0 {
		return nil
	}
	fd := c.fd
	c.fd = -1
	return syscall.Close(fd)
}

// fdSetSize is FD_SETSIZE: select(2) watches descriptors below it only.
const fdSetSize = int(unsafe.Sizeof(syscall.FdSet{})) * 8

func fdSetAdd(set *syscall.FdSet, fd int) {
	bits := int(unsafe.Sizeof(set.Bits[0])) * 8
	set.Bits[fd/bits] |= 1 << (uint(fd) % uint(bits))
}

func fdSetHas(set *syscall.FdSet, fd int) bool {
	bits := int(unsafe.Sizeof(set.Bits[0])) * 8
	return set.Bits[fd/bits]&(1<<(uint(fd)%uint(bits))) != 0
}

// waitReadable waits until the agent's socket, or standard input when watchStdin, can be
// read without blocking, or until the deadline: which one is ready, or errTimeout. A
// standard input that is not open counts as ready (its read fails, which ends it).
func waitReadable(conn *agentConn, watchStdin bool, deadline time.Time) (connReady, stdinReady bool, err error) {
	for {
		left := time.Until(deadline)
		if left < 0 {
			left = 0
		}
		var set syscall.FdSet
		fdSetAdd(&set, conn.fd)
		if watchStdin {
			fdSetAdd(&set, 0)
		}
		timeout := syscall.NsecToTimeval(int64(left))
		err := selectRead(conn.fd+1, &set, &timeout)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EBADF && watchStdin:
			return false, true, nil
		case err != nil:
			return false, false, err
		}
		connReady, stdinReady = fdSetHas(&set, conn.fd), watchStdin && fdSetHas(&set, 0)
		if connReady || stdinReady {
			return connReady, stdinReady, nil
		}
		if left == 0 {
			return false, false, errTimeout
		}
	}
}

// stdinReadable: standard input can be read now without blocking (data, its end, or an
// error waiting), checked without waiting.
func stdinReadable() bool {
	var set syscall.FdSet
	fdSetAdd(&set, 0)
	var none syscall.Timeval
	err := selectRead(1, &set, &none)
	return err == syscall.EBADF || (err == nil && fdSetHas(&set, 0))
}

// readStdin reads standard input once; n == 0 is its end, or a read that failed, which
// ends it too. again: EAGAIN (a non-blocking descriptor another process shares with us,
// and nothing in it after all), nothing read yet.
func readStdin(buf []byte) (n int, again bool) {
	for {
		n, err := syscall.Read(0, buf)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return 0, true
		case err != nil:
			return 0, false
		}
		return n, false
	}
}
