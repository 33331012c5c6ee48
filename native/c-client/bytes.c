/* Growable byte strings and the few string helpers the client needs. */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void out_of_memory(void) {
    static const char message[] = "credshare: out of memory\n";
    write_all(2, message, sizeof message - 1);
    _exit(1);
}

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) out_of_memory();
    return p;
}

void bytes_add(bytes *b, const void *p, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) out_of_memory();
        b->data = grown;
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void bytes_addc(bytes *b, char c) { bytes_add(b, &c, 1); }
void bytes_adds(bytes *b, const char *s) { bytes_add(b, s, strlen(s)); }

char *bytes_str(bytes *b) {
    if (!b->data) bytes_add(b, "", 0);
    return b->data;
}

char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

char *cat(const char *first, ...) {
    bytes b = {0};
    va_list parts;
    va_start(parts, first);
    for (const char *s = first; s; s = va_arg(parts, const char *)) bytes_adds(&b, s);
    va_end(parts);
    return bytes_str(&b);
}

char *number_text(long long n) {
    char text[24];
    snprintf(text, sizeof text, "%lld", n);
    return xstrdup(text);
}

const char *errno_text(int err) {
    char *text = xstrdup(strerror(err));
    if (text[0] >= 'A' && text[0] <= 'Z') text[0] = (char)(text[0] - 'A' + 'a');
    return text;
}

bool has_prefix(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

int64_t now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* write_fully: false when a write failed (EINTR is retried). */
bool write_fully(int fd, const void *p, size_t n) {
    const char *at = p;
    while (n > 0) {
        ssize_t w = write(fd, at, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* A non-blocking descriptor shared with the tool: wait until it takes more. */
            struct pollfd out = {.fd = fd, .events = POLLOUT};
            poll(&out, 1, -1);
            continue;
        }
        if (w <= 0) return false;
        at += w;
        n -= (size_t)w;
    }
    return true;
}

/* write_all: standard output and error, as the Go client writes them (a failed write is
 * dropped; a closed pipe ends the process with SIGPIPE, as it would end any helper). */
void write_all(int fd, const void *p, size_t n) { (void)write_fully(fd, p, n); }
