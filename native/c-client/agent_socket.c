/* Where the agent listens, whether that place can be trusted, and the connection to it:
 * a blocking Unix socket read and written with plain system calls, standard input and
 * the socket waited on together with poll(2), on the process's one thread. */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* socket_dir is where agents listen (docs/agent-protocol.md): $XDG_RUNTIME_DIR/credshare,
 * else $TMPDIR/credshare-<uid>, else /tmp/credshare-<uid>; a relative XDG_RUNTIME_DIR or
 * TMPDIR is ignored. */
char *socket_dir(void) {
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    if (runtime && path_is_abs(runtime)) return path_join(runtime, "credshare", NULL);
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !path_is_abs(tmp)) tmp = "/tmp";
    return path_join(tmp, cat("credshare-", number_text(getuid()), NULL), NULL);
}

static failure fail(fail_kind kind, const char *text) { return (failure){kind, text}; }
static failure fail_errno(fail_kind kind, int err) { return fail(kind, errno_text(err)); }

/* mkdir_all creates dir and its parents, mode 0700 (Go's os.MkdirAll). */
static int mkdir_all(const char *dir) {
    struct stat st;
    if (stat(dir, &st) == 0) return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    char *parent = path_dir(dir);
    if (strcmp(parent, dir) != 0) {
        int err = mkdir_all(parent);
        if (err) return err;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return errno;
    return 0;
}

/* check_socket_dir refuses a socket directory that is a symlink, not a directory, owned by
 * someone else, or open to group or others: whoever could write there could stand in for
 * the agent. A missing one is created (0700) when create is set, for the spawn marker. */
failure check_socket_dir(const char *dir, bool create) {
    struct stat st;
    int err = lstat(dir, &st) == 0 ? 0 : errno;
    if (err == ENOENT && create) {
        if ((err = mkdir_all(path_dir(dir)))) return fail_errno(FAIL_OTHER, err);
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) return fail_errno(FAIL_OTHER, errno);
        err = lstat(dir, &st) == 0 ? 0 : errno;
    }
    if (err) return fail_errno(FAIL_OTHER, err);
    if (!S_ISDIR(st.st_mode)) return fail(FAIL_UNSAFE, cat(dir, " is not a directory", NULL));
    if (st.st_uid != getuid())
        return fail(FAIL_UNSAFE, cat(dir, " belongs to uid ", number_text(st.st_uid), ", not to this user (uid ", number_text(getuid()), ")", NULL));
    if (st.st_mode & 077) {
        char mode[8];
        snprintf(mode, sizeof mode, "%o", (unsigned)(st.st_mode & 0777));
        return fail(FAIL_UNSAFE, cat(dir, " has mode ", mode, "; it must be 0700", NULL));
    }
    return fail(FAIL_NONE, NULL);
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {}
}

/* check_peer: the process listening runs as this user (SO_PEERCRED). */
static failure check_peer(int fd) {
    struct ucred cred;
    socklen_t size = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) != 0)
        return fail(FAIL_OTHER, cat("cannot tell who runs the agent: ", errno_text(errno), NULL));
    if (cred.uid != getuid())
        return fail(FAIL_UNSAFE, cat("the agent's socket is served by uid ", number_text(cred.uid), ", not by this user (uid ", number_text(getuid()), ")", NULL));
    return fail(FAIL_NONE, NULL);
}

/* dial_agent connects within the deadline, then checks who listens. A unix socket's
 * backlog can be full (a thousand callers at once, or an agent that stopped accepting):
 * the connect is non-blocking and retried until the deadline instead of hanging. The
 * connection is then made blocking, with SO_RCVTIMEO and SO_SNDTIMEO bounding the rest
 * of a frame once begun and a write to an agent that stopped reading. */
failure dial_agent(const char *address, int64_t deadline_ms, int *out) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(address) >= sizeof sa.sun_path) return fail_errno(FAIL_OTHER, EINVAL);
    strcpy(sa.sun_path, address);
    struct timeval limit = {STALL_TIMEOUT_MS / 1000, (STALL_TIMEOUT_MS % 1000) * 1000};
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) return fail_errno(FAIL_OTHER, errno);
        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) != 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) != 0) {
            int err = errno;
            close(fd);
            return fail_errno(FAIL_OTHER, err);
        }
        int err = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 ? 0 : errno;
        if (err == 0) {
            failure peer = check_peer(fd);
            if (peer.kind != FAIL_NONE) {
                close(fd);
                return peer;
            }
            if (fd <= 2) {
                /* The tool closed a standard stream and the socket took its number:
                 * reading "standard input" would read the agent. */
                close(fd);
                return fail(FAIL_OTHER, "standard input, output or error is not open");
            }
            if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
                err = errno;
                close(fd);
                return fail_errno(FAIL_OTHER, err);
            }
            *out = fd;
            return fail(FAIL_NONE, NULL);
        }
        close(fd);
        switch (err) {
        case ENOENT: case ECONNREFUSED: case ENOTDIR:
            return fail_errno(FAIL_NO_AGENT, err);
        case EAGAIN: case EINTR:
            if (now_ms() > deadline_ms) return fail(FAIL_OTHER, "the agent's socket accepted no connection in time (backlog full)");
            sleep_ms(5);
            break;
        default:
            return fail_errno(FAIL_OTHER, err);
        }
    }
}

int create_marker(const char *path) {
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return errno == EEXIST ? 0 : -1;
    close(fd);
    return 1;
}

/* A descriptor that is not open counts as ready: its read fails, which ends it. */
static const short ready_events = POLLIN | POLLHUP | POLLERR | POLLNVAL;

int wait_readable(int conn, bool watch_stdin, int64_t deadline_ms, bool *conn_ready, bool *stdin_ready) {
    struct pollfd fds[2] = {{.fd = conn, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
    for (;;) {
        int64_t left = deadline_ms - now_ms();
        if (left < 0) left = 0;
        int n = poll(fds, watch_stdin ? 2 : 1, (int)left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        *conn_ready = fds[0].revents & ready_events;
        *stdin_ready = watch_stdin && (fds[1].revents & ready_events);
        if (*conn_ready || *stdin_ready) return 0;
        if (left == 0) return 1;
    }
}

bool stdin_readable(void) {
    struct pollfd in = {.fd = 0, .events = POLLIN};
    return poll(&in, 1, 0) > 0 && (in.revents & ready_events);
}

long read_stdin(char *buf, size_t size) {
    for (;;) {
        ssize_t n = read(0, buf, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return -1;
        return n < 0 ? 0 : (long)n;
    }
}

int send_all(int fd, const void *p, size_t n) {
    const char *at = p;
    while (n > 0) {
        ssize_t w = send(fd, at, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return errno;
        at += w;
        n -= (size_t)w;
    }
    return 0;
}
