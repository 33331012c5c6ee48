package main

import (
	"io"
	"os"
)

// stdinRelay is standard input on its way to the agent: relayed by the call's one thread
// as it arrives (talk waits on stdin and the socket together; cargo's provider protocol
// is a conversation, so nothing waits for the end of input), with a copy of everything
// read, so that a fall back to the Node CLI midway can hand it all over from the start.
type stdinRelay struct {
	// relaying: the agent asked for stdin (W), or the request said it follows unasked.
	relaying bool
	read     []byte
	eof      bool
	// unsent: a write to the agent failed; nothing more is read for it.
	unsent bool
	buf    []byte
}

// waiting: stdin is being relayed and has not ended.
func (r *stdinRelay) waiting() bool { return r.relaying && !r.eof && !r.unsent }

// replay writes everything read so far to w (the Node CLI's stdin pipe), then copies the
// rest of this process's stdin after it, closing w at the end.
func (r *stdinRelay) replay(w io.WriteCloser) {
	if _, err := w.Write(r.read); err != nil || r.eof {
		w.Close()
		return
	}
	io.Copy(w, os.Stdin)
	w.Close()
}

// readsAllStdin: the command reads all of standard input, whatever it holds, so the
// client sends it unasked, right behind the request, and the agent's W round trip (a
// third of a fresh-token call) is saved. These are the helpers of the tools that write
// their request on the helper's stdin: bazel, git and docker (get, store and erase; not
// docker's "list", which reads nothing), and cargo's conversation. Everything else waits for W:
// `token` and kubectl's helper never read stdin (kubectl's request is in
// KUBERNETES_EXEC_INFO; its stdin may be the user's terminal, or a file a shell loop reads
// line by line: reading it would steal that input), nor does any --help. An argument list
// this cannot read waits for W too: that costs a round trip, never input.
func readsAllStdin(argv []string) bool {
	if len(argv) == 1 && argv[0] == "--cargo-plugin" {
		return true
	}
	if len(argv) == 0 || argv[0] != "helper" {
		return false
	}
	protocol, operation, operations := "", "", 0
	for i := 1; i < len(argv); i++ {
		switch a := argv[i]; {
		case a == "--help" || a == "-h" || a == "list":
			return false
		case a == "--protocol" && i+1 < len(argv):
			i++
			protocol = argv[i]
		case hasPrefix(a, "--protocol="):
			protocol = a[len("--protocol="):]
		case a == "--profile" && i+1 < len(argv):
			i++
		case hasPrefix(a, "--profile="):
		case hasPrefix(a, "-"):
			return false
		default:
			operation = a
			operations++
		}
	}
	switch protocol {
	case "bazel", "git", "docker":
		// The operations that read their request (src/cli/commands/helper.ts); anything
		// else ends in a usage error without reading.
		return operations == 1 && (operation == "get" || operation == "store" || operation == "erase")
	case "cargo":
		return operations == 0
	}
	return false
}
