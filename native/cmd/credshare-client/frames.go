package main

import (
	"errors"
	"io"
)

// The agent protocol's framing (docs/agent-protocol.md): 1 byte type, 4 bytes payload
// length (unsigned big-endian), the payload; at most 1 MiB per frame.
const maxFrame = 1 << 20

// Frame types. Client to agent: the request, stdin bytes, stdin closed.
// Agent to client: accept, fall back, send stdin, keep-alive, stdout, stderr, exit.
const (
	frameRequest   = 'Q'
	frameStdin     = 'I'
	frameStdinEOF  = 'E'
	frameAccept    = 'A'
	frameFallback  = 'F'
	frameWantStdin = 'W'
	frameKeepAlive = 'K'
	frameStdout    = 'O'
	frameStderr    = 'R'
	frameExit      = 'X'
)

type frame struct {
	kind    byte
	payload []byte
}

var errFrameTooLarge = errors.New("frame larger than 1 MiB")

// appendFrame appends one frame to buf: frames sent together (the request and the stdin
// that is already there) go out in a single write, one wake-up of the agent. The payload
// is at most maxFrame (the request is checked; stdin is read in smaller chunks).
func appendFrame(buf []byte, kind byte, payload []byte) []byte {
	n := uint32(len(payload))
	return append(append(buf, kind, byte(n>>24), byte(n>>16), byte(n>>8), byte(n)), payload...)
}

// frameReader takes the agent's bytes as they come and hands out whole frames: one read
// gets every frame already sent (a fresh-token answer's A, O and X arrive together), and
// a frame split across reads waits in the buffer for its rest.
type frameReader struct {
	buf     []byte
	scratch []byte
}

// next is the first whole frame buffered, if there is one.
func (r *frameReader) next() (f frame, ok bool, err error) {
	if len(r.buf) < 5 {
		return frame{}, false, nil
	}
	size := uint32(r.buf[1])<<24 | uint32(r.buf[2])<<16 | uint32(r.buf[3])<<8 | uint32(r.buf[4])
	if size > maxFrame {
		return frame{}, false, errFrameTooLarge
	}
	if uint32(len(r.buf)-5) < size {
		return frame{}, false, nil
	}
	f = frame{kind: r.buf[0], payload: r.buf[5 : 5+size]}
	r.buf = r.buf[5+size:]
	return f, true, nil
}

// fill reads once from the agent (it is readable). The end of the connection is io.EOF,
// or io.ErrUnexpectedEOF in the middle of a frame.
func (r *frameReader) fill(conn io.Reader) error {
	if r.scratch == nil {
		// Small: an answer is a few hundred bytes, and a longer one takes more reads.
		r.scratch = make([]byte, 4<<10)
	}
	n, err := conn.Read(r.scratch)
	if err == io.EOF && len(r.buf) > 0 {
		return io.ErrUnexpectedEOF
	}
	if err != nil {
		return err
	}
	// Appended after what is buffered, never over it: payloads handed out keep pointing
	// into earlier bytes of buf, which are never moved or overwritten.
	r.buf = append(r.buf, r.scratch[:n]...)
	return nil
}
