/* The conversation with the agent: the request (and the standard input already there) in
 * one write, then the agent's frames relayed to standard output and error until the exit
 * code, standard input relayed when the command reads it. */
#include "client.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool relay_waiting(const stdin_relay *r) { return r->relaying && !r->eof && !r->unsent; }

/* relay_once reads standard input once (it is ready) and appends to out the frame that
 * sends what it read: I with the bytes, or E at its end (a failed read ends it too).
 * false when there was nothing to read after all. */
static bool relay_once(stdin_relay *r, bytes *out) {
    if (!r->buf) r->buf = xmalloc(STDIN_CHUNK);
    long n = read_stdin(r->buf, STDIN_CHUNK);
    if (n < 0) return false;
    if (n == 0) {
        r->eof = true;
        frame_append(out, FRAME_STDIN_EOF, NULL, 0);
        return true;
    }
    bytes_add(&r->read, r->buf, (size_t)n);
    frame_append(out, FRAME_STDIN, r->buf, (size_t)n);
    return true;
}

/* prepare is the first write to the agent: the request and, when it is sent unasked,
 * what standard input holds already (a tool writes its request as it starts the helper). */
void prepare(const bytes *payload, bool stdin_follows, bytes *first, stdin_relay *input) {
    input->relaying = stdin_follows;
    frame_append(first, FRAME_REQUEST, payload->data, payload->len);
    while (relay_waiting(input) && first->len < STDIN_WITH_REQUEST && stdin_readable())
        if (!relay_once(input, first)) break;
}

static const char *send_error(int err) { return err == EAGAIN || err == EWOULDBLOCK ? "timed out" : errno_text(err); }

/* broken ends a request the agent accepted but did not finish: through the Node CLI when
 * nothing was written yet (starting no agent: one exists), else with exit 1. */
static int broken(call *c, bool wrote, stdin_relay *input, const char *problem) {
    if (!wrote) return fallback(c, input, problem, false);
    say(c, problem, NULL);
    static const char message[] = "credshare: the credshare agent stopped answering; run the command again\n";
    write_all(2, message, sizeof message - 1);
    return 1;
}

/* failed ends a call that went wrong before (fallback) or after the agent accepted it. */
static int failed(call *c, bool accepted, bool wrote, stdin_relay *input, const char *problem) {
    return accepted ? broken(c, wrote, input, problem) : fallback(c, input, problem, false);
}

/* quoted is a frame type as the Go client shows it, strconv.Quote(string(kind)): the
 * byte taken as the code point U+00XX, escaped where Go's IsPrint says it is not printable. */
static const char *quoted(char kind) {
    unsigned char k = (unsigned char)kind;
    char *text = xmalloc(12);
    const char *escapes = "\\a\\b\\t\\n\\v\\f\\r";
    if (k >= 7 && k <= 13) snprintf(text, 12, "\"%.2s\"", escapes + 2 * (k - 7));
    else if (k == '"' || k == '\\') snprintf(text, 12, "\"\\%c\"", k);
    else if (k < 0x20 || k == 0x7f) snprintf(text, 12, "\"\\x%02x\"", k);
    else if (k < 0x80) snprintf(text, 12, "\"%c\"", k);
    else if (k <= 0xa0 || k == 0xad) snprintf(text, 12, "\"\\u%04x\"", k);
    else snprintf(text, 12, "\"%c%c\"", 0xc0 | k >> 6, 0x80 | (k & 0x3f));
    return text;
}

/* talk: until the agent has written any output, every failure runs the Node CLI instead
 * (with the standard input relayed so far replayed); after that, a failure ends the call
 * with exit 1 and a line on stderr, never a second answer. */
int talk(call *c, int conn, bytes *first, stdin_relay *input) {
    c->conn = conn;
    int err = send_all(conn, first->data, first->len);
    if (err) return fallback(c, input, cat("the agent did not take the request: ", send_error(err), NULL), false);

    frame_reader frames = {0};
    bool accepted = false, wrote = false;
    int64_t deadline = now_ms() + ACCEPT_TIMEOUT_MS;
    for (;;) {
        frame f;
        int got = frame_next(&frames, &f);
        if (got < 0) return failed(c, accepted, wrote, input, "the agent sent a frame larger than 1 MiB");
        if (got == 0) {
            bool conn_ready, stdin_ready;
            int waited = wait_readable(conn, relay_waiting(input), deadline, &conn_ready, &stdin_ready);
            if (waited == 1 && !accepted)
                return fallback(c, input, "the agent did not accept within " ACCEPT_TIMEOUT_TEXT " (frozen or overloaded)", false);
            if (waited == 1) return broken(c, wrote, input, "no word from the agent for " STALL_TIMEOUT_TEXT " (frozen?)");
            if (waited < 0) return failed(c, accepted, wrote, input, cat("cannot wait for the agent: ", errno_text(errno), NULL));
            /* The agent's frames first: an answer already there (an exit code, a fall
             * back) stands even when standard input can no longer be sent. */
            if (conn_ready) {
                const char *problem = frame_fill(&frames, conn);
                if (problem && !accepted)
                    return fallback(c, input, cat("the agent closed the connection before accepting (", problem, ")", NULL), false);
                if (problem) return broken(c, wrote, input, cat("the connection ended before the exit code (", problem, ")", NULL));
                continue;
            }
            if (stdin_ready) {
                bytes out = {0};
                if (relay_once(input, &out) && (err = send_all(conn, out.data, out.len))) {
                    /* The agent stopped reading: what it answers, or the end of the
                     * connection, decides (the input read is kept for a replay). */
                    say(c, "the agent did not take standard input (", send_error(err), ")", NULL);
                    input->unsent = true;
                }
                free(out.data);
            }
            continue;
        }
        deadline = now_ms() + STALL_TIMEOUT_MS;

        if (!accepted) {
            if (f.kind == FRAME_ACCEPT) {
                accepted = true;
                continue;
            }
            if (f.kind == FRAME_FALLBACK) {
                bool ok;
                const char *reason = json_field(f.payload, f.len, "reason", &ok, NULL);
                const char *message = json_field(f.payload, f.len, "message", &ok, NULL);
                const char *stepping = json_field(f.payload, f.len, "steppingAside", &ok, NULL);
                reason = reason ? reason : "";
                /* An agent of another build that steps aside: start one of this build. */
                bool restart = strcmp(reason, "version") == 0 && stepping && strcmp(stepping, "true") == 0;
                c->replacing = restart;
                return fallback(c, input, cat("the agent sent the call back (", reason, ": ", message ? message : "", ")", NULL), restart);
            }
            return fallback(c, input, cat("the agent answered ", quoted(f.kind), " before accepting", NULL), false);
        }
        switch (f.kind) {
        case FRAME_KEEP_ALIVE:
            break;
        case FRAME_WANT_STDIN: /* the command reads standard input: relay it from now on */
            input->relaying = true;
            break;
        case FRAME_STDOUT:
            wrote = true;
            write_all(1, f.payload, f.len);
            break;
        case FRAME_STDERR:
            wrote = true;
            write_all(2, f.payload, f.len);
            break;
        case FRAME_EXIT: {
            bool ok;
            size_t code_len = 0;
            const char *code = json_field(f.payload, f.len, "code", &ok, &code_len);
            char *end;
            bool numeric = code && (isdigit((unsigned char)code[0]) || code[0] == '+' || code[0] == '-');
            long n = numeric ? strtol(code, &end, 10) : -1;
            if (!ok || !numeric || *end || strlen(code) != code_len || n < 0 || n > 255) return broken(c, wrote, input, "an exit frame without a code");
            return (int)n;
        }
        default:
            return broken(c, wrote, input, cat("an unknown frame ", quoted(f.kind), NULL));
        }
    }
}
