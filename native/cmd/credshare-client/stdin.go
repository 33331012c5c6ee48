package main

import (
	"io"
	"os"
	"sync"
)

// stdinRelay streams standard input to the agent as it arrives (cargo's provider
// protocol is a conversation: stdin stays open while answers go back), keeping a copy,
// so that a fall back to the Node CLI midway can hand it everything from the start.
type stdinRelay struct {
	mu       sync.Mutex
	read     []byte    // everything read so far, for a replay
	sink     io.Writer // the agent (as I frames), or the Node CLI's stdin pipe
	toAgent  bool
	eof      bool
	closeFn  func()
	switched bool
}

func newStdinRelay(conn io.Writer) *stdinRelay {
	r := &stdinRelay{sink: conn, toAgent: true}
	r.closeFn = func() { writeFrame(conn, frameStdinEOF, nil) }
	return r
}

func (r *stdinRelay) pump() {
	buf := make([]byte, 64<<10)
	for {
		n, err := os.Stdin.Read(buf)
		if n > 0 {
			r.mu.Lock()
			r.read = append(r.read, buf[:n]...)
			if r.toAgent {
				writeFrame(r.sink, frameStdin, buf[:n])
			} else {
				r.sink.Write(buf[:n])
			}
			r.mu.Unlock()
		}
		if err != nil {
			r.mu.Lock()
			r.eof = true
			r.closeFn()
			r.mu.Unlock()
			return
		}
	}
}

// divert sends what was read so far, and all that follows, to w instead of the agent,
// calling closeW at the end of input.
func (r *stdinRelay) divert(w io.Writer, closeW func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sink, r.toAgent, r.closeFn = w, false, closeW
	w.Write(r.read)
	if r.eof {
		closeW()
	}
}
