/* What the agent is asked (the Q frame), and what the client works out before asking:
 * the home, the agent's name, the build, the arguments a helper's name implies, and
 * whether standard input goes along unasked. */
#include "client.h"

#include <stdlib.h>
#include <string.h>

/* credshare_home is the home exactly as the CLI and the agent compute it
 * (src/core/paths.ts): CREDSHARE_HOME, else $XDG_CONFIG_HOME/credshare, else
 * ~/.config/credshare, made absolute against the cwd without resolving symlinks. */
char *credshare_home(const char *cwd, const char **problem) {
    const char *h = getenv("CREDSHARE_HOME");
    if (h && *h) return path_is_abs(h) ? path_clean(h) : path_join(cwd, h, NULL);
    const char *x = getenv("XDG_CONFIG_HOME");
    if (x && *x) return path_join(path_is_abs(x) ? path_clean(x) : path_join(cwd, x, NULL), "credshare", NULL);
    const char *user = getenv("HOME");
    if (!user || !*user) {
        *problem = "no CREDSHARE_HOME, XDG_CONFIG_HOME or home directory in the environment";
        return NULL;
    }
    return path_join(user, ".config", "credshare", NULL);
}

/* agent_id names one home's agent: the first 16 hex digits of SHA-256 of its path. */
char *agent_id(const char *home) {
    static const char digits[] = "0123456789abcdef";
    uint8_t sum[32];
    sha256(home, strlen(home), sum);
    char *id = xmalloc(17);
    for (int i = 0; i < 8; i++) {
        id[2 * i] = digits[sum[i] >> 4];
        id[2 * i + 1] = digits[sum[i] & 15];
    }
    id[16] = '\0';
    return id;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* current_build is the build id to send: the one in dist/build-id beside the CLI bundle
 * this client falls back to (an agent answers only its own build), else "dev", which no
 * agent answers. */
char *current_build(void) {
    char *dir = executable_dir();
    bytes data = {0};
    if (dir && read_small_file(path_join(dir, "..", "..", "build-id", NULL), &data)) {
        char *s = bytes_str(&data);
        size_t n = data.len;
        while (n > 0 && is_space(s[n - 1])) s[--n] = '\0';
        while (*s && is_space(*s)) s++;
        if (*s) return s;
    }
    return "dev";
}

/* implied_args are the arguments a name implies: Bazel runs the `credshare-bazel` it is
 * given with only `get`; docker runs `docker-credential-credshare` with only the operation. */
int implied_args(const char *argv0, const char **out) {
    char *name = path_base(argv0);
    for (char *p = name; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    size_t n = strlen(name);
    if (n > 4 && strcmp(name + n - 4, ".exe") == 0) name[n - 4] = '\0';
    out[0] = "helper";
    out[1] = "--protocol";
    if (strcmp(name, "credshare-bazel") == 0) out[2] = "bazel";
    else if (strcmp(name, "docker-credential-credshare") == 0) out[2] = "docker";
    else return 0;
    return 3;
}

/* reads_all_stdin: the command reads all of standard input, whatever it holds, so it is
 * sent unasked, right behind the request, saving the agent's W round trip. These are the
 * helpers of the tools that write their request on the helper's stdin: bazel, git and
 * docker (get, store and erase) and cargo's conversation. Everything else waits for W:
 * `token` and kubectl's helper never read stdin, which may be a terminal or a shell loop's
 * input; an argument list this cannot read waits too (a round trip, never input lost). */
bool reads_all_stdin(char **argv, int argc) {
    if (argc == 1 && strcmp(argv[0], "--cargo-plugin") == 0) return true;
    if (argc == 0 || strcmp(argv[0], "helper") != 0) return false;
    const char *protocol = "", *operation = "";
    int operations = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "list") == 0) return false;
        if (strcmp(a, "--protocol") == 0 && i + 1 < argc) protocol = argv[++i];
        else if (has_prefix(a, "--protocol=")) protocol = a + strlen("--protocol=");
        else if (strcmp(a, "--profile") == 0 && i + 1 < argc) i++;
        else if (has_prefix(a, "--profile=")) continue;
        else if (a[0] == '-') return false;
        else {
            operation = a;
            operations++;
        }
    }
    if (strcmp(protocol, "bazel") == 0 || strcmp(protocol, "git") == 0 || strcmp(protocol, "docker") == 0)
        return operations == 1 && (strcmp(operation, "get") == 0 || strcmp(operation, "store") == 0 || strcmp(operation, "erase") == 0);
    if (strcmp(protocol, "cargo") == 0) return operations == 0;
    return false;
}

/* forwarded_env are the variables the agent needs to answer as the CLI would
 * (docs/agent-protocol.md); none of them ever holds a secret. */
static const char *const forwarded_env[] = {
    "CREDSHARE_HOME", "CREDSHARE_PROFILE", "XDG_CONFIG_HOME", "HOME",
    "KUBERNETES_EXEC_INFO", "CREDSHARE_DEBUG", "CREDSHARE_IPC_HANDLE", "CREDSHARE_IPC_NONCE",
    "CREDSHARE_UNSAFE_NO_COORDINATION", "CREDSHARE_TEST_PAUSE_AT", NULL,
};

/* not_for_the_agent belong to one call (a window's channel, kubectl's request, a profile
 * choice, a test pause), not to an agent that serves every call of the home. */
static const char *const not_for_the_agent[] = {
    "CREDSHARE_IPC_HANDLE", "CREDSHARE_IPC_NONCE", "KUBERNETES_EXEC_INFO",
    "CREDSHARE_PROFILE", "CREDSHARE_TEST_PAUSE_AT", NULL,
};

bool is_not_for_the_agent(const char *name) {
    for (const char *const *n = not_for_the_agent; *n; n++)
        if (strcmp(name, *n) == 0) return true;
    return false;
}

/* valid_utf8 is Go's utf8.ValidString: no overlong forms, no surrogates, nothing past
 * U+10FFFF. A string that is not falls back to the Node CLI, which takes it as it is. */
static bool valid_utf8(const char *text) {
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        unsigned char c = *s;
        int extra;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) { s++; continue; }
        else if (c >= 0xC2 && c <= 0xDF) extra = 1;
        else if (c == 0xE0) { extra = 2; lo = 0xA0; }
        else if (c == 0xED) { extra = 2; hi = 0x9F; }
        else if (c >= 0xE1 && c <= 0xEF) extra = 2;
        else if (c == 0xF0) { extra = 3; lo = 0x90; }
        else if (c == 0xF4) { extra = 3; hi = 0x8F; }
        else if (c >= 0xF1 && c <= 0xF3) extra = 3;
        else return false;
        if (s[1] < lo || s[1] > hi) return false;
        for (int i = 2; i <= extra; i++)
            if (s[i] < 0x80 || s[i] > 0xBF) return false;
        s += extra + 1;
    }
    return true;
}

bool request_valid_utf8(const request *q) {
    if (!valid_utf8(q->build) || !valid_utf8(q->cwd)) return false;
    for (int i = 0; i < q->argc; i++)
        if (!valid_utf8(q->argv[i])) return false;
    for (const char *const *name = forwarded_env; *name; name++) {
        const char *v = getenv(*name);
        if (v && !valid_utf8(v)) return false;
    }
    return true;
}

/* json_string appends s as a JSON string, escaping as the Go client does. */
static void json_string(bytes *b, const char *s) {
    static const char hex[] = "0123456789abcdef";
    bytes_addc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { bytes_addc(b, '\\'); bytes_addc(b, (char)c); }
        else if (c == '\n') bytes_adds(b, "\\n");
        else if (c == '\r') bytes_adds(b, "\\r");
        else if (c == '\t') bytes_adds(b, "\\t");
        else if (c < 0x20) {
            char e[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            bytes_add(b, e, sizeof e);
        } else bytes_addc(b, (char)c);
    }
    bytes_addc(b, '"');
}

/* request_encode writes the Q payload: {"protocol":1,"build":...,"argv":[...],
 * "env":{...},"cwd":...} and, when standard input follows unasked, "stdinFollows":true. */
void request_encode(const request *q, bytes *out) {
    bytes_adds(out, "{\"protocol\":1,\"build\":");
    json_string(out, q->build);
    bytes_adds(out, ",\"argv\":[");
    for (int i = 0; i < q->argc; i++) {
        if (i > 0) bytes_addc(out, ',');
        json_string(out, q->argv[i]);
    }
    bytes_adds(out, "],\"env\":{");
    bool first = true;
    for (const char *const *name = forwarded_env; *name; name++) {
        const char *v = getenv(*name);
        if (!v) continue;
        if (!first) bytes_addc(out, ',');
        first = false;
        json_string(out, *name);
        bytes_addc(out, ':');
        json_string(out, v);
    }
    bytes_adds(out, "},\"cwd\":");
    json_string(out, q->cwd);
    if (q->stdin_follows) bytes_adds(out, ",\"stdinFollows\":true");
    bytes_addc(out, '}');
}
