/* The client's entry: work out the home, its agent's socket and the request, then talk
 * to the agent, or run the Node CLI when no agent can answer (talk.c, fallback.c). */
#include "client.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* say: a line of what the client did, on stderr, with CREDSHARE_DEBUG set. */
void say(const call *c, ...) {
    if (!c->debug) return;
    bytes line = {0};
    bytes_adds(&line, "credshare-client: ");
    va_list parts;
    va_start(parts, c);
    for (const char *s = va_arg(parts, const char *); s; s = va_arg(parts, const char *)) bytes_adds(&line, s);
    va_end(parts);
    bytes_addc(&line, '\n');
    write_all(2, line.data, line.len);
}

static int run(call *c) {
    const char *agent = getenv("CREDSHARE_AGENT");
    if (agent && strcmp(agent, "off") == 0) return fallback(c, NULL, "CREDSHARE_AGENT=off", false);
    /* The working directory as the kernel has it, as Node's process.cwd() reports it
     * ($PWD may name it through a symlink, and a relative CREDSHARE_HOME would then
     * resolve to another path than the agent's). */
    char *wd = getcwd(NULL, 0);
    if (!wd) return fallback(c, NULL, cat("no working directory: ", errno_text(errno), NULL), false);
    const char *problem = NULL;
    c->home = credshare_home(wd, &problem);
    if (!c->home) return fallback(c, NULL, problem, false);
    c->id = agent_id(c->home);
    c->dir = socket_dir();
    c->address = path_join(c->dir, cat("agent-", c->id, ".sock", NULL), NULL);
    failure dir = check_socket_dir(c->dir, false);
    if (dir.kind == FAIL_UNSAFE) return fallback(c, NULL, cat("socket directory refused: ", dir.text, NULL), false);
    if (dir.kind != FAIL_NONE) return fallback(c, NULL, cat("no agent: ", dir.text, NULL), true);

    request q = {.build = current_build(), .argv = c->argv, .argc = c->argc, .cwd = wd, .stdin_follows = reads_all_stdin(c->argv, c->argc)};
    if (!request_valid_utf8(&q)) return fallback(c, NULL, "an argument or variable is not UTF-8; the Node CLI takes it as it is", false);
    bytes payload = {0};
    request_encode(&q, &payload);
    if (payload.len > MAX_FRAME) return fallback(c, NULL, "the request is larger than 1 MiB", false);
    /* Everything is ready before connecting: the agent wakes once, for the whole request. */
    bytes first = {0};
    stdin_relay *input = calloc(1, sizeof *input);
    if (!input) return 1;
    prepare(&payload, q.stdin_follows, &first, input);
    int conn;
    failure dialed = dial_agent(c->address, now_ms() + CONNECT_TIMEOUT_MS, &conn);
    switch (dialed.kind) {
    case FAIL_NONE: return talk(c, conn, &first, input);
    case FAIL_NO_AGENT: return fallback(c, input, cat("no agent at ", c->address, ": ", dialed.text, NULL), true);
    case FAIL_UNSAFE: return fallback(c, input, cat("agent refused: ", dialed.text, NULL), false);
    default:
        /* A full backlog: an agent lives, busy or frozen; starting another would not help. */
        return fallback(c, input, cat("cannot reach the agent: ", dialed.text, NULL), false);
    }
}

int main(int argc, char **argv) {
    /* An ignored SIGCHLD, inherited from the tool, would make waitpid fail: the Node CLI's
     * exit code would be lost. (Go's runtime installs its own handler.) */
    signal(SIGCHLD, SIG_DFL);
    const char *implied[3];
    int n = implied_args(argc > 0 ? argv[0] : "", implied);
    call c = {.conn = -1};
    c.argc = n + (argc > 1 ? argc - 1 : 0);
    c.argv = xmalloc((size_t)(c.argc + 1) * sizeof *c.argv);
    for (int i = 0; i < n; i++) c.argv[i] = (char *)implied[i];
    for (int i = 1; i < argc; i++) c.argv[n + i - 1] = argv[i];
    c.argv[c.argc] = NULL;
    const char *debug = getenv("CREDSHARE_DEBUG");
    c.debug = debug && *debug;
    return run(&c);
}
