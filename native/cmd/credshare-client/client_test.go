package main

// Unit tests of the client's own small pieces (run by `go test ./...` in native/, which
// test/integration/native-go.test.ts runs). The client's behaviour with agents and tools
// is tested through real processes in test/integration/native-*.test.ts.

import (
	"bytes"
	"crypto/sha256"
	"math/rand"
	"testing"
)

// The hand-written SHA-256 (sha256.go) against the standard library's, over every
// padding case (lengths 0 to 300 cross the 55/56/64-byte boundaries several times).
func TestSha256SumMatchesTheStandardLibrary(t *testing.T) {
	random := rand.New(rand.NewSource(1))
	for n := 0; n <= 300; n++ {
		message := make([]byte, n)
		random.Read(message)
		if got, want := sha256Sum(message), sha256.Sum256(message); got != want {
			t.Fatalf("length %d: %x, want %x", n, got, want)
		}
	}
	// FIPS 180-4's "abc".
	if got := agentID("abc"); got != "ba7816bf8f01cfea" {
		t.Fatalf(`agentID("abc") = %s`, got)
	}
}

func TestReadsAllStdin(t *testing.T) {
	cases := []struct {
		argv []string
		want bool
	}{
		{[]string{"helper", "--protocol", "git", "get"}, true},
		{[]string{"helper", "--protocol=bazel", "get"}, true},
		{[]string{"helper", "--profile", "kubectl", "--protocol", "docker", "store"}, true},
		{[]string{"helper", "--profile=work", "--protocol", "git", "erase"}, true},
		{[]string{"helper", "--protocol", "cargo"}, true},
		{[]string{"--cargo-plugin"}, true},
		// Never read stdin, or cannot be told apart: wait for W.
		{[]string{"token"}, false},
		{[]string{"helper", "--protocol", "kubectl", "get"}, false},
		{[]string{"helper", "--protocol", "docker", "list"}, false},
		{[]string{"helper", "--protocol", "git", "get", "--help"}, false},
		{[]string{"helper", "-h"}, false},
		{[]string{"helper", "--protocol", "git"}, false},
		{[]string{"helper", "--protocol", "git", "get", "extra"}, false},
		{[]string{"helper", "--protocol", "git", "foo"}, false},
		{[]string{"helper", "--protocol", "docker", "version"}, false},
		{[]string{"helper", "--protocol", "cargo", "get"}, false},
		{[]string{"helper", "--unknown", "--protocol", "git", "get"}, false},
		{[]string{"helper", "--protocol"}, false},
		{[]string{"--cargo-plugin", "x"}, false},
		{nil, false},
	}
	for _, c := range cases {
		if got := readsAllStdin(c.argv); got != c.want {
			t.Errorf("readsAllStdin(%q) = %v, want %v", c.argv, got, c.want)
		}
	}
}

// One read may hold several frames, or part of one: frames come out whole, in order.
func TestFrameReaderSplitsAndJoinsReads(t *testing.T) {
	stream := appendFrame(nil, frameAccept, []byte(`{"pid":1}`))
	stream = appendFrame(stream, frameStdout, bytes.Repeat([]byte("x"), 10000))
	stream = appendFrame(stream, frameExit, []byte(`{"code":0}`))
	for _, size := range []int{1, 3, 5, 4096, len(stream)} {
		var r frameReader
		var kinds []byte
		source := &piecemeal{data: stream, size: size}
		for {
			f, ok, err := r.next()
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				kinds = append(kinds, f.kind)
				if f.kind == frameStdout && len(f.payload) != 10000 {
					t.Fatalf("reads of %d: stdout payload of %d bytes", size, len(f.payload))
				}
				continue
			}
			if len(source.data) == 0 {
				break
			}
			if err := r.fill(source); err != nil {
				t.Fatal(err)
			}
		}
		if string(kinds) != "AOX" {
			t.Fatalf("reads of %d: frames %q", size, kinds)
		}
	}
	var r frameReader
	r.fill(bytes.NewReader([]byte{frameStdout, 0x7f, 0, 0, 0}))
	if _, _, err := r.next(); err != errFrameTooLarge {
		t.Fatalf("a 2 GiB frame: %v", err)
	}
}

// piecemeal hands out its data at most size bytes per read, as a socket may.
type piecemeal struct {
	data []byte
	size int
}

func (p *piecemeal) Read(b []byte) (int, error) {
	n := copy(b[:min(len(b), p.size)], p.data)
	p.data = p.data[n:]
	return n, nil
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}
