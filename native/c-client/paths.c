/* Paths as Go's package path handles them (the Go client uses it; on Linux Node's
 * path.resolve agrees): the home's path names the agent's socket, so the client, the CLI
 * and the agent must compute it byte for byte alike. Lexical only: no symlink is resolved. */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

bool path_is_abs(const char *p) { return p[0] == '/'; }

/* path_clean is Go's path.Clean: the shortest equivalent path, by lexical processing. */
char *path_clean(const char *p) {
    size_t n = strlen(p);
    if (n == 0) return xstrdup(".");
    char *out = xmalloc(n + 1);
    bool rooted = p[0] == '/';
    size_t r = 0, w = 0, dotdot = 0;
    if (rooted) {
        out[w++] = '/';
        r = dotdot = 1;
    }
    while (r < n) {
        if (p[r] == '/') {
            r++;
        } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
            r++;
        } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/') w--;
            } else if (!rooted) {
                if (w > 0) out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0)) out[w++] = '/';
            for (; r < n && p[r] != '/'; r++) out[w++] = p[r];
        }
    }
    if (w == 0) return xstrdup(".");
    out[w] = '\0';
    return out;
}

char *path_join(const char *first, ...) {
    bytes b = {0};
    va_list parts;
    va_start(parts, first);
    for (const char *s = first; s; s = va_arg(parts, const char *)) {
        if (!*s) continue;
        if (b.len) bytes_addc(&b, '/');
        bytes_adds(&b, s);
    }
    va_end(parts);
    return b.len ? path_clean(bytes_str(&b)) : xstrdup("");
}

/* path_dir is Go's path.Dir: all but the last element, cleaned. */
char *path_dir(const char *p) {
    const char *slash = strrchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) + 1 : 0;
    char *dir = xmalloc(n + 1);
    memcpy(dir, p, n);
    dir[n] = '\0';
    return path_clean(dir);
}

/* path_base is Go's path.Base: the last element ("." for "", "/" for slashes only). */
char *path_base(const char *p) {
    size_t n = strlen(p);
    if (n == 0) return xstrdup(".");
    while (n > 0 && p[n - 1] == '/') n--;
    if (n == 0) return xstrdup("/");
    size_t start = n;
    while (start > 0 && p[start - 1] != '/') start--;
    char *base = xmalloc(n - start + 1);
    memcpy(base, p + start, n - start);
    base[n - start] = '\0';
    return base;
}

/* executable_dir: /proc/self/exe is already free of symbolic links (Go's os.Executable
 * reads the same, and drops the " (deleted)" the kernel adds for a file replaced under
 * a running process). */
char *executable_dir(void) {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0) return NULL;
    if ((size_t)n == sizeof exe - 1) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    exe[n] = '\0';
    static const char deleted[] = " (deleted)";
    size_t d = sizeof deleted - 1;
    if ((size_t)n > d && strcmp(exe + n - d, deleted) == 0) exe[n - d] = '\0';
    return path_dir(exe);
}

/* read_small_file reads at most 4 KiB (the build id beside the CLI bundle). */
bool read_small_file(const char *name, bytes *out) {
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[4096];
    size_t n = 0;
    while (n < sizeof buf) {
        ssize_t m = read(fd, buf + n, sizeof buf - n);
        if (m < 0 && errno == EINTR) continue;
        if (m < 0) {
            close(fd);
            return false;
        }
        if (m == 0) break;
        n += (size_t)m;
    }
    close(fd);
    bytes_add(out, buf, n);
    return true;
}
