package main

import (
	"os"
	"strconv"
	"time"
)

// talk sends the request and relays the agent's answer. Until the agent has written
// any output, every failure runs the Node CLI instead (with the standard input forwarded
// so far replayed); after that, a failure ends the call with exit 1 and a line on
// stderr, never a second answer.
func (c *call) talk(conn *os.File, q request) int {
	c.conn = conn
	defer conn.Close()
	if err := writeFrame(conn, frameRequest, q.encode()); err != nil {
		return c.fallback(nil, "the agent did not take the request: "+err.Error(), false)
	}
	// Frames are read in this goroutine with deadlines (the socket is non-blocking, in Go's
	// poller): no reader goroutine, channel or timer to start on the hot path.
	next := func(timeout time.Duration) frame {
		conn.SetReadDeadline(time.Now().Add(timeout))
		f, err := readFrame(conn)
		return f.withError(err)
	}

	// Accepted, or sent back to the Node CLI.
	f := next(acceptTimeout)
	if os.IsTimeout(f.err) {
		return c.fallback(nil, "the agent did not accept within "+acceptTimeout.String()+" (frozen or overloaded)", false)
	}
	if f.err != nil {
		return c.fallback(nil, "the agent closed the connection before accepting ("+f.err.Error()+")", false)
	}
	switch f.kind {
	case frameAccept:
	case frameFallback:
		fields, _ := flatObject(f.payload)
		reason := fields["reason"]
		// An agent of another build that steps aside: start one of this build.
		restart := reason == "version" && fields["steppingAside"] == "true"
		c.replacing = restart
		return c.fallback(nil, "the agent sent the call back ("+reason+": "+fields["message"]+")", restart)
	default:
		return c.fallback(nil, "the agent answered "+strconv.Quote(string(f.kind))+" before accepting", false)
	}

	// Standard input goes to the agent only once its command reads it (W): `token` and
	// kubectl's helper never do, and stdin may be a terminal or a loop's input file.
	var input *stdinRelay
	wrote := false
	for {
		f := next(stallTimeout)
		if os.IsTimeout(f.err) {
			return c.broken(wrote, input, "no word from the agent for "+stallTimeout.String()+" (frozen?)")
		}
		if f.err != nil {
			return c.broken(wrote, input, "the connection ended before the exit code ("+f.err.Error()+")")
		}
		switch f.kind {
		case frameKeepAlive:
		case frameWantStdin:
			if input == nil {
				input = newStdinRelay(conn)
				go input.pump()
			}
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

// broken ends a request the agent accepted but did not finish: through the Node CLI when
// nothing was written yet (starting no agent: one exists), else with exit 1 and a line on
// stderr.
func (c *call) broken(wrote bool, input *stdinRelay, problem string) int {
	// Closing the connection first unblocks a stdin relay stuck writing to an agent that
	// stopped reading, so the relay can turn to the Node CLI.
	c.conn.Close()
	if !wrote {
		return c.fallback(input, problem, false)
	}
	c.say(problem)
	os.Stderr.WriteString("credshare: the credshare agent stopped answering; run the command again\n")
	return 1
}
