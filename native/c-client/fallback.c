/* When no agent answers: the Node CLI shipped beside the client runs the call, as every
 * call ran before there was an agent, and an agent is started for the next call. */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* cli_bundle is dist/cli.js, two levels up from dist/native/<platform>-<arch>/. */
static char *cli_bundle(const char **problem) {
    char *dir = executable_dir();
    if (!dir) {
        *problem = cat("readlink /proc/self/exe: ", errno_text(errno), NULL);
        return NULL;
    }
    char *bundle = path_join(dir, "..", "..", "cli.js", NULL);
    struct stat st;
    if (stat(bundle, &st) != 0) {
        *problem = cat("cannot find the credshare CLI bundle at ", bundle,
                       " (the native client must stay in dist/native/<platform>/ of the credshare package)", NULL);
        return NULL;
    }
    return bundle;
}

/* node_runtime is the program that runs the CLI bundle: CREDSHARE_NODE (the VS Code
 * terminal launcher sets it to VS Code's own runtime), else `node` on PATH. */
static char *node_runtime(const char **problem) {
    const char *set = getenv("CREDSHARE_NODE");
    if (set && *set) return xstrdup(set);
    const char *path = getenv("PATH");
    char *list = xstrdup(path ? path : "");
    for (char *dir = list, *next; dir; dir = next) {
        next = strchr(dir, ':');
        if (next) *next++ = '\0';
        if (!*dir) continue;
        char *candidate = path_join(dir, "node", NULL);
        struct stat st;
        if (stat(candidate, &st) == 0 && !S_ISDIR(st.st_mode) && (st.st_mode & 0111)) return candidate;
    }
    *problem = "cannot find Node.js to run the credshare CLI: put `node` on PATH or set CREDSHARE_NODE to its path";
    return NULL;
}

/* replay writes everything read so far to the Node CLI's stdin pipe, then copies the
 * rest of this process's stdin after it. It runs in a process of its own, killed once the
 * CLI exits (a stdin that never ends, a terminal, must not keep the call waiting) or when
 * the client dies first (it must not go on reading the tool's input). */
static void replay(const stdin_relay *input, int pipe_in, pid_t client) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != client) _exit(0);
    signal(SIGPIPE, SIG_IGN);
    close(1);
    close(2);
    if (!write_fully(pipe_in, input->read.data, input->read.len) || input->eof) _exit(0);
    char buf[STDIN_CHUNK];
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* A non-blocking stdin shared with the tool: wait for more. */
            struct pollfd in = {.fd = 0, .events = POLLIN};
            poll(&in, 1, -1);
            continue;
        }
        if (n <= 0 || !write_fully(pipe_in, buf, (size_t)n)) _exit(0);
    }
}

/* run_node runs the CLI as a child and returns its exit code, or -1 with the problem when
 * it could not start; its stdin is this process's or, after a partial conversation with
 * the agent, a pipe that replays it. */
static int run_node(const char *node, char **args, const stdin_relay *input, const char **problem) {
    int pipe_fds[2] = {-1, -1};
    if (input && (pipe2(pipe_fds, O_CLOEXEC) != 0 || (pipe_fds[0] = above_stdio(pipe_fds[0])) < 0 || (pipe_fds[1] = above_stdio(pipe_fds[1])) < 0)) {
        *problem = cat("pipe: ", errno_text(errno), NULL);
        return -1;
    }
    spawn_setup setup = {.stdin_fd = pipe_fds[0], .null_fd = -1, .detach = false};
    pid_t child;
    int err = spawn_checked(node, args, environ, &setup, &child);
    if (input) close(pipe_fds[0]);
    if (err) {
        if (input) close(pipe_fds[1]);
        *problem = cat("fork/exec ", node, ": ", errno_text(err), NULL);
        return -1;
    }
    pid_t replayer = -1;
    if (input) {
        pid_t client = getpid();
        replayer = fork();
        if (replayer == 0) replay(input, pipe_fds[1], client);
        close(pipe_fds[1]);
        if (replayer < 0) {
            /* The CLI would read an empty stdin instead of the request already consumed. */
            *problem = cat("cannot replay standard input to the Node CLI: ", errno_text(errno), NULL);
            kill(child, SIGKILL);
            exit_code(child);
            return -1;
        }
    }
    int code = exit_code(child);
    if (replayer > 0) {
        kill(replayer, SIGKILL);
        exit_code(replayer);
    }
    return code;
}

/* agent_env is this call's environment for the agent it starts: CREDSHARE_HOME set to the
 * home computed here (a relative one would resolve against the agent's cwd, "/"), and the
 * per-call variables removed. */
static char **agent_env(const call *c) {
    size_t n = 0;
    while (environ[n]) n++;
    char **env = xmalloc((n + 2) * sizeof *env);
    size_t kept = 0;
    env[kept++] = cat("CREDSHARE_HOME=", c->home, NULL);
    for (size_t i = 0; i < n; i++) {
        char *name = xstrdup(environ[i]);
        char *eq = strchr(name, '=');
        if (eq) *eq = '\0';
        if (strcmp(name, "CREDSHARE_HOME") != 0 && !is_not_for_the_agent(name)) env[kept++] = environ[i];
    }
    env[kept] = NULL;
    return env;
}

/* start_in_progress: the marker is younger than SPAWN_MARKER_TTL_MS and no socket has
 * been bound since it was made. A socket bound after it means that start is done (the
 * agent leaves the marker to expire): when that agent is gone (a stale socket), start another. */
static bool start_in_progress(const char *marker, const char *address) {
    struct stat m, s;
    if (lstat(marker, &m) != 0) return false;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t age_ms = (int64_t)(now.tv_sec - m.st_mtim.tv_sec) * 1000 + (now.tv_nsec - m.st_mtim.tv_nsec) / 1000000;
    if (age_ms >= SPAWN_MARKER_TTL_MS) return false;
    if (lstat(address, &s) == 0 &&
        !(s.st_mtim.tv_sec < m.st_mtim.tv_sec || (s.st_mtim.tv_sec == m.st_mtim.tv_sec && s.st_mtim.tv_nsec < m.st_mtim.tv_nsec)))
        return false;
    return true;
}

/* start_agent starts `credshare agent start --detach` for this home, in a session of its
 * own, unless another client is already doing so (an O_EXCL marker beside the socket) or
 * an agent answers by now. The agent guards its own single instance too; the marker only
 * keeps a thousand simultaneous first calls from each starting Node. */
static void start_agent(const call *c, const char *node, const char *bundle) {
    failure dir = check_socket_dir(c->dir, true);
    if (dir.kind != FAIL_NONE) {
        say(c, "not starting an agent: ", dir.text, NULL);
        return;
    }
    char *marker = path_join(c->dir, cat("agent-", c->id, ".spawn", NULL), NULL);
    int created = create_marker(marker);
    if (created == 0) {
        if (!c->replacing && start_in_progress(marker, c->address)) {
            say(c, "an agent is being started by another call", NULL);
            return;
        }
        int fd;
        if (dial_agent(c->address, now_ms() + 100, &fd).kind == FAIL_NONE) {
            close(fd);
            return;
        }
        unlink(marker);
        created = create_marker(marker);
    }
    if (created != 1) return;
    int null = above_stdio(open("/dev/null", O_RDWR | O_CLOEXEC));
    if (null < 0) return;
    char *args[] = {(char *)node, (char *)bundle, "agent", "start", "--detach", NULL};
    spawn_setup setup = {.stdin_fd = -1, .null_fd = null, .detach = true};
    pid_t pid;
    int err = spawn_checked(node, args, agent_env(c), &setup, &pid);
    close(null);
    if (err) {
        say(c, "cannot start an agent: ", errno_text(err), NULL);
        return;
    }
    say(c, "started an agent (pid ", number_text(pid), ")", NULL);
}

/* fallback runs the Node CLI with the same arguments. input is the standard input relayed
 * so far (NULL: none was read, and the CLI gets this process's stdin as it is). With
 * start, an agent is started for the next call once the CLI is done. */
int fallback(call *c, stdin_relay *input, const char *reason, bool start) {
    say(c, "running the Node CLI: ", reason, NULL);
    if (c->conn >= 0) {
        close(c->conn);
        c->conn = -1;
    }
    if (input && input->read.len == 0 && !input->eof) input = NULL; /* nothing read: stdin as it is */
    const char *problem = NULL;
    char *bundle = cli_bundle(&problem);
    char *node = bundle ? node_runtime(&problem) : NULL;
    if (node) {
        char **args = xmalloc((size_t)(c->argc + 3) * sizeof *args);
        args[0] = node;
        args[1] = bundle;
        for (int i = 0; i < c->argc; i++) args[i + 2] = c->argv[i];
        args[c->argc + 2] = NULL;
        if (!input && !start) {
            /* Nothing of the client stays between the tool and the CLI. */
            execv(node, args);
            problem = cat("exec ", node, ": ", errno_text(errno), NULL);
        } else {
            int code = run_node(node, args, input, &problem);
            if (code >= 0) {
                if (start) start_agent(c, node, bundle);
                return code;
            }
        }
    }
    write_all(2, "credshare: ", 11);
    write_all(2, problem, strlen(problem));
    write_all(2, "\n", 1);
    return 1;
}
