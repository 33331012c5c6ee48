package main

import (
	"os"
	"time"
)

// spawnMarkerTTL: a spawn marker older than this is from a start that did not work out.
const spawnMarkerTTL = 10 * time.Second

// fallback runs the Node CLI with the same arguments, as every call ran before the
// agent existed. input is the standard input relayed so far (nil: none was read, and the
// CLI gets this process's stdin as it is). With startAgent, an agent is started for the
// next call once the CLI is done.
func (c *call) fallback(input *stdinRelay, reason string, startAgent bool) int {
	c.say("running the Node CLI: ", reason)
	if c.conn != nil {
		c.conn.Close()
	}
	if input != nil && len(input.read) == 0 && !input.eof {
		input = nil // nothing read yet: the CLI can have stdin as it is
	}
	bundle, err := cliBundle()
	if err == nil {
		var node string
		node, err = nodeRuntime(os.Getenv)
		if err == nil {
			args := append([]string{node, bundle}, c.argv...)
			if input == nil && !startAgent {
				err = execNode(node, args)
			} else {
				code, runErr := runNode(node, args, input)
				if runErr == nil {
					if startAgent {
						c.startAgent(node, bundle, c.replacing)
					}
					return code
				}
				err = runErr
			}
		}
	}
	os.Stderr.WriteString("credshare: " + err.Error() + "\n")
	return 1
}

// runNode runs the CLI as a child and returns its exit code; its stdin is this
// process's, or, after a partial conversation with the agent, a pipe that replays it.
func runNode(node string, args []string, input *stdinRelay) (int, error) {
	files := []*os.File{os.Stdin, os.Stdout, os.Stderr}
	var pipe *os.File
	if input != nil {
		r, w, err := os.Pipe()
		if err != nil {
			return 1, err
		}
		files[0], pipe = r, w
	}
	p, err := os.StartProcess(node, args, &os.ProcAttr{Files: files})
	if err != nil {
		return 1, err
	}
	if pipe != nil {
		files[0].Close()
		go input.replay(pipe)
	}
	state, err := p.Wait()
	if err != nil {
		return 1, err
	}
	if code := state.ExitCode(); code >= 0 {
		return code, nil
	}
	return 1, nil
}

// startAgent starts `credshare agent start` for this home, detached, unless another
// client is already doing so (an O_EXCL marker beside the socket) or an agent answers by
// now. The agent guards its own single instance too; the marker only keeps a thousand
// simultaneous first calls from each starting Node. replacing: the agent sent this call
// back stepping aside for this build, so a marker of the start that made it is spent.
func (c *call) startAgent(node, bundle string, replacing bool) {
	if err := checkSocketDir(c.dir, true); err != nil {
		c.say("not starting an agent: ", err.Error())
		return
	}
	_, address := agentAddress(os.Getenv, c.id)
	marker := joinPath(c.dir, "agent-"+c.id+".spawn")
	created, err := createMarker(marker)
	if err == nil && !created {
		if !replacing && startInProgress(marker, address) {
			c.say("an agent is being started by another call")
			return
		}
		if conn, dialErr := dialAgent(address, time.Now().Add(100*time.Millisecond)); dialErr == nil {
			conn.Close()
			return
		}
		os.Remove(marker)
		created, err = createMarker(marker)
	}
	if err != nil || !created {
		return
	}
	null, err := os.OpenFile(devNull, os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer null.Close()
	p, err := os.StartProcess(node, []string{node, bundle, "agent", "start", "--detach"}, &os.ProcAttr{
		Dir: rootOf(c.home), Env: c.agentEnv(),
		Files: []*os.File{null, null, null}, Sys: detached(),
	})
	if err != nil {
		c.say("cannot start an agent: ", err.Error())
		return
	}
	c.say("started an agent (pid ", itoa(p.Pid), ")")
	p.Release()
}

// startInProgress: the marker is younger than spawnMarkerTTL and no socket has been bound
// since it was made. A socket bound after it means that start is done (the agent leaves
// the marker to expire): when that agent is gone (killed: a stale socket), start another.
func startInProgress(marker, address string) bool {
	info, err := os.Lstat(marker)
	if err != nil || time.Since(info.ModTime()) >= spawnMarkerTTL {
		return false
	}
	if socket, err := os.Lstat(address); err == nil && !socket.ModTime().Before(info.ModTime()) {
		return false
	}
	return true
}

// agentEnv is this call's environment for the agent it starts: CREDSHARE_HOME set to the
// home computed here (a relative one would resolve against the agent's cwd, "/"), and the
// per-call variables removed.
func (c *call) agentEnv() []string {
	env := []string{"CREDSHARE_HOME=" + c.home}
	for _, kv := range os.Environ() {
		name := kv
		if i := indexByte(kv, '='); i >= 0 {
			name = kv[:i]
		}
		keep := name != "CREDSHARE_HOME"
		for _, drop := range notForTheAgent {
			keep = keep && name != drop
		}
		if keep {
			env = append(env, kv)
		}
	}
	return env
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
