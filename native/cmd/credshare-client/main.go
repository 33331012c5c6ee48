// credshare-client: the program tools run as their credential helper. It holds no
// credential logic: it hands its arguments, standard input, a few environment variables
// and its working directory to the home's credshare agent over a private socket, and
// writes back the agent's standard output, standard error and exit code. When no agent
// answers (none running, a stale socket, another build, a timeout, an agent frozen), it
// runs the Node CLI shipped beside it with the same arguments and input, as every call
// did before there was an agent, and starts an agent for the next call. A call never
// fails because of the agent. The protocol is docs/agent-protocol.md.
package main

import (
	"os"
	"time"
)

// buildID, when the build sets it (-ldflags -X main.buildID=...), is the build id sent
// to the agent. The package's build leaves it empty: the client then sends the id of the
// CLI bundle it sits beside (dist/build-id), the very bundle it falls back to, so the
// binaries are rebuilt only when the Go code changes, not on every change of the CLI.
var buildID = ""

const (
	// acceptTimeout: how long the agent has to accept (A) or refuse (F) a request; in a
	// storm of a thousand calls on two cores a live agent may take a while to accept.
	acceptTimeout = 2 * time.Second
	// connectTimeout: how long a full backlog (EAGAIN) is retried.
	connectTimeout = time.Second
	// stallTimeout: the longest silence from a working agent (it sends a keep-alive at
	// least every second), after which it counts as frozen.
	stallTimeout = 5 * time.Second
)

func main() {
	argv := append(impliedArgs(os.Args[0]), os.Args[1:]...)
	c := &call{argv: argv, debug: os.Getenv("CREDSHARE_DEBUG") != ""}
	os.Exit(c.run())
}

// call is one run of the client.
type call struct {
	argv  []string
	debug bool
	home  string
	id    string
	dir   string
	// replacing: the agent stepped aside for this build (F version).
	replacing bool
	conn      *agentConn
}

func (c *call) say(parts ...string) {
	if c.debug {
		line := "credshare-client: "
		for _, part := range parts {
			line += part
		}
		os.Stderr.WriteString(line + "\n")
	}
}

func (c *call) run() int {
	if os.Getenv("CREDSHARE_AGENT") == "off" {
		return c.fallback(nil, "CREDSHARE_AGENT=off", false)
	}
	wd, err := cwd()
	if err != nil {
		return c.fallback(nil, "no working directory: "+err.Error(), false)
	}
	c.home, err = home(os.Getenv, wd)
	if err != nil {
		return c.fallback(nil, err.Error(), false)
	}
	c.id = agentID(c.home)
	dir, address := agentAddress(os.Getenv, c.id)
	c.dir = dir
	if err := checkSocketDir(dir, false); err != nil {
		if _, unsafe := err.(errUnsafeDir); unsafe {
			return c.fallback(nil, "socket directory refused: "+err.Error(), false)
		}
		return c.fallback(nil, "no agent: "+err.Error(), true)
	}
	q := request{build: currentBuild(), argv: c.argv, env: allowedEnv(os.LookupEnv), cwd: wd, stdinFollows: readsAllStdin(c.argv)}
	if !q.validUTF8() {
		return c.fallback(nil, "an argument or variable is not UTF-8; the Node CLI takes it as it is", false)
	}
	payload := q.encode()
	if len(payload) > maxFrame {
		return c.fallback(nil, "the request is larger than 1 MiB", false)
	}
	// Everything is ready before connecting: the agent wakes once, for the whole request.
	first, input := prepare(payload, q.stdinFollows)
	conn, err := dialAgent(address, time.Now().Add(connectTimeout))
	if err != nil {
		switch err.(type) {
		case errNoAgent:
			return c.fallback(input, "no agent at "+address+": "+err.Error(), true)
		case errUnsafeDir:
			return c.fallback(input, "agent refused: "+err.Error(), false)
		}
		// A full backlog: an agent lives, busy or frozen; starting another would not help.
		return c.fallback(input, "cannot reach the agent: "+err.Error(), false)
	}
	return c.talk(conn, first, input)
}
