package main

import (
	"encoding/binary"
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
	err     error // reading failed here (io.EOF: the agent hung up); no frame
}

func (f frame) withError(err error) frame {
	f.err = err
	return f
}

var errFrameTooLarge = errors.New("frame larger than 1 MiB")

// writeFrame sends one frame in a single write, so frames never interleave.
func writeFrame(w io.Writer, kind byte, payload []byte) error {
	if len(payload) > maxFrame {
		return errFrameTooLarge
	}
	buf := make([]byte, 5+len(payload))
	buf[0] = kind
	binary.BigEndian.PutUint32(buf[1:5], uint32(len(payload)))
	copy(buf[5:], payload)
	_, err := w.Write(buf)
	return err
}

func readFrame(r io.Reader) (frame, error) {
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return frame{}, err
	}
	size := binary.BigEndian.Uint32(head[1:5])
	if size > maxFrame {
		return frame{}, errFrameTooLarge
	}
	payload := make([]byte, size)
	if _, err := io.ReadFull(r, payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return frame{}, err
	}
	return frame{kind: head[0], payload: payload}, nil
}
