//go:build !windows

package main

import (
	"os"
	"strconv"
	"time"
)

// stdinChunk is the most read from standard input at once (one I frame): a helper's
// request is a few hundred bytes. Small on purpose: every page a call touches first costs
// a page fault, and Go clears a large buffer before use. Up to stdinWithRequest of input
// goes out with the request itself.
const (
	stdinChunk       = 4 << 10
	stdinWithRequest = 64 << 10
)

// prepare is the first write to the agent: the request and, when it is sent unasked,
// what standard input holds already (a tool writes its request as it starts the helper).
func prepare(payload []byte, stdinFollows bool) ([]byte, *stdinRelay) {
	input := &stdinRelay{relaying: stdinFollows}
	out := appendFrame(nil, frameRequest, payload)
	for input.waiting() && len(out) < stdinWithRequest && stdinReadable() {
		var read bool
		if out, read = input.relayOnce(out); !read {
			break
		}
	}
	return out, input
}

// relayOnce reads standard input once (it is ready) and appends to out the frame that
// sends what it read: I with the bytes, or E at its end (a failed read ends it too). read
// is false when there was nothing to read after all.
func (r *stdinRelay) relayOnce(out []byte) (_ []byte, read bool) {
	if r.buf == nil {
		r.buf = make([]byte, stdinChunk)
	}
	n, again := readStdin(r.buf)
	if again {
		return out, false
	}
	if n == 0 {
		r.eof = true
		return appendFrame(out, frameStdinEOF, nil), true
	}
	r.read = append(r.read, r.buf[:n]...)
	return appendFrame(out, frameStdin, r.buf[:n]), true
}

// talk sends the request and relays the agent's answer on this one thread, waiting on
// the socket and (while it is relayed) standard input together: no goroutine, no poller,
// nothing for the runtime to start on the hot path. Until the agent has written any
// output, every failure runs the Node CLI instead (with the standard input relayed so
// far replayed); after that, a failure ends the call with exit 1 and a line on stderr,
// never a second answer.
func (c *call) talk(conn *agentConn, first []byte, input *stdinRelay) int {
	c.conn = conn
	defer conn.Close()
	if _, err := conn.Write(first); err != nil {
		return c.fallback(input, "the agent did not take the request: "+err.Error(), false)
	}

	var frames frameReader
	accepted, wrote := false, false
	deadline := time.Now().Add(acceptTimeout)
	for {
		f, ok, err := frames.next()
		if err != nil {
			return c.failed(accepted, wrote, input, "the agent sent a frame larger than 1 MiB")
		}
		if !ok {
			connReady, stdinReady, err := waitReadable(conn, input.waiting(), deadline)
			switch {
			case isTimeout(err) && !accepted:
				return c.fallback(input, "the agent did not accept within "+acceptTimeout.String()+" (frozen or overloaded)", false)
			case isTimeout(err):
				return c.broken(wrote, input, "no word from the agent for "+stallTimeout.String()+" (frozen?)")
			case err != nil:
				return c.failed(accepted, wrote, input, "cannot wait for the agent: "+err.Error())
			}
			// The agent's frames first: an answer already there (an exit code, a fall back)
			// stands even when standard input can no longer be sent.
			if connReady {
				if err := frames.fill(conn); err != nil {
					if !accepted {
						return c.fallback(input, "the agent closed the connection before accepting ("+err.Error()+")", false)
					}
					return c.broken(wrote, input, "the connection ended before the exit code ("+err.Error()+")")
				}
				continue
			}
			if stdinReady {
				if frame, read := input.relayOnce(nil); read {
					if _, err := conn.Write(frame); err != nil {
						// The agent stopped reading: what it answers, or the end of the
						// connection, decides (the input read is kept for a replay).
						c.say("the agent did not take standard input (", err.Error(), ")")
						input.unsent = true
					}
				}
			}
			continue
		}
		deadline = time.Now().Add(stallTimeout)

		// Accepted, or sent back to the Node CLI.
		if !accepted {
			switch f.kind {
			case frameAccept:
				accepted = true
				continue
			case frameFallback:
				fields, _ := flatObject(f.payload)
				reason := fields["reason"]
				// An agent of another build that steps aside: start one of this build.
				restart := reason == "version" && fields["steppingAside"] == "true"
				c.replacing = restart
				return c.fallback(input, "the agent sent the call back ("+reason+": "+fields["message"]+")", restart)
			default:
				return c.fallback(input, "the agent answered "+strconv.Quote(string(f.kind))+" before accepting", false)
			}
		}
		switch f.kind {
		case frameKeepAlive:
		case frameWantStdin:
			// The command reads standard input: relay it from now on.
			input.relaying = true
		case frameStdout:
			wrote = true
			os.Stdout.Write(f.payload)
		case frameStderr:
			wrote = true
			os.Stderr.Write(f.payload)
		case frameExit:
			fields, ok := flatObject(f.payload)
			code, err := strconv.Atoi(fields["code"])
			if !ok || err != nil || code < 0 || code > 255 {
				return c.broken(wrote, input, "an exit frame without a code")
			}
			return code
		default:
			return c.broken(wrote, input, "an unknown frame "+strconv.Quote(string(f.kind)))
		}
	}
}

// failed ends a call that went wrong before (fallback, starting no agent: one answered)
// or after the agent accepted it (broken).
func (c *call) failed(accepted, wrote bool, input *stdinRelay, problem string) int {
	if !accepted {
		return c.fallback(input, problem, false)
	}
	return c.broken(wrote, input, problem)
}

// broken ends a request the agent accepted but did not finish: through the Node CLI when
// nothing was written yet (starting no agent: one exists), else with exit 1 and a line on
// stderr.
func (c *call) broken(wrote bool, input *stdinRelay, problem string) int {
	if !wrote {
		return c.fallback(input, problem, false)
	}
	c.say(problem)
	os.Stderr.WriteString("credshare: the credshare agent stopped answering; run the command again\n")
	return 1
}
