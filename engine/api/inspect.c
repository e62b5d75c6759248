/*
** inspect.c -- what a CSV file is: its dialect (delimiter and quote
** sniffed from the first lines), encoding, line endings and row count, and
** which schema its header matches; and the schemas themselves, listed and
** described.  Owns copies of everything it reports; borrows nothing.
*/
#include "api/home.h"
#include "core/cw.h"

#include "core/node.h"
#include "csv/csvread.h"
#include "csv/decode.h"
#include "lua/luabridge.h"
#include "values/schema.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEAD_SIZE (64u * 1024) /* bytes sniffed, and bytes per read(2) */
#define SNIFF_RECS 50          /* records looked at to sniff the delimiter */
#define UTF16_PROBE 1024       /* bytes looked at for NUL patterns */
#define NCANDS 3               /* candidates kept */

/* ==== Strings ==== */

/* A growable array of owned strings.  Zero-initialise it. */
typedef struct strvec {
    char **v;   /* the strings */
    size_t n;   /* used */
    size_t cap; /* allocated */
} strvec;

/* Append a copy of the 'len' bytes at 's'.  CW_OK or CW_ENOMEM. */
static int addstr(strvec *sv, const char *s, size_t len)
{
    char **v = cw__grow(sv->v, &sv->cap, sv->n + 1, sizeof *sv->v);
    char *p;

    if (v == NULL)
        return CW_ENOMEM;
    sv->v = v;
    if ((p = cw__strndup(s, len)) == NULL)
        return CW_ENOMEM;
    sv->v[sv->n++] = p;
    return CW_OK;
}

static void strvec_free(strvec *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        cw__free(sv->v[i]);
    cw__free(sv->v);
    *sv = (strvec){0};
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ==== Finding and loading schemas ==== */

/*
** The names ("tool/format") of every HOME/schemas/<tool>/<format>.lua,
** sorted, appended to 'names'.  CW_EUSAGE when 'home'/schemas cannot be
** opened.
*/
static int list_names(const char *home, strvec *names, cw_err *err)
{
    cw_buf dir = {0}, sub = {0};
    struct dirent *e, *g;
    DIR *d, *t;
    int rc = CW_OK;

    if (cw__buf_printf(&dir, "%s/schemas", home) != CW_OK)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    if ((d = opendir(dir.p)) == NULL) {
        rc = cw__fail(err, CW_EUSAGE, "%s: cannot list schemas: %s", dir.p,
                      strerror(errno));
        cw__buf_free(&dir);
        return rc;
    }
    while (rc == CW_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        sub.len = 0;
        if (cw__buf_printf(&sub, "%s/%s", dir.p, e->d_name) != CW_OK) {
            rc = cw__fail(err, CW_ENOMEM, "out of memory");
            break;
        }
        if ((t = opendir(sub.p)) == NULL)
            continue; /* a plain file in schemas/ */
        while (rc == CW_OK && (g = readdir(t)) != NULL) {
            size_t len = strlen(g->d_name);
            cw_buf name = {0};

            if (g->d_name[0] == '.' || len < 5 ||
                strcmp(g->d_name + len - 4, ".lua") != 0)
                continue;
            if (cw__buf_printf(&name, "%s/%.*s", e->d_name, (int)(len - 4),
                               g->d_name) != CW_OK ||
                addstr(names, name.p, name.len) != CW_OK)
                rc = cw__fail(err, CW_ENOMEM, "out of memory");
            cw__buf_free(&name);
        }
        closedir(t);
    }
    closedir(d);
    cw__buf_free(&dir);
    cw__buf_free(&sub);
    if (rc == CW_OK && names->n > 1)
        qsort(names->v, names->n, sizeof *names->v, cmpstr);
    return rc;
}

/* ==== Reading: the head, the byte scan and the parser's source ==== */

/*
** What the raw bytes say, scanned once as the parser pulls them: line
** endings outside quoted fields, and the first line with bytes that are
** not UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
*/
typedef struct bscan {
    unsigned char quote;     /* the sniffed quote character */
    int inq;                 /* inside a quoted field */
    int cr;                  /* last byte was CR: 1 outside quotes, 2 in */
    unsigned long line;      /* physical line of the next byte (1-based) */
    unsigned long long lf;   /* LF line ends outside quotes */
    unsigned long long crlf; /* CRLF line ends outside quotes */
    unsigned long long crs;  /* lone CR line ends outside quotes */
    int need;                /* UTF-8 continuation bytes still expected */
    unsigned char lo, hi;    /* the range of the next continuation byte */
    unsigned long badline;   /* first line with invalid UTF-8, 0 none */
} bscan;

static void bad_utf8(bscan *s)
{
    if (s->badline == 0)
        s->badline = s->line;
    s->need = 0;
}

/* Start a UTF-8 sequence with the byte 'c' (>= 0x80). */
static void lead(bscan *s, unsigned char c)
{
    s->lo = 0x80;
    s->hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        s->need = 1;
    else if (c >= 0xE0 && c <= 0xEF)
        s->need = 2;
    else if (c >= 0xF0 && c <= 0xF4)
        s->need = 3;
    else
        bad_utf8(s);
    if (c == 0xE0)
        s->lo = 0xA0; /* no overlongs */
    else if (c == 0xED)
        s->hi = 0x9F; /* no surrogates */
    else if (c == 0xF0)
        s->lo = 0x90; /* no overlongs */
    else if (c == 0xF4)
        s->hi = 0x8F; /* nothing past U+10FFFF */
}

/* Scan the 'n' bytes at 'p', continuing from the state in 's'. */
static void scan_bytes(bscan *s, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];

        if (s->need > 0 && c >= s->lo && c <= s->hi) {
            s->need--;
            s->lo = 0x80;
            s->hi = 0xBF;
            continue; /* a continuation byte is neither quote nor CR/LF */
        }
        if (s->need > 0)
            bad_utf8(s); /* and 'c' starts afresh */
        if (c >= 0x80) {
            lead(s, c);
            continue;
        }
        if (s->cr != 0) {
            int was = s->cr;

            s->cr = 0;
            if (c == '\n') {
                s->crlf += was == 1;
                continue; /* the line was counted at the CR */
            }
            s->crs += was == 1;
        }
        if (c == '\n') {
            s->line++;
            s->lf += !s->inq;
        } else if (c == '\r') {
            s->line++;
            s->cr = s->inq ? 2 : 1;
        } else if (c == s->quote) {
            s->inq = !s->inq;
        }
    }
}

/* End of input: a cut UTF-8 sequence is invalid, a last CR ends a line. */
static void scan_end(bscan *s)
{
    if (s->need > 0)
        bad_utf8(s);
    s->crs += s->cr == 1;
    s->cr = 0;
}

/* The line-ending style counted by 's'.  Static storage. */
static const char *endings(const bscan *s)
{
    int kinds = (s->lf > 0) + (s->crlf > 0) + (s->crs > 0);

    if (kinds > 1)
        return "mixed";
    if (s->crlf > 0)
        return "CRLF";
    if (s->lf > 0)
        return "LF";
    return s->crs > 0 ? "CR" : "none";
}

/* The file being inspected, as a cw_read_fn source for the parser: the
** head already read, then the rest, every byte scanned on the way.  In
** another encoding, the bytes read, scanned and sniffed are those its
** decoder gives, in UTF-8. */
typedef struct src {
    const char *path;   /* as given, for messages */
    int fd;             /* the file, or 0 for stdin */
    int ownfd;          /* 1 when 'fd' is ours to close */
    unsigned char *buf; /* HEAD_SIZE bytes */
    size_t nhead;       /* bytes of the head in 'buf' */
    int whole;          /* 1 when the head is the whole file */
    int served;         /* 1 once the head went to the parser */
    bscan scan;         /* the byte scan */
    cw_dec *dec;        /* the decoder, for another encoding, or NULL */
    unsigned char *raw; /* its source's read buffer, HEAD_SIZE bytes */
    const char *dchunk; /* the decoder's last chunk, borrowed */
    size_t dlen;        /* its size */
    size_t dpos;        /* bytes of it used */
    int rc;             /* the status of a failed read */
} src;

/* read(2) into 'p' until 'n' bytes or end of file: bytes read, or -1. */
static long readfull(int fd, unsigned char *p, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);

        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (long)got;
}

/* cw_read_fn of the decoder's source: the file, HEAD_SIZE bytes a read. */
static const char *raw_read(void *ud, size_t *len, cw_err *err)
{
    src *s = ud;
    long n = readfull(s->fd, s->raw, HEAD_SIZE);

    if (n < 0) {
        cw__fail(err, CW_EIO, "read error: %s", strerror(errno));
        return NULL;
    }
    *len = (size_t)n;
    return (const char *)s->raw;
}

/* Up to 'n' bytes into 'p': from the file, or from its decoder until 'n'
** or the end.  Bytes read, or -1 with the problem in 'err' (its status in
** s->rc). */
static long src_fill(src *s, unsigned char *p, size_t n, cw_err *err)
{
    size_t got = 0;
    long k;

    if (s->dec == NULL) {
        if ((k = readfull(s->fd, p, n)) < 0) {
            s->rc = CW_EIO;
            cw__fail(err, CW_EIO, "%s: read error: %s", s->path,
                     strerror(errno));
        }
        return k;
    }
    while (got < n) {
        size_t take;

        if (s->dpos == s->dlen) {
            cw_err e;
            const char *c = cw__dec_read(s->dec, &s->dlen, &e);

            if (c == NULL) {
                s->dlen = s->dpos = 0;
                s->rc = e.code;
                cw__fail(err, e.code, "%s: %s", s->path, e.msg);
                return -1;
            }
            s->dchunk = c;
            s->dpos = 0;
            if (s->dlen == 0)
                break;
        }
        take = s->dlen - s->dpos < n - got ? s->dlen - s->dpos : n - got;
        memcpy(p + got, s->dchunk + s->dpos, take);
        s->dpos += take;
        got += take;
    }
    return (long)got;
}

/* cw_read_fn over a 'src': the head first, then chunks of HEAD_SIZE. */
static const char *src_read(void *ud, size_t *len, cw_err *err)
{
    src *s = ud;
    long n;

    if (!s->served) {
        s->served = 1;
        *len = s->nhead;
        return (const char *)s->buf;
    }
    *len = 0;
    if (s->whole)
        return (const char *)s->buf;
    n = src_fill(s, s->buf, HEAD_SIZE, err);
    if (n < 0)
        return NULL;
    if (n == 0)
        s->whole = 1;
    scan_bytes(&s->scan, s->buf, (size_t)n);
    *len = (size_t)n;
    return (const char *)s->buf;
}

/* Open 'path' ("-": stdin) and read its head, through a decoder from 'enc'
** when it is not UTF-8.  CW_EIO when unreadable; the decoder's failures
** (CW_EPARSE: an Excel workbook, a byte order mark that does not fit). */
static int src_open(src *s, const char *path, const char *enc, cw_err *err)
{
    struct stat st;
    long n;
    int rc;

    *s = (src){.path = path, .fd = -1, .scan = {.line = 1}};
    if (strcmp(path, "-") == 0) {
        s->fd = 0;
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0)
            return cw__fail(err, CW_EIO, "%s: %s", path, strerror(errno));
        s->ownfd = 1;
        if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode))
            return cw__fail(err, CW_EIO, "%s: %s", path, strerror(EISDIR));
    }
    s->buf = cw__alloc(HEAD_SIZE);
    if (s->buf == NULL)
        return cw__fail(err, CW_ENOMEM, "%s: out of memory", path);
    if (!cw__dec_isutf8(enc)) {
        if ((s->raw = cw__alloc(HEAD_SIZE)) == NULL)
            return cw__fail(err, CW_ENOMEM, "%s: out of memory", path);
        if ((rc = cw__dec_new(enc, raw_read, s, &s->dec, err)) != CW_OK)
            return rc;
    }
    n = src_fill(s, s->buf, HEAD_SIZE, err);
    if (n < 0)
        return s->rc;
    s->nhead = (size_t)n;
    s->whole = s->nhead < HEAD_SIZE;
    return CW_OK;
}

static void src_close(src *s)
{
    if (s->ownfd && s->fd >= 0)
        close(s->fd);
    cw__dec_free(s->dec);
    cw__free(s->raw);
    cw__free(s->buf);
    s->buf = s->raw = NULL;
    s->dec = NULL;
    s->fd = -1;
}

/* ==== Sniffing ==== */

static const char delims[] = {',', ';', '\t', '|'}; /* in order of priority */
#define NDELIMS (sizeof delims)

/*
** Refuse an Excel workbook, and a UTF-16 or UTF-32 file read as UTF-8: by
** its byte order mark, or, without one, by the NUL bytes that ASCII text
** has in those encodings.  CW_OK or CW_EPARSE with a message saying what
** to do.
*/
static int check_wide(const unsigned char *h, size_t n, const char *path,
                      cw_err *err)
{
    const char *enc = NULL, *kind = cw__dec_workbook(h, n);
    size_t z[4] = {0}, m = n < UTF16_PROBE ? n : UTF16_PROBE, q;

    if (kind != NULL)
        return cw__fail(err, CW_EPARSE, "%s: " CW_WORKBOOK_FMT, path, kind);

    if (n >= 4 && h[0] == 0 && h[1] == 0 && h[2] == 0xFE && h[3] == 0xFF)
        enc = "UTF-32BE";
    else if (n >= 4 && h[0] == 0xFF && h[1] == 0xFE && h[2] == 0 && h[3] == 0)
        enc = "UTF-32LE";
    else if (n >= 2 && h[0] == 0xFF && h[1] == 0xFE)
        enc = "UTF-16LE";
    else if (n >= 2 && h[0] == 0xFE && h[1] == 0xFF)
        enc = "UTF-16BE";
    if (enc != NULL)
        return cw__fail(err, CW_EPARSE,
                        "%s: the file is %s (it starts with a %s byte order "
                        "mark), not UTF-8: read it with --encoding %.6s",
                        path, enc, enc, enc);
    m -= m % 4;
    for (size_t i = 0; i < m; i++)
        z[i % 4] += h[i] == 0;
    q = m / 4;
    if (q < 2)
        return CW_OK;
    if (z[1] * 4 >= q * 3 && z[2] * 4 >= q * 3 && z[3] * 4 >= q * 3)
        enc = "UTF-32LE";
    else if (z[0] * 4 >= q * 3 && z[1] * 4 >= q * 3 && z[2] * 4 >= q * 3)
        enc = "UTF-32BE";
    else if ((z[1] + z[3]) * 4 >= q * 2 * 3 && (z[0] + z[2]) * 4 < q * 2)
        enc = "UTF-16LE";
    else if ((z[0] + z[2]) * 4 >= q * 2 * 3 && (z[1] + z[3]) * 4 < q * 2)
        enc = "UTF-16BE";
    if (enc != NULL)
        return cw__fail(err, CW_EPARSE,
                        "%s: the file looks like %s without a byte order "
                        "mark (NUL bytes between the characters), not "
                        "UTF-8: read it with --encoding %s",
                        path, enc, enc);
    return CW_OK;
}

/* 1 when 'c' may stand next to a quote that opens or closes a field. */
static int edge(unsigned char c)
{
    return c == '\n' || c == '\r' || memchr(delims, c, NDELIMS) != NULL;
}

/*
** The quote character of the 'n' bytes at 'p': a single quote when
** fields open and close with one and none opens with a double quote;
** else the double quote.
*/
static char sniff_quote(const unsigned char *p, size_t n)
{
    unsigned long opens[2] = {0}, closes[2] = {0};
    static const unsigned char qs[2] = {'"', '\''};

    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 2; k++) {
            if (p[i] != qs[k])
                continue;
            opens[k] += i == 0 || edge(p[i - 1]);
            closes[k] += i + 1 == n || edge(p[i + 1]);
        }
    return opens[1] > 0 && closes[1] > 0 && opens[0] == 0 ? '\'' : '"';
}

/*
** The delimiter of the 'n' bytes at 'p' ('whole': they are the whole
** file, else the last line may be cut and is not looked at), with quote
** 'q'.  Count each candidate outside quotes in the first SNIFF_RECS
** records; among the candidates the header has, prefer the one whose
** count is the header's in the most records, then the one the header has
** most of, then the order , ; TAB |.  No candidate in the header: ','.
*/
static char sniff_delim(const unsigned char *p, size_t n, int whole, char q)
{
    unsigned long cnt[NDELIMS] = {0}, hdr[NDELIMS] = {0};
    unsigned long agree[NDELIMS] = {0};
    size_t nrec = 0, reclen = 0;
    int inq = 0, best = -1;

    for (size_t i = 0; i <= n && nrec < SNIFF_RECS; i++) {
        unsigned char c = i < n ? p[i] : '\n';

        if (i == n && !whole)
            break;
        if (!inq && (c == '\n' || c == '\r')) {
            for (size_t k = 0; reclen > 0 && k < NDELIMS; k++) {
                if (nrec == 0)
                    hdr[k] = cnt[k];
                else
                    agree[k] += cnt[k] == hdr[k];
                cnt[k] = 0;
            }
            nrec += reclen > 0;
            reclen = 0;
            continue;
        }
        reclen++;
        if (c == (unsigned char)q)
            inq = !inq;
        else if (!inq)
            for (size_t k = 0; k < NDELIMS; k++)
                cnt[k] += c == (unsigned char)delims[k];
    }
    for (int k = 0; k < (int)NDELIMS; k++) {
        if (hdr[k] == 0)
            continue;
        if (best < 0 || agree[k] > agree[best] ||
            (agree[k] == agree[best] && hdr[k] > hdr[best]))
            best = k;
    }
    return best < 0 ? ',' : delims[best];
}

/* ==== Matching the header against the schemas ==== */

/* How well one schema knows the header. */
typedef struct cand {
    const cw_schema *s; /* the schema */
    cw_fit f;           /* how well it knows the header */
} cand;

/* Ranking: the best fit first, then by name. */
static int cmpcand(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    int c = cw__fit_cmp(&a->f, &b->f);

    return c != 0 ? c : strcmp(a->s->name, b->s->name);
}

/* ==== Inspection ==== */

/* A kept candidate: the numbers of a 'cand' and a copy of the name. */
typedef struct kept {
    char *name;              /* "tool/format" */
    int ok;                  /* matches */
    size_t recognised;       /* header columns it knows */
    size_t missing;          /* its columns absent */
    size_t missing_required; /* of those, required */
    size_t unexpected;       /* header columns it does not know */
} kept;

struct cw_inspection {
    char *file;                  /* path as given */
    char *encoding;              /* the encoding as reported, owned */
    char *hint;                  /* what to try, or NULL */
    char delim;                  /* sniffed delimiter */
    char quote;                  /* sniffed quote */
    int bom;                     /* a UTF-8 BOM leads */
    unsigned long badline;       /* first line with invalid UTF-8 */
    const char *endings;         /* static */
    unsigned long long rows;     /* data records */
    unsigned long long bad_rows; /* of those, bad ones */
    char *problem;               /* the first bad row's message, or NULL */
    strvec cols;                 /* header names */
    kept cands[NCANDS];          /* best first */
    size_t ncands;               /* used in 'cands' */
    char *title;                 /* title of the closest, or NULL */
    strvec missing;              /* columns of the closest not in the file */
    unsigned char *missreq;      /* per missing column: 1 when required */
    strvec unexpected;           /* file columns the closest does not know */
    int exact;                   /* the header is exactly the schema's */
};

void cw_inspect_free(cw_inspection *x)
{
    if (x == NULL)
        return;
    cw__free(x->file);
    cw__free(x->encoding);
    cw__free(x->hint);
    cw__free(x->problem);
    strvec_free(&x->cols);
    for (size_t i = 0; i < x->ncands; i++)
        cw__free(x->cands[i].name);
    cw__free(x->title);
    strvec_free(&x->missing);
    cw__free(x->missreq);
    strvec_free(&x->unexpected);
    cw__free(x);
}

/*
** Read the file of 's' with the sniffed dialect and the stray quotes of
** 'd': the header into x->cols, the records counted (bad ones too, the
** first one's message kept).  Returns CW_OK, or the parser's error with
** its message in 'err'.
*/
static int parse(cw_inspection *x, src *s, const cw_dialect *d, cw_err *err)
{
    cw_csvopts o;
    cw_csv *r;
    int rc;

    cw__csvopts_default(&o);
    cw__csvopts_dialect(&o, &(cw_dialect){.stray_quotes = d->stray_quotes});
    o.delim = x->delim;
    o.quote = x->quote;
    o.decoded = s->dec != NULL ? cw__dec_name(s->dec) : NULL;
    rc = cw__csv_open(x->file, src_read, s, &o, &r, err);
    if (rc != CW_OK)
        return rc;
    if ((rc = cw__csv_header(r)) != CW_OK)
        cw__fail(err, rc, "%s", cw__csv_errmsg(r));
    if (rc == CW_OK) {
        char hint[200];

        if (cw__csv_hint(r, hint, sizeof hint)[0] != '\0' &&
            (x->hint = cw__strdup(hint)) == NULL)
            rc = cw__fail(err, CW_ENOMEM, "%s: out of memory", x->file);
    }
    for (size_t i = 0; rc == CW_OK && i < cw__csv_ncols(r); i++) {
        const char *c = cw__csv_colname(r, i);

        if (addstr(&x->cols, c, strlen(c)) != CW_OK)
            rc = cw__fail(err, CW_ENOMEM, "%s: out of memory", x->file);
    }
    while (rc == CW_OK) {
        int st = cw__csv_next(r);

        if (st == CW_DONE)
            break;
        if (st == CW_ROW || st == CW_EINVALID) {
            x->rows++;
            if (st == CW_ROW)
                continue;
            if (x->bad_rows++ == 0 &&
                (x->problem = cw__strdup(cw__csv_errmsg(r))) == NULL)
                rc = cw__fail(err, CW_ENOMEM, "%s: out of memory", x->file);
            continue;
        }
        /* A wrong delimiter given makes quotes stray: say so (the reader
        ** says when a stray quote may be data instead). */
        rc = cw__fail(err, st, "%s%s%s", cw__csv_errmsg(r),
                      x->hint != NULL ? "; " : "",
                      x->hint != NULL ? x->hint : "");
    }
    cw__csv_close(r);
    return rc;
}

/* Load every schema named in 'names' that loads; CW_ENOMEM and a sandbox
** limit (CW_ELIMIT: a schema file that loops or grows without end) are
** fatal, other failures skip the schema. */
static int load_all(const char *home, const strvec *names, cw_schema ***out,
                    size_t *n, cw_err *err)
{
    cw_schema **v = cw__alloc((names->n ? names->n : 1) * sizeof *v);

    *n = 0;
    *out = v;
    if (v == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < names->n; i++) {
        cw_err e;
        int rc = cw__schema_load(home, names->v[i], &v[*n], &e);

        if (rc == CW_OK)
            (*n)++;
        else if (rc == CW_ENOMEM || rc == CW_ELIMIT)
            return cw__errcopy(err, &e);
    }
    return CW_OK;
}

/* Rank the 'n' schemas 'v' against the header of 'x' and keep the best
** NCANDS with the diff of the first.  CW_OK or CW_ENOMEM. */
static int rank(cw_inspection *x, cw_schema *const *v, size_t n)
{
    size_t most = 1, nc = x->cols.n;
    unsigned char *taken = NULL, *known = NULL;
    cand *c = NULL;
    const cw_schema *b;
    int rc = CW_ENOMEM;

    if (n == 0)
        return CW_OK;
    for (size_t i = 0; i < n; i++)
        most = v[i]->ncols > most ? v[i]->ncols : most;
    taken = cw__alloc(most);
    known = cw__alloc(nc ? nc : 1);
    c = cw__alloc(n * sizeof *c);
    if (taken == NULL || known == NULL || c == NULL)
        goto done;
    for (size_t i = 0; i < n; i++) {
        c[i].s = v[i];
        cw__schema_fit(v[i], (const char *const *)x->cols.v, nc, taken, NULL,
                       &c[i].f);
    }
    qsort(c, n, sizeof *c, cmpcand);
    for (size_t i = 0; i < n && i < NCANDS; i++) {
        kept *k = &x->cands[i];

        if ((k->name = cw__strdup(c[i].s->name)) == NULL)
            goto done;
        x->ncands = i + 1;
        k->ok = c[i].f.ok;
        k->recognised = c[i].f.recognised;
        k->missing = c[i].f.missing;
        k->missing_required = c[i].f.missing_required;
        k->unexpected = c[i].f.unexpected;
    }
    b = c[0].s;
    if ((x->title = cw__strdup(b->title)) == NULL)
        goto done;
    cw__schema_fit(b, (const char *const *)x->cols.v, nc, taken, known,
                   &c[0].f);
    x->missreq = cw__alloc(b->ncols);
    if (x->missreq == NULL)
        goto done;
    for (size_t k = 0; k < b->ncols; k++) {
        if (taken[k])
            continue;
        x->missreq[x->missing.n] = (unsigned char)b->cols[k].required;
        if (addstr(&x->missing, b->cols[k].name, strlen(b->cols[k].name)))
            goto done;
    }
    for (size_t i = 0; i < nc; i++)
        if (!known[i] &&
            addstr(&x->unexpected, x->cols.v[i], strlen(x->cols.v[i])))
            goto done;
    x->exact = c[0].f.ok && c[0].f.missing == 0 && c[0].f.unexpected == 0;
    rc = CW_OK;
done:
    cw__free(taken);
    cw__free(known);
    cw__free(c);
    return rc;
}

/* The encoding as cw_inspectinfo reports it, and the hint for invalid
** UTF-8 when there is none yet.  CW_OK or CW_ENOMEM. */
static int settle_encoding(cw_inspection *x, const src *s)
{
    cw_buf b = {0};
    int rc;

    rc = cw__buf_printf(&b, "%s%s%s", x->badline != 0 ? "invalid " : "",
                        s->dec != NULL ? cw__dec_name(s->dec) : "UTF-8",
                        x->bom ? " with BOM" : "");
    if (rc != CW_OK)
        return rc;
    x->encoding = b.p;
    if (x->hint != NULL || x->badline == 0 || s->dec != NULL)
        return CW_OK;
    b = (cw_buf){0};
    rc = cw__buf_printf(&b,
                        "some bytes are not UTF-8 (the first on line %lu): "
                        "if the file is Latin-1 or Windows-1252, read it with "
                        "--encoding windows-1252",
                        x->badline);
    x->hint = b.p;
    return rc;
}

int cw_inspect_new(const char *home, const char *path, cw_inspection **out,
                   cw_err *err)
{
    return cw_inspect_new_dialect(home, path, NULL, out, err);
}

int cw_inspect_new_dialect(const char *home, const char *path,
                           const cw_dialect *d, cw_inspection **out,
                           cw_err *err)
{
    static const cw_dialect none = {0};
    cw_inspection *x;
    strvec names = {0};
    cw_schema **v = NULL;
    size_t nv = 0, skip = 0;
    src s = {.fd = -1};
    int rc;

    *out = NULL;
    if (d == NULL)
        d = &none;
    if ((rc = cw__dialect_check(d, err)) != CW_OK)
        return rc;
    if (home == NULL)
        home = cw__home();
    x = cw__alloc(sizeof *x);
    if (x == NULL)
        return cw__fail(err, CW_ENOMEM, "%s: out of memory", path);
    *x = (cw_inspection){.delim = ',', .quote = '"'};
    if ((x->file = cw__strdup(path)) == NULL) {
        rc = cw__fail(err, CW_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    if ((rc = list_names(home, &names, err)) != CW_OK ||
        (rc = src_open(&s, path, d->encoding, err)) != CW_OK ||
        (s.dec == NULL &&
         (rc = check_wide(s.buf, s.nhead, path, err)) != CW_OK))
        goto done;
    if (s.nhead >= 3 && s.buf[0] == 0xEF && s.buf[1] == 0xBB &&
        s.buf[2] == 0xBF)
        skip = 3;
    x->bom = skip > 0 || (s.dec != NULL && cw__dec_bom(s.dec));
    x->quote =
        d->quote != 0 ? d->quote : sniff_quote(s.buf + skip, s.nhead - skip);
    x->delim = d->delimiter != 0 ? d->delimiter
                                 : sniff_delim(s.buf + skip, s.nhead - skip,
                                               s.whole, x->quote);
    s.scan.quote = (unsigned char)x->quote;
    scan_bytes(&s.scan, s.buf + skip, s.nhead - skip);
    if ((rc = parse(x, &s, d, err)) != CW_OK)
        goto done;
    scan_end(&s.scan);
    x->badline = s.scan.badline;
    x->endings = endings(&s.scan);
    if ((rc = settle_encoding(x, &s)) != CW_OK) {
        cw__fail(err, rc, "%s: out of memory", path);
        goto done;
    }
    src_close(&s);
    if ((rc = load_all(home, &names, &v, &nv, err)) != CW_OK)
        goto done;
    if ((rc = rank(x, v, nv)) != CW_OK)
        cw__fail(err, rc, "%s: out of memory", path);
done:
    src_close(&s);
    for (size_t i = 0; i < nv; i++)
        cw__schema_free(v[i]);
    cw__free(v);
    strvec_free(&names);
    if (rc != CW_OK) {
        cw_inspect_free(x);
        return rc;
    }
    *out = x;
    return CW_OK;
}

void cw_inspect_info(const cw_inspection *x, cw_inspectinfo *out)
{
    *out = (cw_inspectinfo){0};
    out->file = x->file;
    out->delimiter = x->delim;
    out->quote = x->quote;
    out->encoding = x->encoding;
    out->bad_utf8_line = x->badline;
    out->bom = x->bom;
    out->line_endings = x->endings;
    out->rows = x->rows;
    out->bad_rows = x->bad_rows;
    out->first_problem = x->problem;
    out->ncolumns = x->cols.n;
    out->closest = x->ncands > 0 ? x->cands[0].name : NULL;
    out->schema = x->ncands > 0 && x->cands[0].ok ? x->cands[0].name : NULL;
    out->title = x->title;
    out->exact = x->exact;
    out->nmissing = x->missing.n;
    out->nunexpected = x->unexpected.n;
    out->ncandidates = x->ncands;
}

const char *cw_inspect_column(const cw_inspection *x, size_t i)
{
    return i < x->cols.n ? x->cols.v[i] : NULL;
}

const char *cw_inspect_hint(const cw_inspection *x)
{
    return x->hint;
}

const char *cw_inspect_missing(const cw_inspection *x, size_t i, int *required)
{
    if (i >= x->missing.n)
        return NULL;
    if (required != NULL)
        *required = x->missreq[i];
    return x->missing.v[i];
}

const char *cw_inspect_unexpected(const cw_inspection *x, size_t i)
{
    return i < x->unexpected.n ? x->unexpected.v[i] : NULL;
}

int cw_inspect_candidate(const cw_inspection *x, size_t i, cw_inspectcand *out)
{
    const kept *k;

    *out = (cw_inspectcand){0};
    if (i >= x->ncands)
        return CW_EUSAGE;
    k = &x->cands[i];
    out->schema = k->name;
    out->matches = k->ok;
    out->recognised = k->recognised;
    out->missing = k->missing;
    out->missing_required = k->missing_required;
    out->unexpected = k->unexpected;
    out->score = x->cols.n ? (double)k->recognised / (double)x->cols.n : 0;
    return CW_OK;
}

/* ==== Schema sets ==== */

/* One schema of a set: loaded, or the reason it is not. */
typedef struct entry {
    char *name;   /* "tool/format" */
    char *error;  /* why it did not load, or NULL */
    int status;   /* its status then (CW_ELIMIT: a sandbox limit) */
    cw_schema *s; /* the schema, or NULL */
    char **docs;  /* per column: its doc line, or NULL */
} entry;

struct cw_schemaset {
    entry *v; /* schemas, sorted by name */
    size_t n; /* used */
};

void cw_schemaset_free(cw_schemaset *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n; i++) {
        entry *e = &set->v[i];

        for (size_t c = 0; e->docs != NULL && c < e->s->ncols; c++)
            cw__free(e->docs[c]);
        cw__free(e->docs);
        cw__schema_free(e->s);
        cw__free(e->name);
        cw__free(e->error);
    }
    cw__free(set->v);
    cw__free(set);
}

/*
** The 'doc' lines of the columns of the schema in entry 'e' (loaded),
** read from its file again: the schema itself does not keep them.
** CW_OK (a file that no longer loads leaves no docs) or CW_ENOMEM.
*/
static int load_docs(const char *home, entry *e, cw_err *err)
{
    const cw_node *cols;
    cw_node *n = NULL;
    cw_lua *x = NULL;
    cw_buf path = {0};
    cw_err e2;
    int rc;

    e->docs = cw__alloc(e->s->ncols * sizeof *e->docs);
    if (e->docs == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    memset(e->docs, 0, e->s->ncols * sizeof *e->docs);
    if (cw__buf_printf(&path, "%s/schemas/%s.lua", home, e->name) != CW_OK)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    rc = cw__lua_open(NULL, NULL, &x, &e2);
    if (rc == CW_OK)
        rc = cw__lua_loadfile(x, path.p, NULL, 0, &n, &e2);
    cols = rc == CW_OK ? cw__node_get(n, "columns") : NULL;
    for (size_t c = 0; cols != NULL && c < cols->narr && c < e->s->ncols; c++) {
        const char *d = cw__node_str(cols->arr[c], "doc", NULL);
        const char *name = cw__node_str(cols->arr[c], "name", "");

        if (d == NULL || strcmp(name, e->s->cols[c].name) != 0)
            continue;
        if ((e->docs[c] = cw__strdup(d)) == NULL)
            rc = CW_ENOMEM;
    }
    cw__node_free(n);
    cw__lua_close(x);
    cw__buf_free(&path);
    if (rc == CW_ENOMEM)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    return CW_OK;
}

int cw_schemaset_new(const char *home, const char *name, cw_schemaset **out,
                     cw_err *err)
{
    cw_schemaset *set;
    strvec names = {0};
    int rc = CW_OK;

    *out = NULL;
    if (home == NULL)
        home = cw__home();
    set = cw__alloc(sizeof *set);
    if (set == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    *set = (cw_schemaset){0};
    if (name != NULL) {
        if (addstr(&names, name, strlen(name)) != CW_OK)
            rc = cw__fail(err, CW_ENOMEM, "out of memory");
    } else {
        rc = list_names(home, &names, err);
    }
    if (rc == CW_OK &&
        (set->v = cw__alloc((names.n ? names.n : 1) * sizeof *set->v)) == NULL)
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; rc == CW_OK && i < names.n; i++) {
        entry *e = &set->v[set->n];
        cw_err e2;
        int st;

        *e = (entry){0};
        set->n++;
        if ((e->name = cw__strdup(names.v[i])) == NULL) {
            rc = cw__fail(err, CW_ENOMEM, "out of memory");
            break;
        }
        st = cw__schema_load(home, names.v[i], &e->s, &e2);
        if (st == CW_OK) {
            rc = load_docs(home, e, err);
        } else if (st == CW_ENOMEM || name != NULL) {
            rc = cw__errcopy(err, &e2);
        } else if ((e->error = cw__strdup(e2.msg)) == NULL) {
            rc = cw__fail(err, CW_ENOMEM, "out of memory");
        } else {
            e->status = st;
        }
    }
    strvec_free(&names);
    if (rc != CW_OK) {
        cw_schemaset_free(set);
        return rc;
    }
    *out = set;
    return CW_OK;
}

size_t cw_schemaset_count(const cw_schemaset *set)
{
    return set->n;
}

int cw_schemaset_info(const cw_schemaset *set, size_t i, cw_schemainfo *out)
{
    const cw_schema *s;

    *out = (cw_schemainfo){0};
    if (i >= set->n)
        return CW_EUSAGE;
    out->name = set->v[i].name;
    out->error = set->v[i].error;
    out->status = set->v[i].status;
    out->title = "";
    if ((s = set->v[i].s) == NULL)
        return CW_OK;
    out->title = s->title;
    out->ncolumns = s->ncols;
    out->key = (const char *const *)s->key;
    out->nkey = s->nkey;
    out->prefixes = (const char *const *)s->prefixes;
    out->nprefixes = s->nprefixes;
    out->organizer = s->organizer;
    out->max_bytes = s->max_bytes;
    out->distinct_column = s->distinct_col;
    out->distinct_max = s->distinct_max;
    return CW_OK;
}

int cw_schemaset_column(const cw_schemaset *set, size_t i, size_t c,
                        cw_columninfo *out)
{
    const cw_colspec *k;

    *out = (cw_columninfo){0};
    if (i >= set->n || set->v[i].s == NULL || c >= set->v[i].s->ncols)
        return CW_EUSAGE;
    k = &set->v[i].s->cols[c];
    out->name = k->name;
    out->type = cw__coltype_name(k->type);
    out->required = k->required;
    out->nonblank = k->nonblank;
    out->max_length = k->max_length;
    out->organizer_dates = k->organizer_dates;
    out->aliases = (const char *const *)k->aliases;
    out->naliases = k->naliases;
    out->values = (const char *const *)k->values;
    out->nvalues = k->nvalues;
    out->doc = set->v[i].docs != NULL ? set->v[i].docs[c] : NULL;
    return CW_OK;
}
