package main

import (
	"errors"
	"os"
)

// home is the credshare home exactly as the CLI and the agent compute it
// (src/core/paths.ts): CREDSHARE_HOME, else $XDG_CONFIG_HOME/credshare, else
// ~/.config/credshare, made absolute against the cwd without resolving symlinks. The
// agent's socket is named after it, so both sides must agree byte for byte.
func home(getenv func(string) string, cwd string) (string, error) {
	if h := getenv("CREDSHARE_HOME"); h != "" {
		return absolute(h, cwd), nil
	}
	if x := getenv("XDG_CONFIG_HOME"); x != "" {
		return joinPath(absolute(x, cwd), "credshare"), nil
	}
	user := getenv("HOME")
	if isWindows {
		user = getenv("USERPROFILE")
	}
	if user == "" {
		return "", errors.New("no CREDSHARE_HOME, XDG_CONFIG_HOME or home directory in the environment")
	}
	return joinPath(user, ".config", "credshare"), nil
}

// absolute is Node's path.resolve(cwd, p): cleaned, never symlink-resolved.
func absolute(p, cwd string) string {
	if isAbsPath(p) {
		return cleanPath(p)
	}
	return joinPath(cwd, p)
}

// agentID names one home's agent: the first 16 hex digits of SHA-256 of the home path.
func agentID(home string) string {
	const digits = "0123456789abcdef"
	sum := sha256Sum([]byte(home))
	id := make([]byte, 16)
	for i, b := range sum[:8] {
		id[2*i], id[2*i+1] = digits[b>>4], digits[b&15]
	}
	return string(id)
}

// executableDir is the directory of the real file this process runs from (symlinks
// resolved), where the build and the package put it: dist/native/<platform>-<arch>/.
func executableDir() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return dirOf(resolveLinks(exe)), nil
}

// cliBundle is the Node CLI shipped beside the client: dist/cli.js, two levels up from
// dist/native/<platform>-<arch>/.
func cliBundle() (string, error) {
	dir, err := executableDir()
	if err != nil {
		return "", err
	}
	bundle := joinPath(dir, "..", "..", "cli.js")
	if _, err := os.Stat(bundle); err != nil {
		return "", errors.New("cannot find the credshare CLI bundle at " + bundle + " (the native client must stay in dist/native/<platform>/ of the credshare package)")
	}
	return bundle, nil
}

// currentBuild is the build id to send: buildID, else the one in dist/build-id beside
// the CLI bundle (an agent answers only its own build), else "dev", which no agent answers.
func currentBuild() string {
	if buildID != "" {
		return buildID
	}
	if dir, err := executableDir(); err == nil {
		if data, err := readSmallFile(joinPath(dir, "..", "..", "build-id")); err == nil {
			if id := trimSpace(string(data)); id != "" {
				return id
			}
		}
	}
	return "dev"
}

// nodeRuntime is the program that runs the CLI bundle: CREDSHARE_NODE (the VS Code
// terminal launcher sets it to VS Code's own runtime, with ELECTRON_RUN_AS_NODE=1), else
// `node` on PATH, as the package's JavaScript bins (`#!/usr/bin/env node`) need too.
func nodeRuntime(getenv func(string) string) (string, error) {
	if n := getenv("CREDSHARE_NODE"); n != "" {
		return n, nil
	}
	name := "node"
	if isWindows {
		name = "node.exe"
	}
	for _, dir := range splitPathList(getenv("PATH")) {
		if dir == "" {
			continue
		}
		candidate := joinPath(dir, name)
		if info, err := os.Stat(candidate); err == nil && !info.IsDir() && (isWindows || info.Mode()&0o111 != 0) {
			return candidate, nil
		}
	}
	return "", errors.New("cannot find Node.js to run the credshare CLI: put `node` on PATH or set CREDSHARE_NODE to its path")
}

// forwardedEnv are the environment variables the agent needs to answer as the CLI would
// (docs/agent-protocol.md); none of them ever holds a secret.
var forwardedEnv = []string{
	"CREDSHARE_HOME", "CREDSHARE_PROFILE", "XDG_CONFIG_HOME", "HOME",
	"KUBERNETES_EXEC_INFO", "CREDSHARE_DEBUG", "CREDSHARE_IPC_HANDLE", "CREDSHARE_IPC_NONCE",
	"CREDSHARE_UNSAFE_NO_COORDINATION", "CREDSHARE_TEST_PAUSE_AT",
}

// notForTheAgent are removed from the environment an agent is started with: they belong
// to one call (a window's channel, kubectl's request, a profile choice, a test pause),
// not to a process that serves every call of the home.
var notForTheAgent = []string{
	"CREDSHARE_IPC_HANDLE", "CREDSHARE_IPC_NONCE", "KUBERNETES_EXEC_INFO",
	"CREDSHARE_PROFILE", "CREDSHARE_TEST_PAUSE_AT",
}

func allowedEnv(lookup func(string) (string, bool)) [][2]string {
	var env [][2]string
	for _, name := range forwardedEnv {
		if v, ok := lookup(name); ok {
			env = append(env, [2]string{name, v})
		}
	}
	return env
}

// impliedArgs are the arguments a name implies: tools run the helper by a name of their
// own with arguments of their own. Bazel runs the `credshare-bazel` it is given with only
// `get`; docker runs `docker-credential-credshare` from PATH with only the operation.
func impliedArgs(argv0 string) []string {
	name := lowerASCII(baseOf(argv0))
	if hasSuffix(name, ".exe") {
		name = name[:len(name)-len(".exe")]
	}
	switch name {
	case "credshare-bazel":
		return []string{"helper", "--protocol", "bazel"}
	case "docker-credential-credshare":
		return []string{"helper", "--protocol", "docker"}
	}
	return nil
}
