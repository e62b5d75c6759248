/*
** convert.c -- cw_convert(): CSV to NDJSON through the CSV reader, NDJSON
** to CSV through a small parser of flat JSON objects, and CSV to a
** database table through a sink.  Files are written through the atomic
** output writer and tables in one transaction, so a failure leaves no
** output.
*/
#include "core/msg.h"
#include "csv/csvread.h"
#include "csv/csvwrite.h"
#include "csv/decode.h"
#include "io/sink.h"
#include "io/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (256u * 1024u)    /* bytes per read of NDJSON input */
#define LINE_LIMIT (256u << 20) /* longest NDJSON line accepted */
#define SHOW 60                 /* bytes of a key quoted in a message */

enum kind { K_NONE, K_CSV, K_NDJSON };

/* The format named by the extension of 'path', case-insensitive. */
static enum kind kind_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n;

    if (dot == NULL || dot == base)
        return K_NONE;
    n = strlen(++dot);
    if (cw__eqi(dot, n, "csv", 3))
        return K_CSV;
    if (cw__eqi(dot, n, "ndjson", 6) || cw__eqi(dot, n, "jsonl", 5))
        return K_NDJSON;
    return K_NONE;
}

/* ==== CSV to NDJSON ==== */

/*
** Read the CSV file 'in' and write its records as NDJSON to 'out'.  Any
** problem the reader reports, a bad record included, aborts.
*/
static int csv_to_ndjson(const char *in, const cw_dialect *d, const char *out,
                         unsigned long long *rows, cw_err *err)
{
    const char **cols = NULL;
    cw_field *f = NULL;
    cw_csv *r = NULL;
    cw_writer *w = NULL;
    unsigned long long n = 0;
    cw_writeopts o;
    cw_csvopts ro;
    size_t ncols, nf, i;
    int rc;

    cw__csvopts_default(&ro);
    cw__csvopts_dialect(&ro, d);
    rc = cw__csv_openfile(in, &ro, &r, err);
    if (rc != CW_OK)
        return rc;
    rc = cw__csv_header(r);
    if (rc != CW_OK) {
        rc = cw__fail(err, rc, "%s", cw__csv_errmsg(r));
        goto done;
    }
    ncols = cw__csv_ncols(r);
    if (ncols == 0) {
        rc = cw__fail(err, CW_EPARSE, "%s: no columns", in);
        goto done;
    }
    cols = cw__alloc(ncols * sizeof *cols);
    f = cw__alloc(ncols * sizeof *f);
    if (cols == NULL || f == NULL) {
        rc = cw__fail(err, CW_ENOMEM, "%s: out of memory", in);
        goto done;
    }
    for (i = 0; i < ncols; i++)
        cols[i] = cw__csv_colname(r, i);
    cw__writeopts_default(&o);
    o.format = CW_FMT_NDJSON;
    rc = cw__writer_open(out, cols, ncols, &o, &w, err);
    if (rc != CW_OK)
        goto done;
    while ((rc = cw__csv_next(r)) == CW_ROW) {
        nf = cw__csv_nfields(r);
        for (i = 0; i < ncols; i++) {
            f[i] = (cw_field){NULL, 0};
            if (i < nf)
                f[i].p = cw__csv_field(r, i, &f[i].len);
        }
        rc = cw__writer_write(w, f);
        if (rc != CW_OK) {
            rc = cw__fail(err, rc, "%s", cw__writer_errmsg(w));
            goto done;
        }
        n++;
    }
    if (rc != CW_DONE) {
        rc = cw__fail(err, rc, "%s", cw__csv_errmsg(r));
        goto done;
    }
    rc = cw__writer_commit(w);
    if (rc != CW_OK) {
        cw__fail(err, rc, "%s", cw__writer_errmsg(w));
        goto done;
    }
    *rows = n;

done:
    cw__writer_close(w);
    cw__csv_close(r);
    cw__free(f);
    cw__free(cols);
    return rc;
}

/* ==== NDJSON lines ==== */

/* Reads a file line by line, returning views into its buffers. */
typedef struct lines {
    int fd;               /* the input, owned */
    char *chunk;          /* read buffer of CHUNK bytes */
    size_t clen;          /* bytes in 'chunk' */
    size_t cpos;          /* next unread byte in 'chunk' */
    cw_buf acc;           /* a line that spans reads */
    unsigned long lineno; /* 1-based number of the line last returned */
    int eof;              /* 1 once read() returned 0 */
} lines;

/*
** Store in '*s' and '*len' the next line of 'lr' without its LF, valid
** until the next call.  Returns CW_ROW, CW_DONE at the end, or an error
** described in 'err' ('file' names the input).
*/
static int next_line(lines *lr, const char *file, const char **s, size_t *len,
                     cw_err *err)
{
    ssize_t k;

    lr->acc.len = 0;
    for (;;) {
        if (lr->cpos < lr->clen) {
            const char *b = lr->chunk + lr->cpos;
            size_t avail = lr->clen - lr->cpos;
            const char *nl = memchr(b, '\n', avail);
            size_t n = nl != NULL ? (size_t)(nl - b) : avail;

            lr->cpos += n + (nl != NULL);
            if (nl != NULL && lr->acc.len == 0) {
                *s = b; /* the common case: no copy */
                *len = n;
                lr->lineno++;
                return CW_ROW;
            }
            if (lr->acc.len + n > LINE_LIMIT)
                return cw__fail(err, CW_EPARSE,
                                "%s:%lu: line longer than %u bytes", file,
                                lr->lineno + 1, LINE_LIMIT);
            if (cw__buf_add(&lr->acc, b, n) != CW_OK)
                return cw__fail(err, CW_ENOMEM, "%s: out of memory", file);
            if (nl != NULL)
                break;
        }
        if (lr->eof) {
            if (lr->acc.len == 0)
                return CW_DONE;
            break; /* a last line without LF */
        }
        k = read(lr->fd, lr->chunk, CHUNK);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return cw__fail(err, CW_EIO, "%s: %s", file, strerror(errno));
        lr->eof = k == 0;
        lr->clen = (size_t)k;
        lr->cpos = 0;
    }
    *s = lr->acc.p;
    *len = lr->acc.len;
    lr->lineno++;
    return CW_ROW;
}

/* ==== Flat JSON objects ==== */

enum { S_ABSENT, S_NULL, S_VIEW, S_BUF };

/* The value one key got on the current line. */
typedef struct slot {
    const char *p; /* S_VIEW: bytes in the line */
    size_t off;    /* S_BUF: offset in conv.vals */
    size_t len;    /* byte count */
    int state;     /* S_ABSENT, S_NULL, S_VIEW or S_BUF */
} slot;

/* The state of an NDJSON to CSV conversion. */
typedef struct conv {
    const char *file;      /* input path, for messages */
    cw_err *err;           /* where errors go */
    char **names;          /* header: keys of the first object, owned */
    size_t nnames;         /* keys */
    size_t namecap;        /* slots in 'names' */
    size_t *namelens;      /* their lengths (same capacity) */
    unsigned long hdrline; /* line the header came from */
    slot *slots;           /* one per key (same capacity) */
    size_t next;           /* key index expected next on the line */
    cw_buf vals;           /* decoded strings of the line */
    cw_buf key;            /* the last decoded key with escapes */
    const char *s;         /* the line being parsed */
    size_t len;            /* its length */
    size_t pos;            /* parse position in it */
    unsigned long line;    /* its number */
} conv;

/* Fail with CW_EPARSE "file:line:col: message", 'at' being a byte offset. */
static int jerr(conv *c, size_t at, const char *fmt, ...) CW_PRINTF(3, 4);

static int jerr(conv *c, size_t at, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cw__fail(c->err, CW_EPARSE, "%s:%lu:%zu: %s", c->file, c->line,
                    at + 1, msg);
}

/* Skip JSON white space. */
static void skip_ws(conv *c)
{
    while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t' ||
                               c->s[c->pos] == '\r' || c->s[c->pos] == '\n'))
        c->pos++;
}

/* The value of four hex digits at 'p' in '*v', or 0 when they are not. */
static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char h = p[i];

        *v <<= 4;
        if (h >= '0' && h <= '9')
            *v |= (unsigned)(h - '0');
        else if (h >= 'a' && h <= 'f')
            *v |= (unsigned)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F')
            *v |= (unsigned)(h - 'A' + 10);
        else
            return 0;
    }
    return 1;
}

/* Append code point 'cp' to 'b' as UTF-8. */
static int put_utf8(cw_buf *b, unsigned cp)
{
    char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return cw__buf_add(b, u, n);
}

/*
** Decode the escape at c->pos (a backslash) and append it to 'b'.  A
** \uXXXX high surrogate must be followed by a \uXXXX low surrogate.
*/
static int unescape(conv *c, cw_buf *b)
{
    const char *s = c->s;
    size_t at = c->pos;
    unsigned cp, lo;
    char e;

    if (at + 1 >= c->len)
        return jerr(c, at, "unterminated string");
    e = s[at + 1];
    c->pos += 2;
    switch (e) {
    case '"':
    case '\\':
    case '/':
        return cw__buf_addc(b, e);
    case 'b':
        return cw__buf_addc(b, '\b');
    case 'f':
        return cw__buf_addc(b, '\f');
    case 'n':
        return cw__buf_addc(b, '\n');
    case 'r':
        return cw__buf_addc(b, '\r');
    case 't':
        return cw__buf_addc(b, '\t');
    case 'u':
        break;
    default:
        if ((unsigned char)e < 0x20 || (unsigned char)e >= 0x7F)
            return jerr(c, at, "invalid escape");
        return jerr(c, at, "invalid escape \\%c", e);
    }
    if (at + 6 > c->len || !hex4(s + at + 2, &cp))
        return jerr(c, at, "invalid \\u escape: four hex digits expected");
    c->pos = at + 6;
    if (cp == 0)
        return jerr(c, at, "\\u0000: a NUL character cannot go into CSV");
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return jerr(c, at, "lone low surrogate \\u%04X", cp);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (at + 12 > c->len || s[at + 6] != '\\' || s[at + 7] != 'u' ||
            !hex4(s + at + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF)
            return jerr(c, at, "lone high surrogate \\u%04X", cp);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        c->pos = at + 12;
    }
    return put_utf8(b, cp);
}

/*
** Parse the string at c->pos (a quote).  Without escapes store a view of
** the line in '*p'; with escapes decode it at the end of 'b', store its
** offset there in '*off' and set '*inbuf'.  Store its length in '*len'.
*/
static int parse_string(conv *c, cw_buf *b, const char **p, size_t *off,
                        size_t *len, int *inbuf)
{
    const unsigned char *s = (const unsigned char *)c->s;
    size_t start = ++c->pos, run;
    int rc;

    while (c->pos < c->len && s[c->pos] != '"' && s[c->pos] != '\\' &&
           s[c->pos] >= 0x20)
        c->pos++;
    if (c->pos < c->len && s[c->pos] == '"') {
        *p = c->s + start;
        *len = c->pos++ - start;
        *inbuf = 0;
        return CW_OK;
    }
    *off = b->len;
    *inbuf = 1;
    run = start;
    for (;;) {
        if (c->pos >= c->len)
            return jerr(c, start - 1, "unterminated string");
        if (s[c->pos] < 0x20)
            return jerr(c, c->pos, "control character 0x%02X in a string",
                        s[c->pos]);
        if (s[c->pos] != '"' && s[c->pos] != '\\') {
            c->pos++;
            continue;
        }
        if (c->pos > run && cw__buf_add(b, c->s + run, c->pos - run) != CW_OK)
            return CW_ENOMEM;
        if (s[c->pos] == '"')
            break;
        rc = unescape(c, b);
        if (rc != CW_OK)
            return rc;
        run = c->pos;
    }
    c->pos++;
    *len = b->len - *off;
    return CW_OK;
}

/* Check a JSON number at c->pos and store it as a view in 'sl'. */
static int parse_number(conv *c, slot *sl)
{
    const char *s = c->s;
    size_t start = c->pos, n = c->len;

#define DIGIT(i) ((i) < n && s[i] >= '0' && s[i] <= '9')
    if (c->pos < n && s[c->pos] == '-')
        c->pos++;
    if (c->pos < n && s[c->pos] == '0') {
        c->pos++;
    } else if (DIGIT(c->pos)) {
        while (DIGIT(c->pos))
            c->pos++;
    } else {
        return jerr(c, start, "invalid number");
    }
    if (c->pos < n && s[c->pos] == '.') {
        if (!DIGIT(c->pos + 1))
            return jerr(c, start, "invalid number");
        c->pos++;
        while (DIGIT(c->pos))
            c->pos++;
    }
    if (c->pos < n && (s[c->pos] == 'e' || s[c->pos] == 'E')) {
        c->pos++;
        if (c->pos < n && (s[c->pos] == '+' || s[c->pos] == '-'))
            c->pos++;
        if (!DIGIT(c->pos))
            return jerr(c, start, "invalid number");
        while (DIGIT(c->pos))
            c->pos++;
    }
#undef DIGIT
    *sl = (slot){s + start, 0, c->pos - start, S_VIEW};
    return CW_OK;
}

/*
** Parse the value at c->pos into 'sl'.  'key' and 'klen' name its key
** for messages.  Nested objects and arrays are refused.
*/
static int parse_value(conv *c, slot *sl, const char *key, size_t klen)
{
    const char *s = c->s + c->pos;
    size_t left = c->len - c->pos, off = 0, len = 0;
    const char *p = NULL;
    int inbuf, rc;
    int show = klen > SHOW ? SHOW : (int)klen;

    if (left == 0)
        return jerr(c, c->pos, "value expected for key \"%.*s\"", show, key);
    switch (*s) {
    case '"':
        rc = parse_string(c, &c->vals, &p, &off, &len, &inbuf);
        if (rc == CW_OK)
            *sl = (slot){p, off, len, inbuf ? S_BUF : S_VIEW};
        return rc;
    case '{':
    case '[':
        return jerr(c, c->pos,
                    "key \"%.*s\": nested objects and arrays are not "
                    "supported",
                    show, key);
    case 't':
    case 'f':
    case 'n':
        len = *s == 't' ? 4 : *s == 'f' ? 5 : 4;
        if (left < len || memcmp(s,
                                 *s == 't'   ? "true"
                                 : *s == 'f' ? "false"
                                             : "null",
                                 len) != 0)
            break;
        *sl = (slot){s, 0, len, *s == 'n' ? S_NULL : S_VIEW};
        c->pos += len;
        return CW_OK;
    default:
        if (*s == '-' || (*s >= '0' && *s <= '9'))
            return parse_number(c, sl);
        break;
    }
    return jerr(c, c->pos, "invalid value for key \"%.*s\"", show, key);
}

/* Append key 'k' of 'len' bytes to the header and store its index. */
static int add_name(conv *c, const char *k, size_t len, size_t at, size_t *idx)
{
    size_t cap = c->namecap, i;
    char **nn;
    size_t *nl;
    slot *ns;

    if (len == 0)
        return jerr(c, at, "empty key");
    if (memchr(k, '\0', len) != NULL)
        return jerr(c, at, "key contains a NUL character");
    for (i = 0; i < c->nnames; i++)
        if (c->namelens[i] == len && memcmp(c->names[i], k, len) == 0)
            return jerr(c, at, "duplicate key \"%.*s\"",
                        len > SHOW ? SHOW : (int)len, k);
    if (c->nnames == c->namecap) {
        cap = c->namecap;
        nn = cw__grow(c->names, &cap, c->nnames + 1, sizeof *nn);
        if (nn == NULL)
            return CW_ENOMEM;
        c->names = nn;
        cap = c->namecap;
        nl = cw__grow(c->namelens, &cap, c->nnames + 1, sizeof *nl);
        if (nl == NULL)
            return CW_ENOMEM;
        c->namelens = nl;
        cap = c->namecap;
        ns = cw__grow(c->slots, &cap, c->nnames + 1, sizeof *ns);
        if (ns == NULL)
            return CW_ENOMEM;
        c->slots = ns;
        c->namecap = cap;
    }
    c->names[c->nnames] = cw__strndup(k, len);
    if (c->names[c->nnames] == NULL)
        return CW_ENOMEM;
    c->namelens[c->nnames] = len;
    c->slots[c->nnames] = (slot){NULL, 0, 0, S_ABSENT};
    *idx = c->nnames++;
    return CW_OK;
}

/* Find key 'k' in the header, trying the key after the last one first. */
static int find_name(const conv *c, const char *k, size_t len, size_t *idx)
{
    size_t i = c->next;

    if (i < c->nnames && c->namelens[i] == len &&
        memcmp(c->names[i], k, len) == 0) {
        *idx = i;
        return 1;
    }
    for (i = 0; i < c->nnames; i++) {
        if (c->namelens[i] == len && memcmp(c->names[i], k, len) == 0) {
            *idx = i;
            return 1;
        }
    }
    return 0;
}

/*
** Parse the line 's' of 'len' bytes as one flat object into c->slots.
** 'header' 1 takes its keys as the header.  Returns CW_ROW for an
** object, CW_DONE for a blank line, or an error.
*/
static int parse_line(conv *c, const char *s, size_t len, int header)
{
    size_t bad, i, idx = 0, at, off = 0, klen = 0;
    const char *k = NULL;
    int inbuf, rc;

    c->s = s;
    c->len = len;
    c->pos = 0;
    if (c->line == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        c->pos = 3; /* a UTF-8 BOM */
    if (!cw__utf8_valid(s + c->pos, len - c->pos, &bad))
        return jerr(c, c->pos + bad, "invalid UTF-8");
    skip_ws(c);
    if (c->pos == len)
        return CW_DONE;
    if (s[c->pos] != '{')
        return jerr(c, c->pos, "a JSON object expected");
    c->pos++;
    c->vals.len = 0;
    c->next = 0;
    for (i = 0; i < c->nnames; i++)
        c->slots[i].state = S_ABSENT;
    skip_ws(c);
    if (c->pos < len && s[c->pos] == '}') {
        c->pos++;
        goto end;
    }
    for (;;) {
        at = c->pos;
        if (at >= len || s[at] != '"')
            return jerr(c, at, "a key string expected");
        c->key.len = 0;
        rc = parse_string(c, &c->key, &k, &off, &klen, &inbuf);
        if (rc != CW_OK)
            return rc;
        if (inbuf)
            k = c->key.p + off;
        skip_ws(c);
        if (c->pos >= len || s[c->pos] != ':')
            return jerr(c, c->pos, "':' expected after key \"%.*s\"",
                        klen > SHOW ? SHOW : (int)klen, k);
        c->pos++;
        skip_ws(c);
        if (header) {
            rc = add_name(c, k, klen, at, &idx);
            if (rc != CW_OK)
                return rc;
        } else if (!find_name(c, k, klen, &idx)) {
            return jerr(c, at,
                        "key \"%.*s\" is not in the header (the keys of "
                        "line %lu)",
                        klen > SHOW ? SHOW : (int)klen, k, c->hdrline);
        } else if (c->slots[idx].state != S_ABSENT) {
            return jerr(c, at, "duplicate key \"%.*s\"",
                        klen > SHOW ? SHOW : (int)klen, k);
        }
        c->next = idx + 1;
        rc = parse_value(c, &c->slots[idx], k, klen);
        if (rc != CW_OK)
            return rc;
        skip_ws(c);
        if (c->pos < len && s[c->pos] == ',') {
            c->pos++;
            skip_ws(c);
            continue;
        }
        if (c->pos < len && s[c->pos] == '}') {
            c->pos++;
            break;
        }
        return jerr(c, c->pos, "',' or '}' expected");
    }
end:
    skip_ws(c);
    if (c->pos != len)
        return jerr(c, c->pos, "unexpected text after the object");
    return CW_ROW;
}

/* Fill 'f' with the values of the line just parsed (absent and null are
** both null, written as empty fields). */
static void to_fields(const conv *c, cw_field *f)
{
    for (size_t i = 0; i < c->nnames; i++) {
        const slot *sl = &c->slots[i];

        if (sl->state == S_VIEW)
            f[i] = (cw_field){sl->p, sl->len};
        else if (sl->state == S_BUF)
            f[i] = (cw_field){c->vals.p + sl->off, sl->len};
        else
            f[i] = (cw_field){NULL, 0};
    }
}

/*
** Read the NDJSON file 'in' and write it as CSV to 'out': the first
** object's keys make the header.
*/
static int ndjson_to_csv(const char *in, const char *out,
                         unsigned long long *rows, cw_err *err)
{
    conv c = {.file = in, .err = err};
    lines lr = {.fd = -1};
    cw_field *f = NULL;
    cw_writer *w = NULL;
    unsigned long long n = 0;
    const char *s = NULL;
    size_t len = 0, i;
    int rc;

    lr.chunk = cw__alloc(CHUNK);
    if (lr.chunk == NULL) {
        rc = CW_ENOMEM;
        goto done;
    }
    lr.fd = open(in, O_RDONLY | O_CLOEXEC);
    if (lr.fd < 0) {
        rc = cw__fail(err, CW_EIO, "%s: %s", in, strerror(errno));
        goto done;
    }
    while ((rc = next_line(&lr, in, &s, &len, err)) == CW_ROW) {
        c.line = lr.lineno;
        rc = parse_line(&c, s, len, w == NULL);
        if (rc == CW_DONE)
            continue;
        if (rc != CW_ROW)
            goto done;
        if (w == NULL) {
            c.hdrline = c.line;
            if (c.nnames == 0) {
                rc = jerr(&c, 0, "the first object has no keys");
                goto done;
            }
            f = cw__alloc(c.nnames * sizeof *f);
            if (f == NULL) {
                rc = CW_ENOMEM;
                goto done;
            }
            rc = cw__writer_open(out, (const char *const *)c.names, c.nnames,
                                 NULL, &w, err);
            if (rc != CW_OK)
                goto done;
        }
        to_fields(&c, f);
        rc = cw__writer_write(w, f);
        if (rc != CW_OK) {
            cw__fail(err, rc, "%s", cw__writer_errmsg(w));
            goto done;
        }
        n++;
    }
    if (rc != CW_DONE)
        goto done;
    if (w == NULL) {
        rc = cw__fail(err, CW_EPARSE, "%s: no JSON object to take columns from",
                      in);
        goto done;
    }
    rc = cw__writer_commit(w);
    if (rc != CW_OK) {
        cw__fail(err, rc, "%s", cw__writer_errmsg(w));
        goto done;
    }
    *rows = n;

done:
    if (rc == CW_ENOMEM)
        cw__fail(err, rc, "%s: out of memory", in);
    cw__writer_close(w);
    if (lr.fd >= 0)
        close(lr.fd);
    cw__free(lr.chunk);
    cw__buf_free(&lr.acc);
    for (i = 0; i < c.nnames; i++)
        cw__free(c.names[i]);
    cw__free(c.names);
    cw__free(c.namelens);
    cw__free(c.slots);
    cw__buf_free(&c.vals);
    cw__buf_free(&c.key);
    cw__free(f);
    return rc;
}

/* ==== CSV to a database table ==== */

/* 1 when 'out' names a database target ("sqlite:...", "postgres:..." or
** a PostgreSQL URI). */
static int is_target(const char *out)
{
    return strncmp(out, "sqlite:", 7) == 0 ||
           strncmp(out, "postgres:", 9) == 0 || cw__target_pguri(out);
}

/*
** Read the CSV file 'in' into the table named after the last '#' of the
** database target 'out', every column as text.  The table is replaced in
** one transaction, so a failure leaves it as it was; any bad record
** aborts, as for NDJSON.
*/
static int csv_to_table(const char *in, const cw_dialect *d, const char *out,
                        unsigned long long *rows, cw_err *err)
{
    const char *hash = strrchr(out, '#');
    cw_input src = {NULL, NULL};
    cw_table db = {NULL, NULL};
    cw_sinkcol *cols = NULL;
    cw_field *f = NULL;
    char *target = NULL;
    unsigned long long n = 0;
    size_t ncols, nf, i;
    int rc;

    if (hash == NULL || hash[1] == '\0')
        return cw__fail(err, CW_EUSAGE,
                        "%s: name the table after '#' (e.g. "
                        "sqlite:out.db#people)",
                        out);
    if ((target = cw__strndup(out, (size_t)(hash - out))) == NULL)
        return cw__fail(err, CW_ENOMEM, "%s: out of memory", in);
    rc = cw__input_openspec(&(cw_inputspec){in, NULL, NULL, d}, 0, &src, err);
    if (rc != CW_OK)
        goto done;
    ncols = src.type->ncols(src.s);
    cols = cw__alloc((ncols ? ncols : 1) * sizeof *cols);
    f = cw__alloc((ncols ? ncols : 1) * sizeof *f);
    if (cols == NULL || f == NULL) {
        rc = cw__fail(err, CW_ENOMEM, "%s: out of memory", in);
        goto done;
    }
    for (i = 0; i < ncols; i++)
        cols[i] = (cw_sinkcol){src.type->colname(src.s, i), CW_T_TEXT, 0};
    rc = cw__table_open(target, hash + 1, cols, ncols, CW_MODE_REPLACE, &db,
                        err);
    if (rc != CW_OK)
        goto done;
    while ((rc = src.type->next(src.s)) == CW_ROW) {
        nf = src.type->nfields(src.s);
        for (i = 0; i < ncols; i++) {
            f[i] = (cw_field){NULL, 0};
            if (i < nf)
                f[i].p = src.type->field(src.s, i, &f[i].len);
        }
        rc = db.type->write(db.s, f, in, src.type->line(src.s));
        if (rc != CW_OK) {
            cw__fail(err, rc, "%s", db.type->errmsg(db.s));
            goto done;
        }
        n++;
    }
    if (rc != CW_DONE) {
        rc = cw__fail(err, rc == CW_EINVALID ? CW_EPARSE : rc, "%s",
                      src.type->errmsg(src.s));
        goto done;
    }
    rc = db.type->commit(db.s);
    if (rc != CW_OK) {
        cw__fail(err, rc, "%s", db.type->errmsg(db.s));
        goto done;
    }
    *rows = n;

done:
    cw__table_close(&db);
    cw__input_close(&src);
    cw__free(cols);
    cw__free(f);
    cw__free(target);
    return rc;
}

/* ==== Entry point ==== */

/*
** Convert 'in' to 'out' by their extensions (see crosswalk.h).  "-" as
** 'in' is standard input, read as CSV.  '*rows' is 0 unless it worked.
*/
int cw_convert(const char *in, const char *out, unsigned long long *rows,
               cw_err *err)
{
    return cw_convert_dialect(in, out, NULL, rows, err);
}

int cw_convert_dialect(const char *in, const char *out, const cw_dialect *d,
                       unsigned long long *rows, cw_err *err)
{
    unsigned long long n = 0;
    enum kind from, to;
    int rc;

    if (rows != NULL)
        *rows = 0;
    if (in == NULL || out == NULL)
        return cw__fail(err, CW_EUSAGE, "convert: input and output needed");
    if ((rc = cw__dialect_check(d, err)) != CW_OK)
        return rc;
    from = strcmp(in, "-") == 0 ? K_CSV : kind_of(in);
    if (from == K_NDJSON && !cw__dialect_plain(d))
        return cw__fail(err, CW_EUSAGE,
                        "%s: a delimiter, quote or encoding is for a CSV "
                        "input; NDJSON is read as UTF-8",
                        in);
    if (from == K_NDJSON && d != NULL && d->stray_quotes != 0)
        return cw__fail(err, CW_EUSAGE,
                        "%s: stray quotes (keep or reject) are for a CSV "
                        "input, not NDJSON",
                        in);
    if (is_target(out) && from == K_CSV) {
        rc = csv_to_table(in, d, out, &n, err);
        if (rc == CW_OK && rows != NULL)
            *rows = n;
        return rc;
    }
    to = kind_of(out);
    if (from == K_CSV && to == K_NONE && cw__target_conninfo(out))
        return cw__target_refuse(err, out,
                                 "sqlite:PATH#TABLE, postgres:CONNINFO#TABLE "
                                 "or postgresql://...#TABLE");
    if (from == K_NONE || to == K_NONE || from == to)
        return cw__fail(err, CW_EUSAGE,
                        "cannot convert %s to %s: supported are .csv to "
                        ".ndjson or .jsonl, .ndjson or .jsonl to .csv, and "
                        ".csv to sqlite:PATH#TABLE or "
                        "postgres:CONNINFO#TABLE",
                        in, out);
    if (from == K_CSV)
        rc = csv_to_ndjson(in, d, out, &n, err);
    else
        rc = ndjson_to_csv(in, out, &n, err);
    if (rc == CW_OK && rows != NULL)
        *rows = n;
    return rc;
}
