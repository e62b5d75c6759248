/*
** csvread.c -- streaming, strict CSV reader.  Owns its parser state, two
** batches of parsed records reused for every record, and (for files) the
** descriptor and read buffer; borrows the caller's source.  The parser is
** our own (docs/decisions.md, "Our own CSV parser"); libcsv stays as the
** reference it is tested against (tests/test_csvread.c).
**
** A regular file is parsed one batch ahead by a second thread (the
** "parser"), so that parsing overlaps the caller's work on the previous
** batch; every other source is parsed in the caller's thread, one batch
** at a time.  Either way the same code parses and the caller sees the
** same records and problems in the same order.
*/
#include "csv/csvread.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SLICE (64u * 1024)     /* most bytes parsed at once */
#define FILE_BUF (256u * 1024) /* size of one read(2) for files */
#define MAX_FIELD (16ul << 20) /* default cap on one field, in bytes */
#define NAME_SHOWN 64          /* most bytes of a column name in messages */
#define SEP 128                /* bytes kept between two threads' fields */
#define BATCH (1024u * 1024)   /* field bytes in a batch of the parser's */

/* A field of the queued records: where its bytes are in 'bytes'. */
typedef struct span {
    size_t off; /* offset of its first byte in cw_csv.bytes */
    size_t len; /* its length; a NUL byte follows it */
} span;

/* One complete record waiting in the queue, or the one being built. */
typedef struct rec {
    size_t f0;             /* index of its first field in cw_csv.fields */
    size_t nf;             /* number of fields */
    unsigned long line;    /* physical line where it starts */
    unsigned long nlines;  /* line ends inside its fields */
    size_t badf;           /* 1-based field with a NUL or bad UTF-8, or 0 */
    size_t badat;          /* 0-based offset of that byte in the field */
    unsigned long badline; /* line where that field starts */
    int badnul;            /* 1: the bad byte is NUL; 0: invalid UTF-8 */
} rec;

/*
** A batch of complete records: the parser fills one while the records of
** the other are handed out.  Without a parser thread one batch does both.
*/
typedef struct batch {
    char *bytes;               /* field bytes of its records, NUL after each */
    size_t nbytes;             /* bytes used in 'bytes' */
    size_t bytescap;           /* bytes allocated for 'bytes' */
    span *fields;              /* fields of its records, in order */
    size_t nfields;            /* fields used */
    size_t fieldscap;          /* fields allocated */
    rec *recs;                 /* complete records, oldest first */
    size_t nrecs;              /* records in it */
    size_t recscap;            /* records allocated */
    int last;                  /* 1: the parser stopped after this batch */
    unsigned long long offset; /* input bytes consumed when handed over */
    char pad[SEP];             /* keeps the other batch off its lines */
} batch;

/*
** Where the parser is: between records, at the start of a field after a
** delimiter, inside an unquoted field, inside a quoted field, or right
** after a quote inside a quoted field (which ends the field unless
** another quote follows).
*/
enum state { S_ROW, S_FIELD, S_BARE, S_QUOTED, S_QUOTE };

/* What went wrong while parsing, reported once the queue is drained. */
enum pending {
    P_NONE,     /* nothing */
    P_NOMEM,    /* out of memory */
    P_IO,       /* the byte source failed: message in 'pend_err' */
    P_STRAY,    /* a quote inside an unquoted field */
    P_AFTER,    /* text after the closing quote of a field */
    P_UNTERM,   /* a quoted field still open at the end of input */
    P_TOOBIG,   /* a field larger than max_field */
    P_TOOBIGQ,  /* the same, in a quoted field still open */
    P_ENCODING, /* a UTF-16/32 byte order mark: name in 'pend_enc' */
};

/*
** The reader: the parser, the input, the batches of records and the problems.
** With a parser thread, the parser's fields, each batch and the caller's
** fields are kept at least SEP bytes apart, so that the two threads do
** not write to the same cache lines.
*/
struct cw_csv {
    /* Set up once, then read by both threads. */
    char *name;      /* input name for messages, owned */
    cw_read_fn read; /* byte source ... */
    void *ud;        /* ... and its argument */
    cw_csvopts o;    /* options, copied */
    int fd;          /* file read by cw__csv_openfile, or -1 */
    int ownfd;       /* 1 when 'fd' must be closed */
    char *fbuf;      /* read(2) buffer of FILE_BUF bytes, or NULL */
    int ahead;       /* 1: parse in a thread once reading starts */
    int running;     /* 1: the parser thread exists, not joined */
    int threaded;    /* 1: the parser thread was started */
    pthread_t tid;   /* the parser thread */
    char pad0[SEP];
    /* The parser's: with a parser thread, only it touches these (the
    ** caller reads 'pend', 'eof' and 'line' once it has ended). */
    enum state st;              /* where the parser is */
    unsigned char special[256]; /* 1 for delimiter, quote, CR and LF */
    char *ent;                  /* saved bytes of the field being parsed */
    size_t elen;                /* bytes in 'ent' */
    size_t ecap;                /* bytes allocated for 'ent' */
    const char *chunk;          /* current input chunk, borrowed from 'read' */
    size_t chunklen;            /* its size */
    size_t chunkpos;            /* bytes of it already parsed */
    unsigned char head[4];      /* first bytes of input, kept to spot a BOM */
    size_t nhead;               /* bytes in 'head' */
    int sniffed;                /* 1 once the BOM question is settled */
    int eof;                    /* 1 once the end of input was parsed */
    batch *fb;                  /* the batch the callbacks fill */
    rec cur;                    /* record being built by the callbacks */
    unsigned long line;         /* line where the next unparsed byte is */
    int lastcr;                 /* 1: the last line end parsed was a lone CR */
    enum pending pend;          /* problem found while parsing, not yet shown */
    unsigned long pend_line;    /* its line */
    unsigned long pend_col;     /* its field number, 0 for none */
    const char *pend_enc;       /* P_ENCODING: the encoding the BOM names */
    cw_err pend_err;            /* P_IO: the byte source's error */
    unsigned long long offset;  /* input bytes consumed */
    char pad1[SEP];
    /* The trade, under 'mu'. */
    pthread_mutex_t mu; /* guards 'ready', 'spare' and 'stop' */
    pthread_cond_t cv;  /* signalled when one of them changes */
    batch *ready;       /* a filled batch for the caller, or NULL */
    batch *spare;       /* an empty batch for the parser, or NULL */
    int stop;           /* 1: the caller closes; the parser must end */
    char pad2[SEP];
    batch b[2]; /* the two batches, padded apart */
    /* The caller's. */
    batch *rb;                 /* the batch records are handed out from */
    size_t qhead;              /* next record of 'rb' to hand out */
    rec now;                   /* the record handed out last */
    int fatal;                 /* sticky status once reading cannot go on */
    int hdrdone;               /* 1 once the header question is settled */
    int hdrrc;                 /* what cw__csv_header() returned then */
    char **cols;               /* header names, NUL-terminated, 'ncols' */
    char *colbytes;            /* the bytes 'cols' point into */
    size_t ncols;              /* header names (0 without a header) */
    unsigned long long rownum; /* data records handed out so far */
    const char *code;          /* code of the last problem, "" for none */
    unsigned long errline;     /* line of the last problem */
    unsigned long errcol;      /* field number of the last problem */
    cw_err err;                /* message of the last problem */
};

/* ==== Problems ==== */

/*
** Record a problem on 'r': its 'status', stable 'code', 'line' and field
** 'col', and a message "name:line:col: " followed by the printf-style
** text.  Return 'status'.
*/
static int problem(cw_csv *r, int status, const char *code, unsigned long line,
                   unsigned long col, const char *fmt, ...) CW_PRINTF(6, 7);

static int problem(cw_csv *r, int status, const char *code, unsigned long line,
                   unsigned long col, const char *fmt, ...)
{
    va_list ap;
    int n;

    r->code = code;
    r->errline = line;
    r->errcol = col;
    r->err.code = status;
    n = snprintf(r->err.msg, sizeof r->err.msg, "%s:%lu:%lu: ", r->name, line,
                 col);
    if (n >= 0 && (size_t)n < sizeof r->err.msg) {
        va_start(ap, fmt);
        vsnprintf(r->err.msg + n, sizeof r->err.msg - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return status;
}

/*
** Return the header name of 1-based field 'col', or NULL when there is
** no header or no such column.
*/
static const char *colname(const cw_csv *r, unsigned long col)
{
    if (r->cols == NULL || col == 0 || col > r->ncols)
        return NULL;
    return r->cols[col - 1];
}

/*
** Write " (column 'name')" for field 'col' into 'buf' of 'size' bytes, or
** an empty string when the column has no name.  Return 'buf'.
*/
static const char *colnote(const cw_csv *r, unsigned long col, char *buf,
                           size_t size)
{
    const char *name = colname(r, col);

    buf[0] = '\0';
    if (name != NULL)
        snprintf(buf, size, " (column '%.*s')", NAME_SHOWN, name);
    return buf;
}

/*
** Note a problem found while parsing: it is reported, and reading stops,
** once the records completed before it have been handed out.  Only the
** first one counts.
*/
static void pend(cw_csv *r, enum pending what, unsigned long line,
                 unsigned long col)
{
    if (r->pend != P_NONE)
        return;
    r->pend = what;
    r->pend_line = line;
    r->pend_col = col;
}

/* Report the pending problem, make it sticky and return its status. */
static int report(cw_csv *r)
{
    unsigned long line = r->pend_line, col = r->pend_col;
    char note[NAME_SHOWN + 16];
    int rc;

    colnote(r, col, note, sizeof note);
    switch (r->pend) {
    case P_IO:
        rc = problem(r, r->pend_err.code < 0 ? r->pend_err.code : CW_EIO,
                     "E_IO", line, 0, "%s", r->pend_err.msg);
        break;
    case P_STRAY:
        rc = problem(r, CW_EPARSE, "E_QUOTE", line, col,
                     "stray quote in unquoted field %lu%s", col, note);
        break;
    case P_AFTER:
        rc = problem(r, CW_EPARSE, "E_QUOTE", line, col,
                     "text after the closing quote of field %lu%s", col, note);
        break;
    case P_UNTERM:
        rc = problem(r, CW_EPARSE, "E_QUOTE", line, col,
                     "unterminated quoted field starting at line %lu "
                     "(field %lu%s)",
                     line, col, note);
        break;
    case P_TOOBIG:
    case P_TOOBIGQ:
        rc = problem(
            r, CW_EPARSE, "E_FIELD_TOO_LARGE", line, col,
            "field %lu%s is larger than %zu bytes%s", col, note, r->o.max_field,
            r->pend == P_TOOBIGQ ? " (is a closing quote missing?)" : "");
        break;
    case P_ENCODING:
        rc = problem(r, CW_EPARSE, "E_ENCODING", 1, 0,
                     "the file looks like %s (it starts with a %s byte "
                     "order mark); save it as UTF-8",
                     r->pend_enc, r->pend_enc);
        break;
    case P_NOMEM:
    default:
        rc = problem(r, CW_ENOMEM, "E_NOMEM", line, 0, "out of memory");
        break;
    }
    r->fatal = rc;
    return rc;
}

/* ==== Fields and records ==== */

/* The line where the field being parsed started. */
static unsigned long open_field_line(const cw_csv *r)
{
    return r->cur.nf > 0 ? r->cur.line + r->cur.nlines : r->line;
}

#define ONES 0x0101010101010101ull  /* one in every byte */
#define HIGHS 0x8080808080808080ull /* the top bit of every byte */

/* Nonzero when one of the 8 bytes in 'w' is below 0x0E or above 0x7F. */
#define ODD8(w) (((((w)-ONES * 0x0E) & ~(w)) | (w)) & HIGHS)
/* The same for the 4 bytes in 'w'. */
#define ODD4(w) (((((w)-0x0E0E0E0Eu) & ~(w)) | (w)) & 0x80808080u)

/*
** Bytes to skip before the first odd byte flagged in 'm' = ODD8(w) (a
** borrow only runs upwards, so the lowest flag is exact): on little-endian
** GCC or Clang, its position; elsewhere 0, which is merely slower.
*/
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                            \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SKIP(m) ((size_t)__builtin_ctzll(m) >> 3)
#else
#define SKIP(m) 0
#endif

/*
** Copy the 'len' bytes at 's' to 'd' and return 1 when one of them is
** below 0x0E or above 0x7F (a NUL, CR, LF or other control byte, or a
** non-ASCII byte), testing eight bytes at a time.
*/
static int copy_odd(unsigned char *d, const unsigned char *s, size_t len)
{
    uint64_t w, acc = 0;
    uint32_t x, y;

    if (len >= 8) {
        for (size_t i = 0; i + 8 <= len; i += 8) {
            memcpy(&w, s + i, 8);
            memcpy(d + i, &w, 8);
            acc |= ODD8(w);
        }
        memcpy(&w, s + len - 8, 8);
        memcpy(d + len - 8, &w, 8);
        return (acc | ODD8(w)) != 0;
    }
    if (len >= 4) {
        memcpy(&x, s, 4);
        memcpy(&y, s + len - 4, 4);
        memcpy(d, &x, 4);
        memcpy(d + len - 4, &y, 4);
        return (ODD4(x) | ODD4(y)) != 0;
    }
    for (size_t i = 0; i < len; i++) {
        d[i] = s[i];
        acc |= s[i] < 0x0E || s[i] >= 0x80;
    }
    return acc != 0;
}

/*
** Length of the valid UTF-8 sequence starting with the non-ASCII byte at
** 's', of which 'left' bytes remain, or 0 when it is invalid (overlong,
** surrogate, above U+10FFFF, truncated or a stray continuation byte).
*/
static size_t u8seq(const unsigned char *s, size_t left)
{
    unsigned c = s[0];

    if (c >= 0xC2 && c <= 0xDF)
        return left >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
            (s[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

/*
** Scan the 'len' bytes of a field at 's': return the number of line ends
** in it (CR, LF and CRLF each count once) and store in '*bad' the offset
** of its first NUL or invalid UTF-8 byte (or 'len' when there is none)
** and in '*nul' whether that byte is a NUL.  Called only for the fields
** in which copy_odd() saw such bytes; plain runs are skipped eight bytes
** at a time.
*/
static unsigned long scan(const unsigned char *s, size_t len, size_t *bad,
                          int *nul)
{
    unsigned long lines = 0;
    size_t i = 0, n;
    uint64_t w;

    *bad = len;
    *nul = 0;
    while (i < len) {
        unsigned char c;

        if (i + 8 <= len) {
            memcpy(&w, s + i, 8);
            w = ODD8(w);
            if (w == 0) {
                i += 8;
                continue;
            }
            i += SKIP(w);
        }
        c = s[i];
        if (c >= 0x0E && c < 0x80) {
            i++;
        } else if (c >= 0x80) {
            n = *bad == len ? u8seq(s + i, len - i) : 1;
            if (n == 0) {
                *bad = i;
                n = 1;
            }
            i += n;
        } else {
            if (c == '\r' || (c == '\n' && (i == 0 || s[i - 1] != '\r')))
                lines++;
            else if (c == 0 && *bad == len) {
                *bad = i;
                *nul = 1;
            }
            i++;
        }
    }
    return lines;
}

/*
** A complete field: append the 'len' bytes at 's' to the record being
** built, with their line ends and their first bad byte.
*/
static void on_field(cw_csv *r, const char *s, size_t len)
{
    batch *b = r->fb;
    rec *c = &r->cur;
    unsigned long fline;
    size_t bad;
    int nul, odd;

    if (r->pend != P_NONE)
        return;
    if (c->nf == 0) {
        c->f0 = b->nfields;
        c->line = r->line;
        c->nlines = 0;
        c->badf = 0;
    }
    fline = c->line + c->nlines;
    if (len > r->o.max_field) {
        pend(r, P_TOOBIG, fline, c->nf + 1);
        return;
    }
    if (b->nbytes + len + 1 > b->bytescap) {
        char *nb = cw__grow(b->bytes, &b->bytescap, b->nbytes + len + 1, 1);

        if (nb == NULL)
            goto nomem;
        b->bytes = nb;
    }
    if (b->nfields == b->fieldscap) {
        span *nf =
            cw__grow(b->fields, &b->fieldscap, b->nfields + 1, sizeof *nf);

        if (nf == NULL)
            goto nomem;
        b->fields = nf;
    }
    odd = copy_odd((unsigned char *)b->bytes + b->nbytes,
                   (const unsigned char *)s, len);
    b->bytes[b->nbytes + len] = '\0';
    b->fields[b->nfields].off = b->nbytes;
    b->fields[b->nfields].len = len;
    b->nfields++;
    b->nbytes += len + 1;
    c->nf++;
    if (!odd)
        return;
    c->nlines += scan((const unsigned char *)s, len, &bad, &nul);
    if (bad < len && c->badf == 0) {
        c->badf = c->nf;
        c->badat = bad;
        c->badline = fline;
        c->badnul = nul;
    }
    return;

nomem:
    pend(r, P_NOMEM, fline, 0);
}

/*
** A record ends with the CR or LF 'c', or -1 at the end of input: queue
** the record being built, or count the empty line; a LF right after a CR
** that ended a line is the second half of a CRLF.
*/
static void on_record(cw_csv *r, int c)
{
    batch *b = r->fb;

    if (r->pend != P_NONE)
        return;
    if (r->cur.nf == 0) {
        if (c >= 0 && !(c == '\n' && r->lastcr))
            r->line++;
        r->lastcr = c == '\r';
        return;
    }
    if (b->nrecs == b->recscap) {
        rec *nr = cw__grow(b->recs, &b->recscap, b->nrecs + 1, sizeof *nr);

        if (nr == NULL) {
            pend(r, P_NOMEM, r->cur.line, 0);
            return;
        }
        b->recs = nr;
    }
    b->recs[b->nrecs++] = r->cur;
    r->line = r->cur.line + r->cur.nlines + (c >= 0 ? 1 : 0);
    r->lastcr = c == '\r';
    r->cur.nf = 0;
}

/* ==== Parsing ==== */

/*
** Add the 'len' bytes at 's' to the saved bytes of the open field (its
** bytes from earlier input, which will not stay in place).  0, or -1 when
** out of memory (then pending).
*/
static int save(cw_csv *r, const void *s, size_t len)
{
    if (len == 0)
        return 0;
    if (r->elen + len > r->ecap) {
        char *e = cw__grow(r->ent, &r->ecap, r->elen + len, 1);

        if (e == NULL) {
            pend(r, P_NOMEM, open_field_line(r), 0);
            return -1;
        }
        r->ent = e;
    }
    memcpy(r->ent + r->elen, s, len);
    r->elen += len;
    return 0;
}

/* End the open field: its saved bytes, then the 'len' bytes at 's'. */
static void end_field(cw_csv *r, const unsigned char *s, size_t len)
{
    if (r->elen == 0) {
        on_field(r, (const char *)s, len); /* the common case: no copy */
        return;
    }
    if (save(r, s, len) == 0)
        on_field(r, r->ent, r->elen);
    r->elen = 0;
}

/* End the open field (its saved bytes, then the 'len' bytes at 's') at
** the byte 'c', a delimiter or a line end, which also ends the record. */
static void end_at(cw_csv *r, const unsigned char *s, size_t len,
                   unsigned char c)
{
    end_field(r, s, len);
    if (c == (unsigned char)r->o.delim) {
        r->st = S_FIELD;
    } else {
        on_record(r, c);
        r->st = S_ROW;
    }
}

/*
** Parse the 'len' bytes at 's' as RFC 4180 CSV with the options'
** delimiter and quote: a quoted field may hold delimiters, line ends and
** doubled quotes; a quote elsewhere is an error unless quotes are lenient
** (then it is data, and so is text after a closing quote).  Complete
** fields and records go to on_field() and on_record(); the bytes of a
** field still open at the end are saved.  The first problem is left
** pending and ends parsing.
**
** Between special bytes the parser skips ahead without copying: an
** unquoted field up to the next byte flagged in 'special', a quoted one
** up to the next quote (memchr), and a field found whole in 's' goes
** from 's' to on_field() directly.  'run' is where the unsaved bytes of
** the open field start.
*/
static void feed(cw_csv *r, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + len, *run = p;
    const unsigned char *q;
    unsigned char quote = (unsigned char)r->o.quote;
    unsigned char delim = (unsigned char)r->o.delim;
    int lenient = r->o.lenient_quotes;

    while (p < e && r->pend == P_NONE) {
        switch (r->st) {
        case S_ROW: /* between records: a line end here is an empty line */
            if (*p == '\r' || *p == '\n') {
                on_record(r, *p++);
                continue;
            }
            /* fall through */
        case S_FIELD: /* a field starts here */
            if (*p == quote) {
                r->st = S_QUOTED;
                run = ++p;
                continue;
            }
            r->st = S_BARE;
            run = p;
            /* fall through */
        case S_BARE:
            while (p < e && !r->special[*p])
                p++;
            if (p == e)
                continue;
            if (*p == quote) {
                if (!lenient) {
                    pend(r, P_STRAY, open_field_line(r), r->cur.nf + 1);
                    continue;
                }
                p++; /* data */
                continue;
            }
            end_at(r, run, (size_t)(p - run), *p);
            p++;
            continue;
        case S_QUOTED:
            q = memchr(p, quote, (size_t)(e - p));
            p = q != NULL ? q + 1 : e;
            if (q != NULL)
                r->st = S_QUOTE;
            continue;
        case S_QUOTE: /* after a quote in a quoted field, at p - 1 unless
                         it ended the previous input (then p == run) */
            if (*p == delim || *p == '\r' || *p == '\n') {
                end_at(r, run, p > run ? (size_t)(p - 1 - run) : 0, *p);
                p++;
                continue;
            }
            if (*p != quote && !lenient) {
                pend(r, P_AFTER, open_field_line(r), r->cur.nf + 1);
                continue;
            }
            /* A doubled quote is one quote; in lenient mode, a quote
            ** followed by other text is data with it. */
            if (p == run && save(r, &quote, 1) != 0)
                continue;
            if (*p == quote) {
                if (p > run && save(r, run, (size_t)(p - run)) != 0)
                    continue;
                run = p + 1;
            }
            p++;
            r->st = S_QUOTED;
            continue;
        }
    }
    r->offset += (size_t)(p - (const unsigned char *)s);
    if (r->pend != P_NONE)
        return;
    if (r->st == S_BARE || r->st == S_QUOTED)
        save(r, run, (size_t)(p - run));
    else if (r->st == S_QUOTE && p > run)
        save(r, run, (size_t)(p - 1 - run));
    /* An open field may hold max_field bytes and one more, which may be
    ** a closing quote or a stray one (then that error is the one shown);
    ** right after a quote, that quote was the one more. */
    if (r->pend == P_NONE && r->elen > r->o.max_field + (r->st != S_QUOTE))
        pend(r, r->st == S_BARE ? P_TOOBIG : P_TOOBIGQ, open_field_line(r),
             r->cur.nf + 1);
}

/*
** Settle the BOM question with the first bytes of input in 'head': drop
** a UTF-8 BOM, refuse a UTF-16 or UTF-32 one, and parse the rest.
*/
static void sniff(cw_csv *r)
{
    const unsigned char *h = r->head;
    size_t n = r->nhead, skip = 0;

    r->sniffed = 1;
    if (n >= 4 && h[0] == 0 && h[1] == 0 && h[2] == 0xFE && h[3] == 0xFF)
        r->pend_enc = "UTF-32BE";
    else if (n >= 4 && h[0] == 0xFF && h[1] == 0xFE && h[2] == 0 && h[3] == 0)
        r->pend_enc = "UTF-32LE";
    else if (n >= 2 && h[0] == 0xFF && h[1] == 0xFE)
        r->pend_enc = "UTF-16LE";
    else if (n >= 2 && h[0] == 0xFE && h[1] == 0xFF)
        r->pend_enc = "UTF-16BE";
    else if (n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
        skip = 3;
    if (r->pend_enc != NULL) {
        pend(r, P_ENCODING, 1, 0);
        return;
    }
    r->offset += skip;
    feed(r, (const char *)h + skip, n - skip);
}

/*
** End of input: a quoted field still open is an error (even in lenient
** mode, where it would swallow the rest of the file), else the open
** field and record end here; a field ending in its closing quote too.
*/
static void finish(cw_csv *r)
{
    r->eof = 1;
    if (!r->sniffed)
        sniff(r);
    if (r->pend != P_NONE || r->st == S_ROW)
        return;
    if (r->st == S_QUOTED) {
        pend(r, P_UNTERM, open_field_line(r), r->cur.nf + 1);
        return;
    }
    end_field(r, (const unsigned char *)"", 0);
    on_record(r, -1);
}

/*
** Parse one more slice of input, reading a chunk first when the current
** one is used up.  Problems are left pending.
*/
static void fill(cw_csv *r)
{
    size_t n;

    if (r->chunkpos == r->chunklen) {
        cw_err e = {CW_OK, ""};
        size_t len = 0;
        const char *p = r->read(r->ud, &len, &e);

        if (p == NULL) {
            r->pend_err = e;
            if (r->pend_err.msg[0] == '\0')
                snprintf(r->pend_err.msg, sizeof r->pend_err.msg, "read error");
            pend(r, P_IO, r->line, 0);
            return;
        }
        if (len == 0) {
            finish(r);
            return;
        }
        r->chunk = p;
        r->chunklen = len;
        r->chunkpos = 0;
    }
    if (!r->sniffed) {
        while (r->nhead < sizeof r->head && r->chunkpos < r->chunklen)
            r->head[r->nhead++] = (unsigned char)r->chunk[r->chunkpos++];
        if (r->nhead < sizeof r->head)
            return;
        sniff(r);
        return;
    }
    n = r->chunklen - r->chunkpos;
    if (n > SLICE)
        n = SLICE;
    feed(r, r->chunk + r->chunkpos, n);
    r->chunkpos += n;
}

/*
** Start batch 'to' (which may be r->fb itself) with nothing but the fields
** of the record being built, which are at the end of r->fb, so that the
** buffers do not grow without end.  CW_OK or CW_ENOMEM.
*/
static int carry(cw_csv *r, batch *to)
{
    batch *from = r->fb;
    size_t nf = r->cur.nf, f0 = r->cur.f0, off0, nb;

    to->nrecs = 0;
    to->last = 0;
    if (nf == 0) {
        to->nbytes = to->nfields = 0;
        return CW_OK;
    }
    off0 = from->fields[f0].off;
    nb = from->nbytes - off0;
    if (to != from) {
        char *bytes = cw__grow(to->bytes, &to->bytescap, nb, 1);
        span *fields;

        if (bytes == NULL)
            return CW_ENOMEM;
        to->bytes = bytes;
        fields = cw__grow(to->fields, &to->fieldscap, nf, sizeof *fields);
        if (fields == NULL)
            return CW_ENOMEM;
        to->fields = fields;
    } else if (f0 == 0) {
        return CW_OK;
    }
    memmove(to->bytes, from->bytes + off0, nb);
    memmove(to->fields, from->fields + f0, nf * sizeof *to->fields);
    for (size_t i = 0; i < nf; i++)
        to->fields[i].off -= off0;
    to->nbytes = nb;
    to->nfields = nf;
    r->cur.f0 = 0;
    return CW_OK;
}

/* ==== The parser thread ==== */

/*
** The parser thread: fill r->fb with at least BATCH bytes of records (or
** up to the end of input or the first problem), then trade it for the
** batch the caller has finished with, carrying over the record being
** built.  Only this thread touches the parsing state ('st', 'ent', 'cur',
** 'line', 'pend', 'eof', the byte source) until it ends; the mutex makes
** what it wrote visible to the caller with each batch.
*/
static void *parser_main(void *ud)
{
    cw_csv *r = ud;

    for (;;) {
        batch *next;
        int last;

        while (r->fb->nbytes < BATCH && r->pend == P_NONE && !r->eof)
            fill(r);
        pthread_mutex_lock(&r->mu);
        while (r->spare == NULL && !r->stop)
            pthread_cond_wait(&r->cv, &r->mu);
        next = r->spare;
        r->spare = NULL;
        pthread_mutex_unlock(&r->mu);
        if (next == NULL)
            return NULL; /* the caller is closing the reader */
        last = r->pend != P_NONE || r->eof;
        if (!last && carry(r, next) != CW_OK) {
            pend(r, P_NOMEM, open_field_line(r), 0);
            last = 1;
        }
        r->fb->last = last;
        r->fb->offset = r->offset;
        pthread_mutex_lock(&r->mu);
        r->ready = r->fb;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        if (last)
            return NULL;
        r->fb = next;
    }
}

/*
** Start the parser thread, with every signal blocked in it so that they
** reach the caller's threads.  Return 1 when it runs; 0 when it could not
** start, and the caller parses instead.
*/
static int start_parser(cw_csv *r)
{
    sigset_t all, old;
    int rc;

    if (pthread_mutex_init(&r->mu, NULL) != 0)
        return 0;
    if (pthread_cond_init(&r->cv, NULL) != 0) {
        pthread_mutex_destroy(&r->mu);
        return 0;
    }
    r->fb = &r->b[0];
    r->rb = &r->b[1]; /* empty: the first pull hands it to the parser */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&r->tid, NULL, parser_main, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        r->rb = r->fb;
        return 0;
    }
    r->running = r->threaded = 1;
    return 1;
}

/* Wait for the parser thread to end and free what it used. */
static void join_parser(cw_csv *r)
{
    if (!r->running)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->tid, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    r->running = 0;
}

/* Give the drained batch back to the parser and take the next one. */
static void trade(cw_csv *r)
{
    pthread_mutex_lock(&r->mu);
    r->spare = r->rb;
    pthread_cond_broadcast(&r->cv);
    while (r->ready == NULL)
        pthread_cond_wait(&r->cv, &r->mu);
    r->rb = r->ready;
    r->ready = NULL;
    r->qhead = 0;
    pthread_mutex_unlock(&r->mu);
}

/*
** Make the next complete record current.  Return CW_ROW, CW_DONE, or the
** (sticky) error status of a problem found on the way: once the records
** parsed before it have all been handed out.
*/
static int pull(cw_csv *r)
{
    r->now.nf = 0;
    if (r->fatal != CW_OK)
        return r->fatal;
    for (;;) {
        batch *b = r->rb;

        if (r->qhead < b->nrecs) {
            r->now = b->recs[r->qhead++];
            return CW_ROW;
        }
        if (r->running) {
            if (!b->last) {
                trade(r);
                continue;
            }
            join_parser(r); /* it has ended: 'pend' and 'eof' are final */
        }
        if (r->pend != P_NONE)
            return report(r);
        if (r->eof)
            return CW_DONE;
        r->qhead = 0;
        if (carry(r, r->fb) != CW_OK) {
            pend(r, P_NOMEM, open_field_line(r), 0);
            continue;
        }
        fill(r);
    }
}

/* ==== Opening and closing ==== */

/* Fill 'o' with the defaults listed in csvread.h. */
void cw__csvopts_default(cw_csvopts *o)
{
    o->delim = ',';
    o->quote = '"';
    o->max_field = MAX_FIELD;
    o->lenient_quotes = 0;
    o->header = 1;
    o->ahead = 1;
}

/*
** Create a reader named 'name' on the byte source 'read'/'ud' with options
** 'o' (NULL for the defaults).  Nothing is read yet.  Options that cannot
** work give CW_EUSAGE; *out is NULL on any failure.
*/
int cw__csv_open(const char *name, cw_read_fn read, void *ud,
                 const cw_csvopts *o, cw_csv **out, cw_err *err)
{
    cw_csv *r;

    *out = NULL;
    r = cw__alloc(sizeof *r);
    if (r == NULL)
        return cw__fail(err, CW_ENOMEM, "%s: out of memory", name);
    memset(r, 0, sizeof *r);
    r->fd = -1;
    r->fb = r->rb = &r->b[0];
    r->read = read;
    r->ud = ud;
    r->line = 1;
    r->code = "";
    if (o != NULL)
        r->o = *o;
    else
        cw__csvopts_default(&r->o);
    r->name = cw__strdup(name);
    if (r->name == NULL)
        goto nomem;
    if (r->o.delim == r->o.quote || r->o.delim == '\r' || r->o.delim == '\n' ||
        r->o.quote == '\r' || r->o.quote == '\n' || r->o.max_field == 0 ||
        r->o.max_field > SIZE_MAX / 2) {
        cw__fail(err, CW_EUSAGE,
                 "%s: bad CSV options (delimiter and quote must differ "
                 "and be neither CR nor LF; max_field must be positive)",
                 name);
        cw__csv_close(r);
        return CW_EUSAGE;
    }
    r->special[(unsigned char)r->o.delim] = 1;
    r->special[(unsigned char)r->o.quote] = 1;
    r->special['\r'] = r->special['\n'] = 1;
    *out = r;
    return CW_OK;

nomem:
    cw__csv_close(r);
    return cw__fail(err, CW_ENOMEM, "%s: out of memory", name);
}

/* cw_read_fn for files: one read(2) of up to FILE_BUF bytes. */
static const char *file_read(void *ud, size_t *len, cw_err *err)
{
    cw_csv *r = ud;
    ssize_t n;

    do
        n = read(r->fd, r->fbuf, FILE_BUF);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        cw__fail(err, CW_EIO, "read error: %s", strerror(errno));
        return NULL;
    }
    *len = (size_t)n;
    return r->fbuf;
}

/*
** Create a reader on the file 'path' ("-": standard input, which is left
** open at the end).  A file that cannot be opened, or a directory, gives
** CW_EIO with "path: reason".
*/
int cw__csv_openfile(const char *path, const cw_csvopts *o, cw_csv **out,
                     cw_err *err)
{
    int fd = 0, own = strcmp(path, "-") != 0;
    struct stat st;
    cw_csv *r;
    int rc;

    *out = NULL;
    if (own) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return cw__fail(err, CW_EIO, "%s: %s", path, strerror(errno));
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            close(fd);
            return cw__fail(err, CW_EIO, "%s: %s", path, strerror(EISDIR));
        }
    }
    rc = cw__csv_open(path, file_read, NULL, o, &r, err);
    if (rc != CW_OK) {
        if (own)
            close(fd);
        return rc;
    }
    r->ud = r;
    r->fd = fd;
    r->ownfd = own;
    r->ahead = r->o.ahead && !cw__alloc_custom() && own &&
               fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    r->fbuf = cw__alloc(FILE_BUF);
    if (r->fbuf == NULL) {
        cw__csv_close(r);
        return cw__fail(err, CW_ENOMEM, "%s: out of memory", path);
    }
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    *out = r;
    return CW_OK;
}

/* Free 'r' and its buffers, and close its file.  NULL is a no-op. */
void cw__csv_close(cw_csv *r)
{
    if (r == NULL)
        return;
    join_parser(r);
    cw__free(r->ent);
    if (r->ownfd && r->fd >= 0)
        close(r->fd);
    cw__free(r->fbuf);
    for (size_t i = 0; i < 2; i++) {
        cw__free(r->b[i].bytes);
        cw__free(r->b[i].fields);
        cw__free(r->b[i].recs);
    }
    cw__free(r->cols);
    cw__free(r->colbytes);
    cw__free(r->name);
    cw__free(r);
}

/* ==== Header ==== */

/* Hash of the 'len' bytes at 's' with ASCII letters folded to lower case. */
static size_t hashi(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ull;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        h = (h ^ c) * 1099511628211ull;
    }
    return (size_t)h;
}

/*
** Check the names in 'r->cols' for a blank one and for two equal ignoring
** ASCII case (through a hash table of indices).  Return CW_OK or the
** problem's status.
*/
static int check_names(cw_csv *r, unsigned long line)
{
    size_t n = r->ncols, cap = 16, mask, *tab;
    int rc = CW_OK;

    for (size_t i = 0; i < n; i++)
        if (cw__blank(r->cols[i], strlen(r->cols[i])))
            return problem(r, CW_EPARSE, "E_HEADER_BLANK", line, i + 1,
                           "blank header name in column %zu", i + 1);
    while (cap < 2 * n)
        cap *= 2;
    tab = cw__alloc(cap * sizeof *tab);
    if (tab == NULL)
        return problem(r, CW_ENOMEM, "E_NOMEM", line, 0, "out of memory");
    memset(tab, 0, cap * sizeof *tab);
    mask = cap - 1;
    for (size_t i = 0; i < n && rc == CW_OK; i++) {
        const char *a = r->cols[i];
        size_t alen = strlen(a), k = hashi(a, alen) & mask;

        for (; tab[k] != 0; k = (k + 1) & mask) {
            const char *b = r->cols[tab[k] - 1];

            if (cw__eqi(a, alen, b, strlen(b))) {
                rc = problem(r, CW_EPARSE, "E_HEADER_DUP", line, i + 1,
                             "duplicate header name '%.*s' in column %zu "
                             "and '%.*s' in column %zu (names are compared "
                             "ignoring case)",
                             NAME_SHOWN, b, tab[k], NAME_SHOWN, a, i + 1);
                break;
            }
        }
        tab[k] = i + 1;
    }
    cw__free(tab);
    return rc;
}

/* Copy the current record's fields into 'r->cols'.  CW_OK or CW_ENOMEM. */
static int keep_names(cw_csv *r)
{
    size_t total = 0, at = 0, nf = r->now.nf;
    const span *f = r->rb->fields + r->now.f0;

    for (size_t i = 0; i < nf; i++)
        total += f[i].len + 1;
    r->colbytes = cw__alloc(total);
    r->cols = cw__alloc(nf * sizeof *r->cols);
    if (r->colbytes == NULL || r->cols == NULL)
        return problem(r, CW_ENOMEM, "E_NOMEM", r->now.line, 0,
                       "out of memory");
    for (size_t i = 0; i < nf; i++) {
        memcpy(r->colbytes + at, r->rb->bytes + f[i].off, f[i].len + 1);
        r->cols[i] = r->colbytes + at;
        at += f[i].len + 1;
    }
    r->ncols = nf;
    return CW_OK;
}

/*
** Read the header (once; later calls return the first outcome): it must
** exist, be valid UTF-8 without NUL bytes, and hold no blank and no
** duplicate names.  Every failure is sticky.
*/
int cw__csv_header(cw_csv *r)
{
    const rec *h = &r->now;
    int rc;

    if (r->hdrdone)
        return r->hdrrc;
    r->hdrdone = 1;
    if (r->ahead) /* reading starts here, once (cw__csv_next() calls us) */
        start_parser(r);
    if (!r->o.header)
        return CW_OK;
    rc = pull(r);
    if (rc == CW_DONE)
        rc = problem(r, CW_EPARSE, "E_EMPTY", 1, 0,
                     r->line > 1 ? "no header: the input has only blank lines"
                                 : "no header: the input is empty");
    else if (rc == CW_ROW && h->badf != 0 && h->badnul)
        rc = problem(r, CW_EPARSE, "E_NUL", h->badline, h->badf,
                     "NUL byte in header name %zu at byte %zu (is the file "
                     "UTF-16 without a byte order mark?)",
                     h->badf, h->badat + 1);
    else if (rc == CW_ROW && h->badf != 0)
        rc = problem(r, CW_EPARSE, "E_UTF8", h->badline, h->badf,
                     "invalid UTF-8 in header name %zu at byte %zu", h->badf,
                     h->badat + 1);
    else if (rc == CW_ROW)
        rc = keep_names(r);
    if (rc == CW_OK)
        rc = check_names(r, h->line);
    if (rc != CW_OK) {
        cw__free(r->cols);
        cw__free(r->colbytes);
        r->cols = NULL;
        r->colbytes = NULL;
        r->ncols = 0;
        r->fatal = rc;
    }
    r->hdrrc = rc;
    return rc;
}

/* Number of header names; 0 before the header or without one. */
size_t cw__csv_ncols(const cw_csv *r)
{
    return r->ncols;
}

/* Header name 'i', or NULL when there is no such column. */
const char *cw__csv_colname(const cw_csv *r, size_t i)
{
    return i < r->ncols ? r->cols[i] : NULL;
}

/* ==== Records ==== */

/*
** Hand out the next record: CW_ROW, CW_EINVALID for a ragged record or
** one with a NUL or bad UTF-8 (its fields readable; the field count is
** checked first), CW_DONE, or a sticky error.
*/
int cw__csv_next(cw_csv *r)
{
    const rec *x = &r->now;
    char note[NAME_SHOWN + 16];
    int rc;

    if (!r->hdrdone) {
        rc = cw__csv_header(r);
        if (rc != CW_OK)
            return rc;
    }
    rc = pull(r);
    if (rc != CW_ROW)
        return rc;
    r->rownum++;
    if (r->o.header && x->nf != r->ncols)
        return problem(r, CW_EINVALID, "E_RAGGED", x->line, 0,
                       "record has %zu fields, header has %zu", x->nf,
                       r->ncols);
    if (x->badf != 0)
        return problem(r, CW_EINVALID, x->badnul ? "E_NUL" : "E_UTF8",
                       x->badline, x->badf, "%s in field %zu%s at byte %zu",
                       x->badnul ? "NUL byte" : "invalid UTF-8", x->badf,
                       colnote(r, x->badf, note, sizeof note), x->badat + 1);
    return CW_ROW;
}

/* Number of fields of the current record; 0 when there is none. */
size_t cw__csv_nfields(const cw_csv *r)
{
    return r->now.nf;
}

/*
** Field 'i' of the current record, NUL-terminated (it may hold NULs), its
** length in '*len' when 'len' is not NULL; NULL and 0 past the last one.
*/
const char *cw__csv_field(const cw_csv *r, size_t i, size_t *len)
{
    const span *f;

    if (i >= r->now.nf) {
        if (len != NULL)
            *len = 0;
        return NULL;
    }
    f = &r->rb->fields[r->now.f0 + i];
    if (len != NULL)
        *len = f->len;
    return r->rb->bytes + f->off;
}

/* Physical line where the current record starts; 0 before the first. */
unsigned long cw__csv_line(const cw_csv *r)
{
    return r->now.line;
}

/* Data records handed out so far, the current one included. */
unsigned long long cw__csv_rownum(const cw_csv *r)
{
    return r->rownum;
}

/* Stable code of the last problem, "" before the first one. */
const char *cw__csv_code(const cw_csv *r)
{
    return r->code;
}

/* Line of the last problem. */
unsigned long cw__csv_errline(const cw_csv *r)
{
    return r->errline;
}

/* Field number of the last problem, 0 for the whole record. */
unsigned long cw__csv_errcol(const cw_csv *r)
{
    return r->errcol;
}

/* Message of the last problem, "name:line:col: text"; "" before one. */
const char *cw__csv_errmsg(const cw_csv *r)
{
    return r->err.msg;
}

/* 1 once a parser thread was started for 'r'. */
int cw__csv_threaded(const cw_csv *r)
{
    return r->threaded;
}

/*
** Input bytes consumed so far, a UTF-8 BOM included: with a parser thread,
** up to the end of the batch the current record is in.
*/
unsigned long long cw__csv_offset(const cw_csv *r)
{
    return r->threaded ? r->rb->offset : r->offset;
}
