/*
** csvwrite.c -- RFC 4180 CSV and NDJSON writers with atomic commit.  A CSV
** row is encoded in one pass straight into the write buffer of its part
** (an NDJSON row through a scratch buffer); parts live in temp files
** beside the final path until cw__writer_commit() fsyncs them and renames
** them.  A large CSV output is encoded and written by a thread of its own.
*/
#define _GNU_SOURCE /* sync_file_range */
#include "csv/csvwrite.h"
#include "csv/blockq.h"
#include "csv/syncer.h"
#include "csv/tempfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUF_SIZE (128u * 1024u)        /* write buffer of one open part */
#define MAX_OPEN 64                    /* parts holding a descriptor at once */
#define WRITEBACK (8u * 1024u * 1024u) /* see writeback() */
#define SYNC_EVERY (32u * 1024u * 1024u) /* see writeback() */

/* The writer thread (see "Writer thread" below). */
#define BLOCK_SIZE (256u * 1024u)      /* bytes of rows per block */
#define NBLOCKS 4                      /* blocks between the threads */
#define THREAD_AFTER (1024ull * 1024u) /* bytes written before it starts */

/*
** A part is one output file.  It is open (a descriptor and a buffer), or
** closed after an fsync: parked to bound the descriptors in use (reopened
** on demand), or full (its group moved on to a newer part).
*/
typedef struct part {
    char *tmp;                 /* temp path, owned; created by mkstemp */
    char *name;                /* final path when there are several parts */
    int fd;                    /* descriptor, -1 when parked or sealed */
    char *buf;                 /* write buffer while open, else NULL */
    size_t len;                /* bytes pending in 'buf' */
    unsigned long long bytes;  /* size of the part, pending bytes included */
    unsigned long long rows;   /* data rows written to it */
    unsigned long long synced; /* bytes handed to writeback() */
    unsigned long long asked;  /* bytes written when the syncer was asked */
    int renamed;               /* 1 once moved to its final name */
} part;

/* Rows with the values of one group go to the group's current part. */
typedef struct group {
    size_t nvals; /* distinct values assigned to the group */
    size_t part;  /* index of its current part */
} group;

/* One distinct value of the split column (open addressing). */
typedef struct entry {
    char *val;   /* copy of the value, NULL for an empty slot */
    size_t len;  /* its length */
    size_t hash; /* its hash */
    size_t grp;  /* the group it belongs to */
} entry;

/*
** With a writer thread, the caller's thread reads the fields up to 'pad'
** and the writer thread owns those after it (the caller touches them only
** once the thread is idle or joined); 'pad' keeps them on other cache
** lines.
*/
struct cw_writer {
    cw_blockq *q;               /* the writer thread's queue, or NULL */
    cw_syncer *sync;            /* fdatasync as a part grows, or NULL */
    int threadable;             /* 1: a writer thread may take over */
    int threaded;               /* 1: one did */
    cw_writeopts o;             /* options, defaults filled in */
    char *path;                 /* final path of a single part */
    char *dir;                  /* directory of 'path', for its fsync */
    const char *base;           /* basename of 'path', inside 'path' */
    size_t ncols;               /* columns per row */
    char *hdr;                  /* CSV: encoded header row; NDJSON: keys */
    size_t hdrlen;              /* CSV: bytes in the header row */
    size_t *koff;               /* NDJSON: key 'i' is hdr[koff[i]..[i+1]] */
    unsigned char special[256]; /* CSV: 1 for bytes that force quotes */
    char pad[64];
    cw_field *uf;              /* the writer thread's fields of a row */
    int dropold;               /* 1: drop_old() is still to be done */
    part *parts;               /* parts, in the order they were started */
    size_t nparts;             /* parts used */
    size_t partcap;            /* parts allocated */
    size_t cur;                /* current part when not splitting by value */
    size_t nopen;              /* parts holding a descriptor */
    size_t hand;               /* where the next eviction search starts */
    group *groups;             /* value groups, oldest first */
    size_t ngroups;            /* groups used */
    size_t groupcap;           /* groups allocated */
    entry *map;                /* distinct values -> group */
    size_t mapn;               /* values in 'map' */
    size_t mapcap;             /* slots in 'map', 0 or a power of two */
    char *row;                 /* scratch: the row being encoded */
    size_t rowcap;             /* bytes allocated for 'row' */
    unsigned long long nrows;  /* rows written in all parts */
    unsigned long long nbytes; /* bytes of those rows, encoded */
    int failed;                /* 1 after an error that spoils the output */
    int prepared;              /* 1 once every part is on disk */
    int committed;             /* 1 once every part was renamed */
    cw_err err;                /* last error, see cw__writer_errmsg() */
};

/* Fill 'o' with the defaults: CSV, ',', LF, no splitting. */
void cw__writeopts_default(cw_writeopts *o)
{
    *o = (cw_writeopts){.format = CW_FMT_CSV,
                        .delim = ',',
                        .crlf = 0,
                        .max_bytes = 0,
                        .split_col = -1,
                        .max_distinct = 0,
                        .thread = 0};
}

/* ==== Errors ==== */

/* Record an error that spoils the output: every later call fails too. */
static int werr(cw_writer *w, int code, const char *fmt, ...) CW_PRINTF(3, 4);

static int werr(cw_writer *w, int code, const char *fmt, ...)
{
    va_list ap;

    w->failed = 1;
    w->err.code = code;
    va_start(ap, fmt);
    vsnprintf(w->err.msg, sizeof w->err.msg, fmt, ap);
    va_end(ap);
    return code;
}

/* Report errno as "path: strerror" with CW_EIO. */
static int werr_io(cw_writer *w, const char *path)
{
    return werr(w, CW_EIO, "%s: %s", path, strerror(errno));
}

/* Report an allocation failure for the output. */
static int werr_nomem(cw_writer *w)
{
    return werr(w, CW_ENOMEM, "%s: out of memory", w->path);
}

/* ==== Encoding ==== */

/*
** A CSV field is quoted only when it holds the delimiter, a quote, CR or
** LF (minimal quoting, as RFC 4180 and Python's csv.QUOTE_MINIMAL; spaces
** and tabs are data and need no quotes).  Most fields hold none of these,
** so they are copied as they are while being checked, in one pass: 16
** bytes at a time with SSE2 (every x86-64 has it), 8 at a time otherwise,
** and the last few with the lookup table w->special.
*/
#if defined(__SSE2__) && !defined(CW_NO_SIMD)
#include <emmintrin.h>
#define CSV_SSE2 1
#endif

/* 1 when the 8 bytes 'v' hold the byte of which 'pat' is 8 copies. */
#define HAS_BYTE(v, pat)                                                       \
    ((((v) ^ (pat)) - 0x0101010101010101u) & ~((v) ^ (pat)) &                  \
     0x8080808080808080u)

/* The bytes that force quotes, as vectors, for csv_raw(). */
typedef struct csv_special {
#ifdef CSV_SSE2
    __m128i delim, quote, cr, lf;
#endif
    uint64_t delim8;              /* the delimiter, 8 times */
    const unsigned char *special; /* w->special */
} csv_special;

static void csv_special_init(const cw_writer *w, csv_special *sp)
{
#ifdef CSV_SSE2
    sp->delim = _mm_set1_epi8(w->o.delim);
    sp->quote = _mm_set1_epi8('"');
    sp->cr = _mm_set1_epi8('\r');
    sp->lf = _mm_set1_epi8('\n');
#endif
    sp->delim8 = 0x0101010101010101u * (unsigned char)w->o.delim;
    sp->special = w->special;
}

#ifdef CSV_SSE2
/* A bit for each of the 16 bytes 'v' that forces quotes. */
static inline int special_mask(const csv_special *sp, __m128i v)
{
    __m128i m = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, sp->delim),
                     _mm_cmpeq_epi8(v, sp->quote)),
        _mm_or_si128(_mm_cmpeq_epi8(v, sp->cr), _mm_cmpeq_epi8(v, sp->lf)));

    return _mm_movemask_epi8(m);
}

/* Nonzero when the 16 bytes at 's' hold a byte that forces quotes. */
static inline int special16(const csv_special *sp, const char *s)
{
    return special_mask(sp, _mm_loadu_si128((const __m128i *)(const void *)s));
}
#endif

/*
** SLACK bytes may be read past the end of each field of a row that the
** writer thread unpacks from a block (they are the next fields' bytes,
** or the room csv/blockq.c's blocks keep after the last row), and written
** past the end of the row's room in the write buffer (row_bound() counts
** them): a field shorter than 16 bytes is then checked and copied with
** one 16-byte load and store rather than byte by byte.
*/
#define SLACK 16

/* Nonzero when the 8 bytes at 's' hold a byte that forces quotes. */
static inline uint64_t special8(const csv_special *sp, const char *s)
{
    uint64_t v;

    memcpy(&v, s, 8);
    return HAS_BYTE(v, sp->delim8) | HAS_BYTE(v, 0x2222222222222222u) |
           HAS_BYTE(v, 0x0d0d0d0d0d0d0d0du) | HAS_BYTE(v, 0x0a0a0a0a0a0a0a0au);
}

/*
** Copy the field 's' of 'len' bytes (1 or more) to 'd' as it is and return
** the end, or return NULL when it must be quoted (what was copied is then
** left for csv_quoted() to overwrite).
*/
static inline char *csv_raw(const csv_special *sp, char *d, const char *s,
                            size_t len, int slack)
{
    size_t i = 0;

    (void)slack; /* without SSE2, fields are copied in 8 bytes at most */
#ifdef CSV_SSE2
    if (slack && len < 16) { /* see SLACK */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);

        if (special_mask(sp, v) & ((1 << len) - 1))
            return NULL;
        _mm_storeu_si128((__m128i *)(void *)d, v);
        return d + len;
    }
    if (len >= 16) {
        for (; i + 16 <= len; i += 16) {
            if (special16(sp, s + i))
                return NULL;
            _mm_storeu_si128(
                (__m128i *)(void *)(d + i),
                _mm_loadu_si128((const __m128i *)(const void *)(s + i)));
        }
        if (i < len) { /* the last 16 bytes, overlapping the loop's */
            if (special16(sp, s + len - 16))
                return NULL;
            _mm_storeu_si128(
                (__m128i *)(void *)(d + len - 16),
                _mm_loadu_si128((const __m128i *)(const void *)(s + len - 16)));
        }
        return d + len;
    }
#endif
    for (; i + 8 <= len; i += 8)
        if (special8(sp, s + i))
            return NULL;
    for (; i < len; i++)
        if (sp->special[(unsigned char)s[i]])
            return NULL;
    memcpy(d, s, len);
    return d + len;
}

/* Encode 's' of 'len' bytes at 'd' as a quoted field, each quote doubled,
** and return the end.  'd' has room for 2 * len + 2 bytes. */
static char *csv_quoted(char *d, const char *s, size_t len)
{
    *d++ = '"';
    while (len > 0) {
        const char *q = memchr(s, '"', len);
        size_t n = q != NULL ? (size_t)(q - s) + 1 : len;

        memcpy(d, s, n);
        d += n;
        if (q != NULL)
            *d++ = '"';
        s += n;
        len -= n;
    }
    *d++ = '"';
    return d;
}

/*
** Encode the CSV row 'f' at 'd', which has room for row_bound() bytes,
** and return the end.  A null field is written as an empty one.  A row of
** one empty field is written as "" so that it does not read back as a
** blank line, which readers skip (Python's csv writer does the same).
** 'header' is 1 for the header row, the first bytes of the file: there a
** first name that begins with U+FEFF is quoted too, or readers would take
** it for a byte order mark and drop it.  'slack' is 1 when SLACK bytes
** may be read past each field and written past the row's room.
*/
static char *csv_row(const cw_writer *w, char *d, const cw_field *f, int header,
                     int slack)
{
    size_t ncols = w->ncols; /* read once: the stores through 'd' */
    char delim = w->o.delim; /* could alias them */
    csv_special sp;

    csv_special_init(w, &sp);
    for (size_t i = 0; i < ncols; i++) {
        const char *s = f[i].p;
        size_t len = s != NULL ? f[i].len : 0;
        char *e;

        if (i > 0)
            *d++ = delim;
        if (len == 0) {
            if (ncols == 1) {
                *d++ = '"';
                *d++ = '"';
            }
            continue;
        }
        e = header && i == 0 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0
                ? NULL
                : csv_raw(&sp, d, s, len, slack);
        d = e != NULL ? e : csv_quoted(d, s, len);
    }
    if (w->o.crlf)
        *d++ = '\r';
    *d++ = '\n';
    return d;
}

/* JSON escapes: 0 plain, 1 escaped, 2 a byte of a multi-byte sequence. */
static const unsigned char json_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50: '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x80 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x90 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xA0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xB0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xC0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xD0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xE0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xF0 */
};

/*
** Encode 's' of 'len' bytes as a quoted JSON string at 'd', which has
** room for 6 * len + 2 bytes.  Store the end in '*end' and return 1, or
** return 0 when 's' is not valid UTF-8 (its offset in '*bad').
*/
static int json_string(char *d, const char *s, size_t len, char **end,
                       size_t *bad)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *e = p + len;
    int multi = 0;

    *d++ = '"';
    while (p < e) {
        const unsigned char *run = p;
        unsigned c;

        while (p < e && json_class[*p] != 1) {
            multi |= json_class[*p];
            p++;
        }
        if (p > run) {
            memcpy(d, run, (size_t)(p - run));
            d += p - run;
        }
        if (p == e)
            break;
        c = *p++;
        *d++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *d++ = (char)c;
            break;
        case '\n':
            *d++ = 'n';
            break;
        case '\r':
            *d++ = 'r';
            break;
        case '\t':
            *d++ = 't';
            break;
        case '\b':
            *d++ = 'b';
            break;
        case '\f':
            *d++ = 'f';
            break;
        default:
            memcpy(d, "u00", 3);
            d[3] = hex[c >> 4];
            d[4] = hex[c & 15];
            d += 5;
            break;
        }
    }
    *d++ = '"';
    *end = d;
    return !multi || cw__utf8_valid(s, len, bad);
}

/* Make the scratch row hold at least 'need' bytes. */
static int row_room(cw_writer *w, size_t need)
{
    char *p = cw__grow(w->row, &w->rowcap, need, 1);

    if (p == NULL)
        return werr_nomem(w);
    w->row = p;
    return CW_OK;
}

/*
** Store in '*bound' the most bytes row 'f' can take encoded: CSV doubles
** every byte at worst (quotes), JSON turns one into six (\u0001).
** CW_ENOMEM when that does not fit in a size_t.
*/
static int row_bound(cw_writer *w, const cw_field *f, size_t *bound)
{
    size_t grow = w->o.format == CW_FMT_CSV ? 2 : 6, b = 2 + SLACK;

    for (size_t i = 0; i < w->ncols; i++) {
        size_t len = f[i].p != NULL ? f[i].len : 0;

        if (len > (SIZE_MAX / 2 - b) / 8)
            return werr_nomem(w);
        b += grow * len + 4;
    }
    if (w->o.format == CW_FMT_NDJSON)
        b += w->hdrlen; /* every key */
    *bound = b;
    return CW_OK;
}

/*
** Encode row 'f' into w->row and store its size in '*n'; 'header' is 1
** for the CSV header row.  Returns CW_OK, CW_ENOMEM, or CW_EINVALID
** (NDJSON: a value is not valid UTF-8; the output is not spoilt and later
** rows may be written).
*/
static int encode(cw_writer *w, const cw_field *f, int header, size_t *n)
{
    size_t bound = 0, i;
    char *d;
    int rc;

    if ((rc = row_bound(w, f, &bound)) != CW_OK ||
        (rc = row_room(w, bound)) != CW_OK)
        return rc;
    if (w->o.format == CW_FMT_CSV) {
        *n = (size_t)(csv_row(w, w->row, f, header, 0) - w->row);
        return CW_OK;
    }
    d = w->row;
    for (i = 0; i < w->ncols; i++) {
        const char *s = f[i].p;
        size_t len = s != NULL ? f[i].len : 0, bad;

        memcpy(d, w->hdr + w->koff[i], w->koff[i + 1] - w->koff[i]);
        d += w->koff[i + 1] - w->koff[i];
        if (s == NULL) {
            memcpy(d, "null", 4);
            d += 4;
        } else if (!json_string(d, s, len, &d, &bad)) {
            w->err.code = CW_EINVALID;
            snprintf(w->err.msg, sizeof w->err.msg,
                     "%s: row %llu, column \"%.*s\": invalid UTF-8 at byte "
                     "%zu",
                     w->path, w->nrows + 1,
                     (int)(w->koff[i + 1] - w->koff[i] - 4),
                     w->hdr + w->koff[i] + 2, bad + 1);
            return CW_EINVALID;
        }
    }
    *d++ = '}';
    *d++ = '\n';
    *n = (size_t)(d - w->row);
    return CW_OK;
}

/*
** Build the header: for CSV the encoded header row (w->hdr, w->hdrlen),
** for NDJSON the keys '{"a":' and ',"b":' one after the other, key 'i'
** at w->hdr[w->koff[i]] up to w->koff[i + 1].
*/
static int make_header(cw_writer *w, const char *const *cols)
{
    cw_field *f;
    size_t i, n, bad;
    char *d;
    int rc;

    if (w->o.format == CW_FMT_CSV) {
        f = cw__alloc(w->ncols * sizeof *f);
        if (f == NULL)
            return werr_nomem(w);
        for (i = 0; i < w->ncols; i++)
            f[i] = (cw_field){cols[i], strlen(cols[i])};
        rc = encode(w, f, 1, &n);
        cw__free(f);
        if (rc != CW_OK)
            return rc;
        w->hdr = cw__strndup(w->row, n);
        w->hdrlen = n;
        return w->hdr != NULL ? CW_OK : werr_nomem(w);
    }
    w->koff = cw__alloc((w->ncols + 1) * sizeof *w->koff);
    if (w->koff == NULL)
        return werr_nomem(w);
    n = 0;
    for (i = 0; i < w->ncols; i++)
        n += 6 * strlen(cols[i]) + 4;
    w->hdr = cw__alloc(n);
    if (w->hdr == NULL)
        return werr_nomem(w);
    d = w->hdr;
    for (i = 0; i < w->ncols; i++) {
        w->koff[i] = (size_t)(d - w->hdr);
        *d++ = i == 0 ? '{' : ',';
        if (!json_string(d, cols[i], strlen(cols[i]), &d, &bad))
            return werr(w, CW_EUSAGE, "%s: column %zu: name is not valid UTF-8",
                        w->path, i + 1);
        *d++ = ':';
    }
    w->koff[w->ncols] = (size_t)(d - w->hdr);
    w->hdrlen = w->koff[w->ncols];
    return CW_OK;
}

/* ==== Parts ==== */

/* Write 'n' bytes at 'p' to the descriptor of part 'i'. */
static int write_all(cw_writer *w, size_t i, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(w->parts[i].fd, p, n);

        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = EIO;
            return werr_io(w, w->parts[i].tmp);
        }
        p += k;
        n -= (size_t)k;
    }
    return CW_OK;
}

/*
** Start writing the part 'p' out to the disk, without waiting, every
** WRITEBACK bytes (Linux: sync_file_range(2)), and have the syncer make
** it durable every SYNC_EVERY bytes, so that the fsync of the commit
** finds little left to do: the disk works while the rows are made rather
** than after.  sync_file_range() only starts the writes; on a disk with
** a write cache (a virtual disk over the host's page cache is one) the
** fsync's time is mostly the cache flush, which only fdatasync does.
** Both are hints: the fsync is what makes the part durable and what
** reports a failure (with the syncer's, from cw__syncer_forget()).
*/
static void writeback(cw_writer *w, part *p)
{
#if defined(__linux__) && defined(SYNC_FILE_RANGE_WRITE)
    if (p->bytes - p->synced >= WRITEBACK) {
        (void)sync_file_range(p->fd, (off_t)p->synced,
                              (off_t)(p->bytes - p->synced),
                              SYNC_FILE_RANGE_WRITE);
        p->synced = p->bytes;
    }
#endif
    if (p->bytes - p->asked >= SYNC_EVERY) {
        if (w->sync == NULL)
            w->sync = cw__syncer_new(); /* none: the fsync does it all */
        if (w->sync != NULL)
            cw__syncer_ask(w->sync, p->fd);
        p->asked = p->bytes;
    }
}

/* Write out the pending bytes of the open part 'i'. */
static int flush(cw_writer *w, size_t i)
{
    part *p = &w->parts[i];
    int rc = CW_OK;

    if (p->len > 0)
        rc = write_all(w, i, p->buf, p->len);
    p->len = 0;
    if (rc == CW_OK)
        writeback(w, p);
    return rc;
}

/*
** Flush, fsync and close the open part 'i' and free its buffer.  After
** an error the descriptor is closed all the same.
*/
static int finish(cw_writer *w, size_t i)
{
    part *p = &w->parts[i];
    int rc = flush(w, i), r;

    /* A failed fdatasync of the syncer's is a failed fsync: Linux may
    ** report a writeback error to one of them only. */
    if ((r = cw__syncer_forget(w->sync, p->fd)) != 0 && rc == CW_OK) {
        errno = r;
        rc = werr_io(w, p->tmp);
    }
    if (rc == CW_OK) {
        do {
            r = fsync(p->fd);
        } while (r != 0 && errno == EINTR);
        if (r != 0)
            rc = werr_io(w, p->tmp);
    }
    /* A close interrupted by a signal has closed the descriptor anyway. */
    if (close(p->fd) != 0 && errno != EINTR && rc == CW_OK)
        rc = werr_io(w, p->tmp);
    p->fd = -1;
    cw__free(p->buf);
    p->buf = NULL;
    w->nopen--;
    return rc;
}

/*
** Make room for one more descriptor: when MAX_OPEN parts are open, park
** one (a clock hand over the parts, so the search costs little on
** average).  A parked part is fsynced, so no write error can be lost.
*/
static int evict(cw_writer *w)
{
    size_t k, i;

    if (w->nopen < MAX_OPEN)
        return CW_OK;
    for (k = 0; k < w->nparts; k++) {
        i = (w->hand + k) % w->nparts;
        if (w->parts[i].fd >= 0) {
            w->hand = i + 1;
            return finish(w, i);
        }
    }
    return CW_OK;
}

/* Make sure part 'i' has a descriptor and a buffer (reopen it if parked). */
static int reopen(cw_writer *w, size_t i)
{
    part *p = &w->parts[i];
    int rc;

    if (p->fd >= 0)
        return CW_OK;
    rc = evict(w);
    if (rc != CW_OK)
        return rc;
    p->fd = open(p->tmp, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (p->fd < 0)
        return werr_io(w, p->tmp);
    w->nopen++;
    p->buf = cw__alloc(BUF_SIZE);
    return p->buf != NULL ? CW_OK : werr_nomem(w);
}

/* Append 'n' bytes at 's' to the open part 'i'. */
static int append(cw_writer *w, size_t i, const char *s, size_t n)
{
    part *p = &w->parts[i];
    int rc;

    p->bytes += n;
    if (n <= BUF_SIZE - p->len) {
        memcpy(p->buf + p->len, s, n);
        p->len += n;
        return CW_OK;
    }
    rc = flush(w, i);
    if (rc != CW_OK)
        return rc;
    if (n >= BUF_SIZE)
        return write_all(w, i, s, n);
    memcpy(p->buf, s, n);
    p->len = n;
    return CW_OK;
}

/*
** The extension of the basename 'base': from its last dot, or its end
** when it has none (a leading dot does not start an extension).
*/
static const char *extension(const char *base)
{
    const char *dot = strrchr(base, '.');

    return dot == NULL || dot == base ? base + strlen(base) : dot;
}

/*
** Return a newly allocated copy (NULL when out of memory) of the final
** path of part 'num' (1-based) among several: "-NNN" inserted before the
** extension of the basename ("out/text.csv" -> "out/text-001.csv").
*/
static char *part_name(const cw_writer *w, size_t num)
{
    const char *dot = extension(w->base);
    size_t stem, len;
    char suffix[32], *s;

    stem = (size_t)(dot - w->path);
    snprintf(suffix, sizeof suffix, "-%03zu", num);
    len = strlen(w->path) + strlen(suffix);
    s = cw__alloc(len + 1);
    if (s != NULL) {
        memcpy(s, w->path, stem);
        strcpy(s + stem, suffix);
        strcat(s, dot);
    }
    return s;
}

/* 1 when the file name 'name' is a part name of the split output 'base':
** its stem, '-', three digits or more, its extension. */
int cw__writer_is_part(const char *name, const char *base)
{
    const char *ext = extension(base);
    size_t stem = (size_t)(ext - base), digits = 0;

    if (strncmp(name, base, stem) != 0 || name[stem] != '-')
        return 0;
    name += stem + 1;
    while (name[digits] >= '0' && name[digits] <= '9')
        digits++;
    return digits >= 3 && strcmp(name + digits, ext) == 0;
}

/*
** Start a new part: a temp file beside the final path (see cw__temp_make()),
** holding the header.  Store its index in '*idx'.
*/
static int new_part(cw_writer *w, size_t *idx)
{
    part p = {.fd = -1};
    part *np;
    int rc;

    np = cw__grow(w->parts, &w->partcap, w->nparts + 1, sizeof *w->parts);
    if (np == NULL)
        return werr_nomem(w);
    w->parts = np;
    rc = evict(w);
    if (rc != CW_OK)
        return rc;
    p.name = part_name(w, w->nparts + 1);
    p.buf = cw__alloc(BUF_SIZE);
    if (p.name == NULL || p.buf == NULL)
        goto nomem;
    p.fd = cw__temp_make(w->path, &p.tmp);
    if (p.fd < 0) {
        rc = errno == ENOMEM ? werr_nomem(w) : werr_io(w, w->path);
        goto fail;
    }
    w->parts[w->nparts] = p;
    *idx = w->nparts++;
    w->nopen++;
    if (w->o.format == CW_FMT_CSV)
        return append(w, *idx, w->hdr, w->hdrlen);
    return CW_OK;

nomem:
    rc = werr_nomem(w);
fail:
    cw__free(p.tmp);
    cw__free(p.name);
    cw__free(p.buf);
    return rc;
}

/*
** Close the part '*cur' (the current part of a group, or the single
** current part when not splitting by value) for good and start a new one
** in its place, storing the new index in '*cur'.
*/
static int rollover(cw_writer *w, size_t *cur)
{
    int rc;

    if (w->parts[*cur].fd >= 0) { /* else parked: already on disk */
        rc = finish(w, *cur);
        if (rc != CW_OK)
            return rc;
    }
    return new_part(w, cur);
}

/* ==== Distinct-value groups ==== */

/* FNV-1a hash of 'len' bytes at 's'. */
static size_t hash(const char *s, size_t len)
{
    size_t h = (size_t)2166136261u;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * (size_t)16777619u;
    return h;
}

/* Double the value map (or create it). */
static int map_grow(cw_writer *w)
{
    size_t cap = w->mapcap ? w->mapcap * 2 : 64, i, j;
    entry *m;

    if (cap > SIZE_MAX / sizeof *m)
        return werr_nomem(w);
    m = cw__alloc(cap * sizeof *m);
    if (m == NULL)
        return werr_nomem(w);
    memset(m, 0, cap * sizeof *m);
    for (i = 0; i < w->mapcap; i++) {
        if (w->map[i].val == NULL)
            continue;
        for (j = w->map[i].hash & (cap - 1); m[j].val != NULL;
             j = (j + 1) & (cap - 1))
            ;
        m[j] = w->map[i];
    }
    cw__free(w->map);
    w->map = m;
    w->mapcap = cap;
    return CW_OK;
}

/*
** Find the group of the split value 'v' (null counts as empty), giving
** a new value to the newest group while it has room, else to a new
** group with a new part.  Store the group's index in '*g'.
*/
static int find_group(cw_writer *w, const cw_field *v, size_t *g)
{
    const char *s = v->p != NULL ? v->p : "";
    size_t len = v->p != NULL ? v->len : 0, h = hash(s, len), j, pi;
    char *copy;
    group *ng;
    int rc;

    if (w->mapcap > 0) {
        for (j = h & (w->mapcap - 1); w->map[j].val != NULL;
             j = (j + 1) & (w->mapcap - 1)) {
            entry *e = &w->map[j];

            if (e->hash == h && e->len == len && memcmp(e->val, s, len) == 0) {
                *g = e->grp;
                return CW_OK;
            }
        }
    }
    if (2 * (w->mapn + 1) > w->mapcap && (rc = map_grow(w)) != CW_OK)
        return rc;
    ng = cw__grow(w->groups, &w->groupcap, w->ngroups + 1, sizeof *ng);
    if (ng == NULL)
        return werr_nomem(w);
    w->groups = ng;
    copy = cw__strndup(s, len);
    if (copy == NULL)
        return werr_nomem(w);
    if (w->ngroups == 0 ||
        w->groups[w->ngroups - 1].nvals >= w->o.max_distinct) {
        if (w->ngroups == 0) {
            pi = w->cur; /* the part started by cw__writer_open() */
        } else if ((rc = new_part(w, &pi)) != CW_OK) {
            cw__free(copy);
            return rc;
        }
        w->groups[w->ngroups++] = (group){0, pi};
    }
    for (j = h & (w->mapcap - 1); w->map[j].val != NULL;
         j = (j + 1) & (w->mapcap - 1))
        ;
    w->map[j] = (entry){copy, len, h, w->ngroups - 1};
    w->mapn++;
    w->groups[w->ngroups - 1].nvals++;
    *g = w->ngroups - 1;
    return CW_OK;
}

/* ==== Rows ==== */

/* Store in '*cur' the part of row 'f': its value's group's current part
** when splitting by value, else the current part. */
static int row_part(cw_writer *w, const cw_field *f, size_t **cur)
{
    size_t g = 0;
    int rc;

    if (w->o.max_distinct == 0) {
        *cur = &w->cur;
        return CW_OK;
    }
    rc = find_group(w, &f[w->o.split_col], &g);
    if (rc != CW_OK)
        return rc;
    *cur = &w->groups[g].part;
    return CW_OK;
}

/*
** Put the encoded row of 'n' bytes at 's' in the part '*cur', starting a
** new part when this row would push it past max_bytes.  A part always
** takes its first row, so a row larger than max_bytes on its own (with the
** header) goes alone into a part that exceeds the limit: it cannot be
** split.
*/
static int place(cw_writer *w, size_t *cur, const char *s, size_t n)
{
    part *p = &w->parts[*cur];
    int rc;

    if (w->o.max_bytes > 0 && p->rows > 0 && p->bytes + n > w->o.max_bytes)
        rc = rollover(w, cur);
    else
        rc = reopen(w, *cur);
    if (rc == CW_OK)
        rc = append(w, *cur, s, n);
    if (rc != CW_OK)
        return rc;
    w->parts[*cur].rows++;
    w->nrows++;
    w->nbytes += n;
    return CW_OK;
}

/*
** Write the CSV row 'f' in one pass: encoded straight into its part's
** write buffer, which is flushed first when the row might not fit.  Only
** a row larger than the buffer, or one that starts a new part, goes
** through the scratch row w->row.  'slack' 1: the row was unpacked from
** a block of the writer thread, SLACK bytes may be read past the end of
** each field, and its fields hold 'bytes' bytes in all (else 0).
*/
static int write_csv(cw_writer *w, const cw_field *f, int slack, size_t bytes)
{
    size_t bound = 2 + SLACK + 2 * bytes + 4 * w->ncols, n, *cur;
    part *p;
    char *d;
    int rc;

    if ((!slack && (rc = row_bound(w, f, &bound)) != CW_OK) ||
        (rc = row_part(w, f, &cur)) != CW_OK || (rc = reopen(w, *cur)) != CW_OK)
        return rc;
    p = &w->parts[*cur];
    if (bound > BUF_SIZE - p->len && (rc = flush(w, *cur)) != CW_OK)
        return rc;
    if (bound > BUF_SIZE) {
        if ((rc = row_room(w, bound)) != CW_OK)
            return rc;
        n = (size_t)(csv_row(w, w->row, f, 0, slack) - w->row);
        return place(w, cur, w->row, n);
    }
    d = p->buf + p->len;
    n = (size_t)(csv_row(w, d, f, 0, slack) - d);
    if (w->o.max_bytes > 0 && p->rows > 0 && p->bytes + n > w->o.max_bytes) {
        if ((rc = row_room(w, n)) != CW_OK)
            return rc;
        memcpy(w->row, d, n); /* out of the buffer that rollover() frees */
        return place(w, cur, w->row, n);
    }
    p->len += n;
    p->bytes += n;
    p->rows++;
    w->nrows++;
    w->nbytes += n;
    return CW_OK;
}

/* Write row 'f' on this thread: CSV in one pass, NDJSON through w->row. */
static int write_row(cw_writer *w, const cw_field *f)
{
    size_t n, *cur;
    int rc;

    if (w->o.format == CW_FMT_CSV)
        return write_csv(w, f, 0, 0);
    if ((rc = encode(w, f, 0, &n)) != CW_OK ||
        (rc = row_part(w, f, &cur)) != CW_OK)
        return rc;
    return place(w, cur, w->row, n);
}

/* ==== Writer thread ==== */

/*
** Past THREAD_AFTER bytes of rows, a CSV output is encoded and written in
** a thread of its own (csv/blockq.c), so that the caller's thread only
** transforms records.  The caller packs each row into a block of the
** queue: the length of every field (4 bytes each, a null as empty, which
** CSV writes the same), then their bytes.  The writer thread unpacks the
** blocks in order and writes each row with write_csv(), as the caller's
** thread did before it started, so that the output is the same bytes.
** Errors are the writer thread's (werr()), seen by the caller once the
** thread has stopped: when the queue reports a failure, the caller joins
** the thread and returns the error as if it had written the row itself.
** A row larger than a block waits until the thread is idle and is written
** by the caller's thread; so are whole blocks when all four are full and
** the thread is not at work (blockq.c), rather than the caller waiting for
** it to get a core.  NDJSON is written without a thread: a value
** that is not UTF-8 refuses its row, which the caller must know at once.
*/

/*
** Drop from the page cache the file that the commit will replace (the
** final path of a single part, when a file stands there).  Renaming over
** a file frees its cached pages in the rename, which the commit waits
** for (0.15 s for the benchmark's 250 MB output run twice); the writer
** thread does it here instead, while the rows are still coming.  Only a
** hint: the file is untouched, and read again from the disk if anyone
** reads it before the commit.  A symbolic link is left alone (the rename
** replaces the link, not its target).
*/
static void drop_old(const cw_writer *w)
{
#if defined(POSIX_FADV_DONTNEED) && defined(O_NOFOLLOW)
    int fd = open(w->path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;

    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
#else
    (void)w;
#endif
}

/* The writer thread: write the rows packed in the block 'p' of 'len'. */
static int consume(void *ud, const char *p, size_t len)
{
    cw_writer *w = ud;
    const char *e = p + len;

    if (w->dropold) {
        w->dropold = 0;
        drop_old(w);
    }

    while (p < e) {
        const char *b0 = p + 4 * w->ncols, *b = b0;
        int rc;

        for (size_t i = 0; i < w->ncols; i++) {
            uint32_t n;

            memcpy(&n, p + 4 * i, 4);
            w->uf[i] = (cw_field){b, n};
            b += n;
        }
        if ((rc = write_csv(w, w->uf, 1, (size_t)(b - b0))) != CW_OK)
            return rc;
        p = b;
    }
    return CW_OK;
}

/* Start the writer thread; when it cannot start, stay on this thread. */
static void start_thread(cw_writer *w)
{
    w->threadable = 0; /* one try */
    w->uf = cw__alloc(w->ncols * sizeof *w->uf);
    w->dropold = 1; /* before the thread starts: it reads it */
    if (w->uf == NULL ||
        cw__blockq_start(BLOCK_SIZE, NBLOCKS, consume, w, &w->q) != CW_OK) {
        cw__free(w->uf);
        w->uf = NULL;
        return;
    }
    w->threaded = 1;
}

/*
** Stop the writer thread: after it has written every row handed to it
** ('discard' 0), or now, dropping them (1).  Its error, if any, is then
** in w->err.
*/
static int stop_thread(cw_writer *w, int discard)
{
    int rc = cw__blockq_end(w->q, discard);

    w->q = NULL;
    return rc != CW_OK ? w->err.code : CW_OK;
}

/*
** Copy the 'n' bytes at 's' to 'd' inline: most fields are short, and a
** call to memcpy() for each cost more than the copy.  Never reads or
** writes past the 'n' bytes.
*/
static inline void copy_field(char *d, const char *s, size_t n)
{
    if (n >= 16) {
#ifdef CSV_SSE2
        size_t i;

        for (i = 0; i + 16 <= n; i += 16)
            _mm_storeu_si128(
                (__m128i *)(void *)(d + i),
                _mm_loadu_si128((const __m128i *)(const void *)(s + i)));
        if (i < n)
            _mm_storeu_si128(
                (__m128i *)(void *)(d + n - 16),
                _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16)));
#else
        memcpy(d, s, n);
#endif
    } else if (n >= 8) { /* two 8-byte words, overlapping */
        uint64_t a, b;

        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;

        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else if (n > 0) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

/*
** Pack row 'f' at 'd', where 'room' bytes are free, leaving SLACK of them
** after it: the lengths, then the bytes.  Return the bytes it took, or 0
** when it does not fit.  One pass: the fields are copied as they are
** counted.
*/
static size_t pack_row(const cw_writer *w, const cw_field *f, char *d,
                       size_t room)
{
    size_t ncols = w->ncols;
    char *b = d + 4 * ncols, *end;

    if (room < 4 * ncols + SLACK)
        return 0;
    end = d + room - SLACK;
    for (size_t i = 0; i < ncols; i++) {
        size_t len = f[i].p != NULL ? f[i].len : 0;
        uint32_t n = (uint32_t)len;

        if (len > (size_t)(end - b))
            return 0;
        memcpy(d + 4 * i, &n, 4);
        copy_field(b, f[i].p, len);
        b += len;
    }
    return (size_t)(b - d);
}

/* Hand row 'f' to the writer thread. */
static int queue_row(cw_writer *w, const cw_field *f)
{
    char *d;
    size_t room = cw__blockq_free(w->q, &d);
    size_t used = pack_row(w, f, d, room);
    int rc;

    if (used == 0 && room < BLOCK_SIZE) { /* in the next block, then */
        if (cw__blockq_room(w->q, BLOCK_SIZE, &d) != CW_OK)
            return stop_thread(w, 1);
        used = pack_row(w, f, d, BLOCK_SIZE);
    }
    if (used == 0) { /* larger than a block: write it here, once idle */
        if (cw__blockq_sync(w->q) != CW_OK)
            return stop_thread(w, 1);
        if ((rc = write_csv(w, f, 0, 0)) != CW_OK)
            stop_thread(w, 1);
        return rc;
    }
    cw__blockq_add(w->q, used);
    return CW_OK;
}

/* ==== API ==== */

/* Check the options and the arguments of cw__writer_open(). */
static int check_args(const char *path, const char *const *cols, size_t ncols,
                      const cw_writeopts *o, cw_err *err)
{
    size_t len = path != NULL ? strlen(path) : 0;

    if (len == 0 || path[len - 1] == '/')
        return cw__fail(err, CW_EUSAGE, "%s: not a file name",
                        path != NULL ? path : "(null)");
    if (ncols == 0 || cols == NULL)
        return cw__fail(err, CW_EUSAGE, "%s: an output needs columns", path);
    for (size_t i = 0; i < ncols; i++)
        if (cols[i] == NULL)
            return cw__fail(err, CW_EUSAGE, "%s: column %zu has no name", path,
                            i + 1);
    if (o->format != CW_FMT_CSV && o->format != CW_FMT_NDJSON)
        return cw__fail(err, CW_EUSAGE, "%s: unknown output format", path);
    if (o->format == CW_FMT_CSV && (o->delim == '"' || o->delim == '\r' ||
                                    o->delim == '\n' || o->delim == '\0'))
        return cw__fail(err, CW_EUSAGE, "%s: invalid CSV delimiter", path);
    if (o->split_col >= 0 && o->max_distinct > 0 &&
        (size_t)o->split_col >= ncols)
        return cw__fail(err, CW_EUSAGE,
                        "%s: split column %ld is past the %zu columns", path,
                        o->split_col + 1, ncols);
    return CW_OK;
}

/*
** Open an output at 'path' with the columns 'cols': check the options,
** encode the header once and start the first part, so that a missing or
** unwritable directory fails here rather than at the first row.
*/
int cw__writer_open(const char *path, const char *const *cols, size_t ncols,
                    const cw_writeopts *o, cw_writer **out, cw_err *err)
{
    cw_writeopts def;
    const char *slash;
    cw_writer *w;
    size_t i;
    int rc;

    *out = NULL;
    if (o == NULL) {
        cw__writeopts_default(&def);
        o = &def;
    }
    rc = check_args(path, cols, ncols, o, err);
    if (rc != CW_OK)
        return rc;
    w = cw__alloc(sizeof *w);
    if (w == NULL)
        return cw__fail(err, CW_ENOMEM, "%s: out of memory", path);
    *w = (cw_writer){.o = *o, .ncols = ncols};
    if (o->split_col < 0 || o->max_distinct == 0) {
        w->o.split_col = -1;
        w->o.max_distinct = 0;
    }
    /* Not with an allocator of the caller's, which is called from the
    ** caller's thread only (crosswalk.h). */
    w->threadable = o->format == CW_FMT_CSV && o->thread >= 0 &&
                    !cw__alloc_custom() &&
                    (o->thread > 0 || cw__blockq_cores() > 1);
    w->path = cw__strdup(path);
    if (w->path == NULL) {
        cw__free(w);
        return cw__fail(err, CW_ENOMEM, "%s: out of memory", path);
    }
    slash = strrchr(w->path, '/');
    w->base = slash != NULL ? slash + 1 : w->path;
    if (slash == NULL)
        w->dir = cw__strdup(".");
    else if (slash == w->path)
        w->dir = cw__strdup("/");
    else
        w->dir = cw__strndup(w->path, (size_t)(slash - w->path));
    if (w->dir == NULL) {
        rc = werr_nomem(w);
        goto fail;
    }
    for (i = 0; i < 256; i++)
        w->special[i] = i == '"' || i == '\r' || i == '\n' ||
                        i == (unsigned char)w->o.delim;
    rc = make_header(w, cols);
    if (rc == CW_OK)
        rc = new_part(w, &w->cur);
    if (rc != CW_OK)
        goto fail;
    *out = w;
    return CW_OK;

fail:
    cw__errcopy(err, &w->err);
    cw__writer_close(w);
    return rc;
}

/*
** Write row 'f': on this thread, or through the writer thread once it has
** started.  Every error but CW_EINVALID (NDJSON) spoils the output for
** good.
*/
int cw__writer_write(cw_writer *w, const cw_field *f)
{
    int rc;

    if (w->q != NULL)
        return queue_row(w, f);
    if (w->failed)
        return w->err.code;
    if (w->committed)
        return cw__fail(&w->err, CW_EUSAGE, "%s: write after commit", w->path);
    rc = write_row(w, f);
    if (rc == CW_OK && w->threadable &&
        (w->o.thread > 0 || w->nbytes >= THREAD_AFTER))
        start_thread(w);
    return rc;
}

/* Fsync the directory of the output. */
static int sync_dir(cw_writer *w)
{
    return cw__fsync_dir(w->dir) == 0 ? CW_OK : werr_io(w, w->dir);
}

/*
** Seal every part (flush, fsync, close), and only when all succeeded
** rename each into place, then fsync the directory.  A rename that fails
** after others succeeded cannot be undone: the earlier parts stay.
** Names are deterministic: the same rows in the same order give the same
** parts.  Parts of an earlier run beyond this run's count are not
** removed (a run of 3 parts after one of 5 leaves -004 and -005).
*/
int cw__writer_prepare(cw_writer *w)
{
    struct stat st;
    int rc;

    if (w->q != NULL && (rc = stop_thread(w, 0)) != CW_OK)
        return rc;
    if (w->failed)
        return w->err.code;
    if (w->prepared)
        return CW_OK;
    for (size_t i = 0; i < w->nparts; i++) {
        if (w->parts[i].fd >= 0 && (rc = finish(w, i)) != CW_OK)
            return rc;
    }
    /* rename(2) onto a directory would fail; say so now. */
    for (size_t i = 0; i < w->nparts; i++) {
        const char *final = w->nparts == 1 ? w->path : w->parts[i].name;

        if (lstat(final, &st) == 0 && S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            return werr_io(w, final);
        }
    }
    w->prepared = 1;
    return CW_OK;
}

int cw__writer_commit(cw_writer *w)
{
    size_t i;
    int rc;

    if (w->q != NULL && (rc = stop_thread(w, 0)) != CW_OK)
        return rc;
    if (w->failed)
        return w->err.code;
    if (w->committed)
        return CW_OK;
    /* Every part is on disk before any is renamed. */
    if ((rc = cw__writer_prepare(w)) != CW_OK)
        return rc;
    for (i = 0; i < w->nparts; i++) {
        const char *final = w->nparts == 1 ? w->path : w->parts[i].name;

        if (rename(w->parts[i].tmp, final) != 0)
            return werr_io(w, final);
        w->parts[i].renamed = 1;
    }
    w->committed = 1;
    return sync_dir(w);
}

/* Number of parts started so far. */
size_t cw__writer_nparts(const cw_writer *w)
{
    return w->nparts;
}

/* Number of parts renamed into place: the first ones, in order. */
size_t cw__writer_nrenamed(const cw_writer *w)
{
    size_t n = 0;

    while (n < w->nparts && w->parts[n].renamed)
        n++;
    return n;
}

/*
** Final path of part 'i' (planned, before the commit) and its data rows
** in '*rows'; NULL when 'i' is out of range.  Owned by 'w'.
*/
const char *cw__writer_part(const cw_writer *w, size_t i,
                            unsigned long long *rows)
{
    if (i >= w->nparts)
        return NULL;
    if (rows != NULL)
        *rows = w->parts[i].rows;
    return w->nparts == 1 ? w->path : w->parts[i].name;
}

/* Temp path of part 'i', where it is until renamed (the ledger records
** that file's identity); NULL when 'i' is out of range.  Owned by 'w'. */
const char *cw__writer_tmp(const cw_writer *w, size_t i)
{
    return i < w->nparts ? w->parts[i].tmp : NULL;
}

/* The last error message on 'w', "" when none.  Owned by 'w'. */
const char *cw__writer_errmsg(const cw_writer *w)
{
    return w->err.msg;
}

int cw__writer_threaded(const cw_writer *w)
{
    return w->threaded;
}

/* Close every descriptor, unlink every temp file not renamed, free 'w'. */
void cw__writer_close(cw_writer *w)
{
    size_t i;

    if (w == NULL)
        return;
    if (w->q != NULL)
        stop_thread(w, 1);
    for (i = 0; i < w->nparts; i++) {
        part *p = &w->parts[i];

        if (p->fd >= 0) {
            (void)cw__syncer_forget(w->sync, p->fd);
            close(p->fd);
        }
        if (!p->renamed)
            unlink(p->tmp);
        cw__free(p->tmp);
        cw__free(p->name);
        cw__free(p->buf);
    }
    for (i = 0; i < w->mapcap; i++)
        cw__free(w->map[i].val);
    cw__free(w->map);
    cw__free(w->groups);
    cw__free(w->parts);
    cw__free(w->row);
    cw__free(w->uf);
    cw__free(w->koff);
    cw__free(w->hdr);
    cw__syncer_free(w->sync);
    cw__free(w->dir);
    cw__free(w->path);
    cw__free(w);
}
