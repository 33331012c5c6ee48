/* When no agent answers: the Node CLI shipped beside the client runs the call, as every
 * call ran before there was an agent, and an agent is started for the next call. */
#include "client.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* cli_bundle is dist/cli.js, two levels up from dist/native/<platform>-<arch>/. */
static char *cli_bundle(const char **problem) {
    char *dir = executable_dir();
    if (!dir) {
        *problem = errno_text(errno);
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
 * rest of this process's stdin after it. It runs in a process of its own, ended once the
 * CLI exits: a stdin that never ends (a terminal) must not keep the call waiting. */
static void replay(const stdin_relay *input, int pipe_in) {
    signal(SIGPIPE, SIG_IGN);
    if (!write_fully(pipe_in, input->read.data, input->read.len) || input->eof) _exit(0);
    char buf[STDIN_CHUNK];
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || !write_fully(pipe_in, buf, (size_t)n)) _exit(0);
    }
}

/* exit_code is the child's exit code, 1 when a signal ended it. */
static int exit_code(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* run_node runs the CLI as a child and returns its exit code, or -1 (errno set) when it
 * could not start; its stdin is this process's or, after a partial conversation with the
 * agent, a pipe that replays it. */
static int run_node(const char *node, char **args, const stdin_relay *input) {
    int pipe_fds[2] = {-1, -1};
    if (input && pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        if (input && dup2(pipe_fds[0], 0) < 0) _exit(127);
        execv(node, args);
        write_all(2, "credshare: cannot run ", 22);
        write_all(2, node, strlen(node));
        write_all(2, "\n", 1);
        _exit(127);
    }
    pid_t replayer = -1;
    if (input) {
        close(pipe_fds[0]);
        replayer = fork();
        if (replayer == 0) replay(input, pipe_fds[1]);
        close(pipe_fds[1]);
    }
    int code = exit_code(child);
    if (replayer > 0) {
        kill(replayer, SIGKILL);
        exit_code(replayer);
    }
    return code;
}

/* close_from closes every descriptor from first on: a detached agent must not hold a
 * tool's pipes open (a tool waiting for their end would wait as long as the agent lives). */
static void close_from(int first) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0U) == 0) return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = first; fd < (max > 0 ? max : 1024); fd++) close((int)fd);
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
    char *address = path_join(c->dir, cat("agent-", c->id, ".sock", NULL), NULL);
    char *marker = path_join(c->dir, cat("agent-", c->id, ".spawn", NULL), NULL);
    int created = create_marker(marker);
    if (created == 0) {
        if (!c->replacing && start_in_progress(marker, address)) {
            say(c, "an agent is being started by another call", NULL);
            return;
        }
        int fd;
        if (dial_agent(address, now_ms() + 100, &fd).kind == FAIL_NONE) {
            close(fd);
            return;
        }
        unlink(marker);
        created = create_marker(marker);
    }
    if (created != 1) return;
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) return;
    /* A close-on-exec pipe tells whether the exec worked: it closes unread when it did. */
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return;
    char *args[] = {(char *)node, (char *)bundle, "agent", "start", "--detach", NULL};
    char **env = agent_env(c);
    pid_t pid = fork();
    if (pid < 0) {
        say(c, "cannot start an agent: ", errno_text(errno), NULL);
        return;
    }
    if (pid == 0) {
        setsid();
        if (chdir("/") != 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) _exit(127);
        int keep = report[1];
        if (keep != 3 && (dup2(keep, 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) != 0)) _exit(127);
        close_from(4);
        execve(node, args, env);
        int err = errno;
        write_all(3, &err, sizeof err);
        _exit(127);
    }
    close(report[1]);
    close(null);
    int err = 0;
    ssize_t n;
    while ((n = read(report[0], &err, sizeof err)) < 0 && errno == EINTR) {}
    close(report[0]);
    if (n == sizeof err) {
        say(c, "cannot start an agent: ", errno_text(err), NULL);
        exit_code(pid);
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
            problem = errno_text(errno);
        } else {
            int code = run_node(node, args, input);
            if (code >= 0) {
                if (start) start_agent(c, node, bundle);
                return code;
            }
            problem = cat("cannot run ", node, ": ", errno_text(errno), NULL);
        }
    }
    write_all(2, "credshare: ", 11);
    write_all(2, problem, strlen(problem));
    write_all(2, "\n", 1);
    return 1;
}
