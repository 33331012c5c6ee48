/* The agent protocol's framing (docs/agent-protocol.md): 1 byte type, 4 bytes payload
 * length (unsigned big-endian), the payload; at most 1 MiB per frame. And just enough
 * JSON to read the agent's few flat messages ({"reason":..,"message":..}, {"code":N}). */
#include "client.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void frame_append(bytes *out, char kind, const void *payload, size_t len) {
    uint32_t n = (uint32_t)len;
    char head[5] = {kind, (char)(n >> 24), (char)(n >> 16), (char)(n >> 8), (char)n};
    bytes_add(out, head, sizeof head);
    bytes_add(out, payload, len);
}

int frame_next(frame_reader *r, frame *f) {
    size_t have = r->buf.len - r->start;
    if (have < 5) return 0;
    const unsigned char *p = (const unsigned char *)r->buf.data + r->start;
    uint32_t size = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
    if (size > MAX_FRAME) return -1;
    if (have - 5 < size) return 0;
    f->kind = (char)p[0];
    f->payload = (const char *)p + 5;
    f->len = size;
    r->start += 5 + size;
    return 1;
}

/* frame_fill reads once from the agent (it is readable): every frame already sent comes
 * in one read (a fresh-token answer's A, O and X arrive together), and a frame split
 * across reads waits in the buffer for its rest. */
const char *frame_fill(frame_reader *r, int fd) {
    if (r->start > 0) {
        /* The frames handed out so far have been used: keep only the unread bytes. */
        memmove(r->buf.data, r->buf.data + r->start, r->buf.len - r->start);
        r->buf.len -= r->start;
        r->start = 0;
    }
    char scratch[4 << 10];
    for (;;) {
        ssize_t n = read(fd, scratch, sizeof scratch);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return "timed out";
        if (n < 0) return errno_text(errno);
        if (n == 0) return r->buf.len > 0 ? "unexpected EOF" : "EOF";
        bytes_add(&r->buf, scratch, (size_t)n);
        return NULL;
    }
}

static bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* A reader of one flat JSON object, as the Go client's flatObject. */
typedef struct {
    const char *data;
    size_t len, pos;
} parser;

static void space(parser *p) {
    while (p->pos < p->len && is_json_space(p->data[p->pos])) p->pos++;
}

static bool eat(parser *p, char c) {
    if (p->pos < p->len && p->data[p->pos] == c) {
        p->pos++;
        return true;
    }
    return false;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* add_rune appends a code point as UTF-8 (a lone surrogate as U+FFFD, as Go does). */
static void add_rune(bytes *b, unsigned r) {
    if (r >= 0xD800 && r <= 0xDFFF) r = 0xFFFD;
    if (r < 0x80) bytes_addc(b, (char)r);
    else if (r < 0x800) {
        bytes_addc(b, (char)(0xC0 | r >> 6));
        bytes_addc(b, (char)(0x80 | (r & 0x3F)));
    } else {
        bytes_addc(b, (char)(0xE0 | r >> 12));
        bytes_addc(b, (char)(0x80 | ((r >> 6) & 0x3F)));
        bytes_addc(b, (char)(0x80 | (r & 0x3F)));
    }
}

static bool str(parser *p, bytes *out) {
    if (!eat(p, '"')) return false;
    while (p->pos < p->len) {
        char c = p->data[p->pos++];
        if (c == '"') {
            bytes_str(out);
            return true;
        }
        if ((unsigned char)c < 0x20) return false;
        if (c != '\\') {
            bytes_addc(out, c);
            continue;
        }
        if (p->pos >= p->len) return false;
        char e = p->data[p->pos++];
        switch (e) {
        case '"': case '\\': case '/': bytes_addc(out, e); break;
        case 'n': bytes_addc(out, '\n'); break;
        case 'r': bytes_addc(out, '\r'); break;
        case 't': bytes_addc(out, '\t'); break;
        case 'b': bytes_addc(out, '\b'); break;
        case 'f': bytes_addc(out, '\f'); break;
        case 'u': {
            if (p->pos + 4 > p->len) return false;
            unsigned r = 0;
            for (int i = 0; i < 4; i++) {
                int d = hex_digit(p->data[p->pos + i]);
                if (d < 0) return false;
                r = r << 4 | (unsigned)d;
            }
            p->pos += 4;
            add_rune(out, r);
            break;
        }
        default: return false;
        }
    }
    return false;
}

/* value reads a string, number, true, false or null; an array or object is skipped
 * (depth-counted, strings respected) and stands as "". */
static bool value(parser *p, bytes *out) {
    if (p->pos >= p->len) return false;
    char c = p->data[p->pos];
    if (c == '"') return str(p, out);
    if (c == '{' || c == '[') {
        int depth = 0;
        while (p->pos < p->len) {
            char d = p->data[p->pos];
            if (d == '"') {
                bytes skipped = {0};
                if (!str(p, &skipped)) return false;
                continue;
            }
            if (d == '{' || d == '[') depth++;
            if (d == '}' || d == ']') depth--;
            p->pos++;
            if (depth == 0) {
                bytes_str(out);
                return true;
            }
        }
        return false;
    }
    size_t start = p->pos;
    while (p->pos < p->len && p->data[p->pos] != ',' && p->data[p->pos] != '}' && !is_json_space(p->data[p->pos])) p->pos++;
    bytes_add(out, p->data + start, p->pos - start);
    bytes_str(out);
    return p->pos > start;
}

char *json_field(const char *data, size_t len, const char *key, bool *ok, size_t *value_len) {
    parser p = {data, len, 0};
    char *found = NULL;
    *ok = false;
    space(&p);
    if (!eat(&p, '{')) return NULL;
    space(&p);
    if (!eat(&p, '}')) {
        for (;;) {
            bytes k = {0}, v = {0};
            space(&p);
            if (!str(&p, &k)) return NULL;
            space(&p);
            if (!eat(&p, ':')) return NULL;
            space(&p);
            if (!value(&p, &v)) return NULL;
            /* A key said twice: the last one stands, as in a JSON parser's object. */
            if (strlen(k.data) == k.len && strcmp(k.data, key) == 0) {
                found = v.data;
                if (value_len) *value_len = v.len;
            }
            space(&p);
            if (eat(&p, '}')) break;
            if (!eat(&p, ',')) return NULL;
        }
    }
    space(&p);
    *ok = p.pos == p.len;
    return *ok ? found : NULL;
}
