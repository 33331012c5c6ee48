/*
 * credshare-client in C: the program tools run as their credential helper on Linux.
 * It holds no credential logic: it hands its arguments, standard input, a few
 * environment variables and its working directory to the home's credshare agent over a
 * private socket, and writes back the agent's standard output, standard error and exit
 * code. When no agent answers it runs the Node CLI shipped beside it with the same
 * arguments and input, and starts an agent for the next call: a call never fails because
 * of the agent. The protocol is docs/agent-protocol.md.
 *
 * This is the same client as the Go one in ../cmd/credshare-client (which macOS and
 * Windows ship, and which any Linux build without a C compiler falls back to), written
 * again for one reason: a Go program's runtime alone costs a helper call about as much
 * as oidc-agent's whole `oidc-token` on the machines measured (docs/bench.md, "A C
 * client on Linux"). Both pass the same tests (test/integration/native-client.test.ts
 * runs against each), and the messages, timeouts and fallbacks are the same, word for
 * word: change one, change the other.
 *
 * Memory: the process lives for one call, so what is allocated is not freed (except
 * buffers that are reused); running out of memory ends the call with exit 1.
 */
#ifndef CREDSHARE_CLIENT_H
#define CREDSHARE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#if !defined(__linux__)
#error "the C client is built for Linux only; other systems ship the Go client (native/cmd/credshare-client)"
#endif

/* Timeouts, as in the Go client (main.go). */
#define ACCEPT_TIMEOUT_MS 2000  /* the agent accepts (A) or refuses (F) a request */
#define ACCEPT_TIMEOUT_TEXT "2s"
#define CONNECT_TIMEOUT_MS 1000 /* a full backlog (EAGAIN) is retried this long */
#define STALL_TIMEOUT_MS 5000   /* the longest silence from a working agent */
#define STALL_TIMEOUT_TEXT "5s"
#define SPAWN_MARKER_TTL_MS 10000

/* bytes.c: a growable byte string, and a few string helpers. */
typedef struct {
    char *data;
    size_t len, cap;
} bytes;
void bytes_add(bytes *b, const void *p, size_t n);
void bytes_addc(bytes *b, char c);
void bytes_adds(bytes *b, const char *s);
/* bytes_str: the contents as a NUL-terminated string (the NUL is not counted in len). */
char *bytes_str(bytes *b);
void *xmalloc(size_t n);
char *xstrdup(const char *s);
/* cat: the strings up to a NULL, joined, in a new string. */
char *cat(const char *first, ...);
char *number_text(long long n);
/* errno_text: strerror in Go's words (lowercase first letter), as the Go client says it. */
const char *errno_text(int err);
bool has_prefix(const char *s, const char *prefix);
int64_t now_ms(void);
void write_all(int fd, const void *p, size_t n);
bool write_fully(int fd, const void *p, size_t n);

/* paths.c: Go's package path (what the Go client uses, and Node's path.posix agrees). */
char *path_clean(const char *p);
char *path_join(const char *first, ...); /* NULL-terminated; empty elements skipped */
char *path_dir(const char *p);
char *path_base(const char *p);
bool path_is_abs(const char *p);
/* executable_dir: the directory of the file this process runs from, or NULL (errno set). */
char *executable_dir(void);
bool read_small_file(const char *name, bytes *out);

/* sha256.c */
void sha256(const void *data, size_t len, uint8_t out[32]);

/* request.c: what the agent is asked. */
typedef struct {
    const char *build;
    char **argv;
    int argc;
    const char *cwd;
    bool stdin_follows;
} request;
char *credshare_home(const char *cwd, const char **problem);
char *agent_id(const char *home);
char *current_build(void);
int implied_args(const char *argv0, const char **out);
bool reads_all_stdin(char **argv, int argc);
bool request_valid_utf8(const request *q);
void request_encode(const request *q, bytes *out);
bool is_not_for_the_agent(const char *name);

/* frames.c: the protocol's framing (1 byte type, 4 bytes big-endian length, payload). */
#define MAX_FRAME (1u << 20)
enum {
    FRAME_REQUEST = 'Q', FRAME_STDIN = 'I', FRAME_STDIN_EOF = 'E',
    FRAME_ACCEPT = 'A', FRAME_FALLBACK = 'F', FRAME_WANT_STDIN = 'W', FRAME_KEEP_ALIVE = 'K',
    FRAME_STDOUT = 'O', FRAME_STDERR = 'R', FRAME_EXIT = 'X',
};
typedef struct {
    char kind;
    const char *payload;
    size_t len;
} frame;
typedef struct {
    bytes buf;
    size_t start; /* buf[start:] is not handed out yet; a frame handed out is used before the next fill */
} frame_reader;
void frame_append(bytes *out, char kind, const void *payload, size_t len);
/* frame_next: 1 with a whole frame in f, 0 when more bytes are needed, -1 for a frame over MAX_FRAME. */
int frame_next(frame_reader *r, frame *f);
/* frame_fill: reads once from fd; NULL, or what went wrong in the Go client's words. */
const char *frame_fill(frame_reader *r, int fd);
/* json_field: the value of key in a flat JSON object (strings decoded, other values as
 * written), or NULL when absent; *ok is false when data is not such an object. value_len
 * (when not NULL) gets its length: a decoded string may hold a NUL. */
char *json_field(const char *data, size_t len, const char *key, bool *ok, size_t *value_len);

/* agent_socket.c: where the agent listens, and talking to it. */
typedef enum { FAIL_NONE, FAIL_NO_AGENT, FAIL_UNSAFE, FAIL_OTHER } fail_kind;
typedef struct {
    fail_kind kind;
    const char *text;
} failure;
char *socket_dir(void);
failure check_socket_dir(const char *dir, bool create);
failure dial_agent(const char *address, int64_t deadline_ms, int *fd);
int create_marker(const char *path); /* 1 created, 0 exists, -1 error */
/* wait_readable: 0 ready (which in *conn_ready, *stdin_ready), 1 timed out, -1 error (errno). */
int wait_readable(int conn, bool watch_stdin, int64_t deadline_ms, bool *conn_ready, bool *stdin_ready);
bool stdin_readable(void);
/* read_stdin: bytes read, 0 at its end (or a failed read, which ends it too), -1 for EAGAIN. */
long read_stdin(char *buf, size_t size);
/* send_all: 0, or the errno of a failed write (MSG_NOSIGNAL: no SIGPIPE from the socket). */
int send_all(int fd, const void *p, size_t n);

/* stdin relay (talk.c) */
#define STDIN_CHUNK (4 << 10)
#define STDIN_WITH_REQUEST (64 << 10)
typedef struct {
    bool relaying; /* the agent asked (W), or the request said stdin follows */
    bool eof;
    bool unsent; /* a write to the agent failed; nothing more is read for it */
    bytes read;  /* everything read, for a replay to the Node CLI */
    char *buf;
} stdin_relay;
bool relay_waiting(const stdin_relay *r);

/* One run of the client. */
typedef struct {
    char **argv;
    int argc;
    bool debug;
    char *home;
    char *id;
    char *dir;
    char *address; /* the agent's socket in dir */
    bool replacing; /* the agent stepped aside for this build (F version) */
    int conn;       /* -1 when not connected */
} call;
void say(const call *c, ...);
int talk(call *c, int conn, bytes *first, stdin_relay *input);

/* spawn.c */
typedef struct {
    int stdin_fd; /* the child's stdin, or -1 for this process's */
    int null_fd;  /* all three standard streams, or -1 */
    bool detach;  /* a session of its own, cwd "/", no descriptor above 2 */
} spawn_setup;
/* spawn_checked: 0 with *pid, or the errno of the fork or of the exec that failed. */
int spawn_checked(const char *path, char **args, char **env, const spawn_setup *setup, pid_t *pid);
/* exit_code reaps the child: its exit code, 1 when a signal ended it. */
int exit_code(pid_t pid);
/* above_stdio moves a descriptor of ours off 0-2 (close-on-exec), where a tool that
 * closed a standard stream would otherwise see it turn up. */
int above_stdio(int fd);
void prepare(const bytes *payload, bool stdin_follows, bytes *first, stdin_relay *input);
int fallback(call *c, stdin_relay *input, const char *reason, bool start_agent);

#endif
