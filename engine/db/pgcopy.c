/*
** pgcopy.c -- the PostgreSQL sink's COPY data: each value converted for
** its column's type, then escaped for the COPY text format or put in the
** binary one; the sequence numbers added to a direct upsert batch that
** must go through the staging table after all; and the file:line of
** every row of the batch, packed in about a byte a row and unpacked only
** for a message.  The per-value work stays in this file; the sink calls
** it once per row.
*/
#include "db/sinkpg.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ==== Row positions ==== */

/* Append 'v' to 'b' in 7-bit groups, low first, the top bit of a byte
** saying that another follows. */
static int putnum(cw_buf *b, unsigned long v)
{
    unsigned char t[(sizeof v * 8 + 6) / 7];
    size_t n = 0;

    do {
        t[n++] = (unsigned char)((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
        v >>= 7;
    } while (v > 0);
    return cw__buf_add(b, t, n);
}

/*
** Note that the next row comes from 'file':'line'.  Rows mostly come
** from the next lines of the same file, so each is kept as its line's
** distance from the last row's, plus 1 (one byte up to 126 lines on);
** a 0 starts a new file index and line.  A batch of a million rows
** costs about 1 MB.
*/
static int addpos(cw_sink *s, const char *file, unsigned long line)
{
    size_t f;

    if (file == NULL)
        file = "-";
    /* Most rows: the next lines of the last row's file, one byte. */
    if (s->lastfile < s->nfiles && s->filekeys[s->lastfile] == file &&
        line >= s->lastline && line - s->lastline < 0x7F &&
        s->pos.len < s->pos.cap) {
        s->pos.p[s->pos.len++] = (char)(line - s->lastline + 1);
        s->lastline = line;
        s->npos++;
        return CW_OK;
    }
    /* The last file is almost always the same one: compare pointers
    ** first, then names. */
    for (f = s->nfiles; f > 0; f--)
        if (s->filekeys[f - 1] == file || strcmp(s->files[f - 1], file) == 0)
            break;
    if (f == 0) {
        size_t cap = s->filecap;
        char **nf = cw__grow(s->files, &cap, s->nfiles + 1, sizeof *nf);

        if (nf == NULL)
            return CW_ENOMEM;
        s->files = nf;
        cap = s->filecap;
        {
            const char **nk =
                cw__grow(s->filekeys, &cap, s->nfiles + 1, sizeof *nk);

            if (nk == NULL)
                return CW_ENOMEM;
            s->filekeys = nk;
        }
        s->filecap = cap;
        if ((s->files[s->nfiles] = cw__strdup(file)) == NULL)
            return CW_ENOMEM;
        s->filekeys[s->nfiles++] = file;
        f = s->nfiles;
    }
    f--;
    if (f == s->lastfile && line >= s->lastline &&
        line - s->lastline < ULONG_MAX) {
        if (putnum(&s->pos, line - s->lastline + 1) != CW_OK)
            return CW_ENOMEM;
    } else if (putnum(&s->pos, 0) != CW_OK || putnum(&s->pos, f) != CW_OK ||
               putnum(&s->pos, line) != CW_OK) {
        return CW_ENOMEM;
    }
    s->lastfile = f;
    s->lastline = line;
    s->npos++;
    return CW_OK;
}

/* Read a number written by putnum() at '*p' and move past it. */
static unsigned long getnum(const unsigned char **p)
{
    unsigned long v = 0;

    for (unsigned shift = 0;; shift += 7) {
        unsigned c = *(*p)++;

        v |= (unsigned long)(c & 0x7F) << shift;
        if (!(c & 0x80))
            return v;
    }
}

/* The file:line text of row 'i' of the batch (sinkpg.h), unpacked from
** 'pos'. */
void cw__pgsink_rowwhere(const cw_sink *s, size_t i, char *out, size_t n)
{
    const unsigned char *p = (const unsigned char *)s->pos.p;
    unsigned long line = 0, d;
    size_t f = 0;

    if (i >= s->npos) {
        snprintf(out, n, "-");
        return;
    }
    for (size_t k = 0; k <= i; k++) {
        if ((d = getnum(&p)) == 0) {
            f = getnum(&p);
            line = getnum(&p);
        } else {
            line += d - 1;
        }
    }
    snprintf(out, n, "%s:%lu", s->files[f], line);
}

/* ==== COPY text ==== */

/* Bytes that the COPY text format escapes: backslash, tab, newline and
** carriage return (their escape letters; 0 for every other byte). */
static const char escapes[256] = {
    ['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r'};

/* 1 when one of the 8 bytes of 'w' needs an escape (backslash, tab,
** newline, carriage return): the bit tricks of "a zero byte in a word". */
static int special8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t a = w ^ (ones * '\\'), b = w ^ (ones * '\t');
    uint64_t c = w ^ (ones * '\n'), d = w ^ (ones * '\r');
    uint64_t hit = ((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c) |
                   ((d - ones) & ~d);

    return (hit & highs) != 0;
}

/* Append 'len' bytes at 'p' to the COPY data, escaped for the text
** format, then the byte 'sep' (a tab or a newline).  Most values hold
** nothing to escape: they are checked 8 bytes at a time. */
static int addtext(cw_buf *b, const char *p, size_t len, char sep)
{
    size_t i = 0;
    char *o;

    if (b->cap - b->len < 2 * len + 2) {
        size_t cap = b->cap;
        char *np = cw__grow(b->p, &cap, b->len + 2 * len + 2, 1);

        if (np == NULL)
            return CW_ENOMEM;
        b->p = np;
        b->cap = cap;
    }
    o = b->p + b->len;
    for (;;) {
        uint64_t w;

        while (i + 8 <= len) {
            memcpy(&w, p + i, 8);
            if (special8(w))
                break;
            memcpy(o, &w, 8);
            o += 8;
            i += 8;
        }
        if (i == len)
            break;
        /* Byte by byte to the end of this word (or of the value). */
        for (size_t end = i + 8 < len ? i + 8 : len; i < end; i++) {
            char e = escapes[(unsigned char)p[i]];

            if (e != 0) {
                *o++ = '\\';
                *o++ = e;
            } else {
                *o++ = p[i];
            }
        }
        if (i == len)
            break;
    }
    *o++ = sep;
    b->len = (size_t)(o - b->p);
    return CW_OK;
}

/* 1 when the ISO value at 's' names an offset after its date. */
static int hasoffset(const char *s, size_t len)
{
    for (size_t i = 10; i < len; i++)
        if (s[i] == 'Z' || s[i] == 'z' || s[i] == '+' || s[i] == '-')
            return 1;
    return 0;
}

/* Fail the row at 'file':'line' because of column 'i''s value. */
static int badvalue(cw_sink *s, size_t i, const char *what, const cw_field *f,
                    const char *file, unsigned long line)
{
    int shown = f->len > 60 ? 60 : (int)f->len;

    return cw__fail(&s->err, CW_ESINK,
                    "%s:%lu: postgres:%s: table \"%s\": column '%s': %s: "
                    "'%.*s'%s; nothing of this run was committed",
                    file ? file : "-", line, cw__pgsink_dbname(s), s->table,
                    s->names[i], what, shown, f->p, f->len > 60 ? "..." : "");
}

/* Append the 'len' bytes at 'p' as they are, then 'sep'. */
static int addraw(cw_buf *b, const char *p, size_t len, char sep)
{
    if (b->cap - b->len < len + 1) {
        size_t cap = b->cap;
        char *np = cw__grow(b->p, &cap, b->len + len + 1, 1);

        if (np == NULL)
            return CW_ENOMEM;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, len);
    b->p[b->len + len] = sep;
    b->len += len + 1;
    return CW_OK;
}

/* Room for 'n' more bytes in 'b'. */
static int room(cw_buf *b, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap;
        char *np = cw__grow(b->p, &cap, b->len + n, 1);

        if (np == NULL)
            return CW_ENOMEM;
        b->p = np;
        b->cap = cap;
    }
    return CW_OK;
}

/* Store 'v' at 'o' big-endian in 'n' bytes. */
static void putbe(char *o, uint64_t v, int n)
{
    for (int k = n - 1; k >= 0; k--, v >>= 8)
        o[k] = (char)(v & 0xFF);
}

/* Store the 32-bit 'v' at 'o' big-endian (a field's length); compilers
** make one byte swap and store of it. */
static void put32(char *o, uint32_t v)
{
    o[0] = (char)(v >> 24);
    o[1] = (char)(v >> 16);
    o[2] = (char)(v >> 8);
    o[3] = (char)v;
}

/* Append one binary field: its length (-1: NULL), then its bytes. */
static int addfield(cw_buf *b, const char *p, size_t len)
{
    if (p != NULL && len > INT32_MAX)
        return CW_ESINK;
    if (room(b, 4 + (p != NULL ? len : 0)) != CW_OK)
        return CW_ENOMEM;
    if (p == NULL) {
        putbe(b->p + b->len, 0xFFFFFFFFu, 4);
        b->len += 4;
        return CW_OK;
    }
    putbe(b->p + b->len, len, 4);
    memcpy(b->p + b->len + 4, p, len);
    b->len += 4 + len;
    return CW_OK;
}

/* Append a binary bigint field. */
static int addint8(cw_buf *b, uint64_t v)
{
    if (room(b, 12) != CW_OK)
        return CW_ENOMEM;
    putbe(b->p + b->len, 8, 4);
    putbe(b->p + b->len + 4, v, 8);
    b->len += 12;
    return CW_OK;
}

/* 1 for the bytes PostgreSQL's integer input skips around a number. */
static int pgspace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/* Parse an integer as PostgreSQL's bigint input does (spaces around, a
** sign, decimal digits); 0 when it is not one or does not fit. */
static int toint8(const char *p, size_t len, int64_t *out)
{
    uint64_t v = 0, lim = (uint64_t)INT64_MAX;
    size_t i = 0, digits = 0;
    int neg = 0;

    while (i < len && pgspace(p[i]))
        i++;
    if (i < len && (p[i] == '-' || p[i] == '+'))
        neg = p[i++] == '-';
    for (; i < len && p[i] >= '0' && p[i] <= '9'; i++, digits++) {
        if (v > (lim + (uint64_t)neg - (uint64_t)(p[i] - '0')) / 10)
            return 0;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    while (i < len && pgspace(p[i]))
        i++;
    if (digits == 0 || i != len)
        return 0;
    *out = neg ? (v == lim + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return 1;
}

/*
** The value of column 'i' as the server is to get it, converted for its
** type: '*p' NULL for SQL NULL, else '*len' bytes at '*p', '*plain' 1 when
** they need no escaping in the text format.  CW_OK or CW_ESINK.
*/
static int convert(cw_sink *s, size_t i, const cw_field *f, const char **p,
                   size_t *len, int *plain, const char *file,
                   unsigned long line)
{
    cw_verdict v;

    *p = f->p;
    *len = f->len;
    *plain = 0;
    if (f->p == NULL)
        return CW_OK;
    switch (s->types[i]) {
    case CW_T_INTEGER:
    case CW_T_NUMBER:
        if (cw__blank(f->p, f->len))
            *p = NULL;
        return CW_OK; /* the server checks the number, naming the line */
    case CW_T_BOOLEAN: {
        int t;

        if (cw__blank(f->p, f->len)) {
            *p = NULL;
            return CW_OK;
        }
        if (cw__rule_bool(f->p, f->len, &t, &v) != 0)
            return badvalue(s, i, "not a boolean", f, file, line);
        *p = t ? "true" : "false";
        *len = t ? 4 : 5;
        *plain = 1;
        return CW_OK;
    }
    case CW_T_DATE:
    case CW_T_DATETIME: {
        int date = s->types[i] == CW_T_DATE;
        cw_datetime dt;
        size_t n;

        if (cw__blank(f->p, f->len)) {
            *p = NULL;
            return CW_OK;
        }
        if (cw__sink_isodate(f->p, f->len) &&
            (date || !hasoffset(f->p, f->len))) {
            /* ISO already: the date alone, or the value as given. */
            *len = date ? 10 : f->len;
            return CW_OK;
        }
        if (cw__rule_date_parse(f->p, f->len, &dt, &v) != 0)
            return badvalue(s, i, "not a date or time", f, file, line);
        if (!date && dt.has_offset &&
            cw__rule_date_convert(&dt, NULL, NULL, &v) != 0)
            return badvalue(s, i, "not a date or time", f, file, line);
        n = cw__rule_date_format(
            &dt, date || !dt.has_time ? CW_DATEFMT_DATE : CW_DATEFMT_ISO_FULL,
            s->conv);
        if (!date && dt.has_time && dt.usec > 0)
            n += (size_t)snprintf(s->conv + n, sizeof s->conv - n, ".%06ld",
                                  dt.usec);
        *p = s->conv;
        *len = n;
        *plain = 1;
        return CW_OK;
    }
    default:
        return CW_OK;
    }
}

/* Append value 'f' of column 'i', converted for its type, to the COPY
** data: in the text format followed by 'sep', or as a binary field. */
static int addvalue(cw_sink *s, size_t i, const cw_field *f, char sep,
                    const char *file, unsigned long line)
{
    cw_buf *b = &s->data;
    const char *p;
    size_t len;
    int plain, rc;

    /* Most values are text as given: straight to the encoder. */
    if (s->types[i] == CW_T_TEXT || f->p == NULL) {
        p = f->p;
        len = f->len;
        plain = 0;
    } else if ((rc = convert(s, i, f, &p, &len, &plain, file, line)) != CW_OK) {
        return rc;
    }
    if (!s->binary) {
        if (p == NULL)
            return addraw(b, "\\N", 2, sep);
        return plain ? addraw(b, p, len, sep) : addtext(b, p, len, sep);
    }
    if (p == NULL)
        return addfield(b, NULL, 0);
    switch (s->kinds[i]) {
    case K_BOOL:
        return addfield(b, len == 4 ? "\1" : "\0", 1);
    case K_INT8: {
        int64_t n;

        if (!toint8(p, len, &n))
            return badvalue(s, i, "not a 64-bit integer", f, file, line);
        return addint8(b, (uint64_t)n);
    }
    default:
        rc = addfield(b, p, len);
        return rc == CW_ESINK ? badvalue(s, i, "value too long", f, file, line)
                              : rc;
    }
}

/* Append the decimal digits of 'v', then 'sep', to 'b'. */
static int addnum(cw_buf *b, unsigned long long v, char sep)
{
    char t[24];
    size_t n = sizeof t;

    t[--n] = sep;
    do {
        t[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    return cw__buf_add(b, t + n, sizeof t - n);
}

const char cw__pgsink_binhead[19] = "PGCOPY\n\377\r\n\0"
                                    "\0\0\0\0"  /* flags */
                                    "\0\0\0\0"; /* no header extension */
const char cw__pgsink_bintail[2] = {'\377', '\377'};

/* 1 when rows now carry the upsert's sequence number (they go to the
** staging table). */
static int seqcol(const cw_sink *s)
{
    return s->upsert && !s->direct;
}

/*
** Append the row 'f' from 'file':'line' to the COPY data and note where it
** came from (sinkpg.h).  On failure the data is left as it was.
*/
/*
** Append row 'f' of an all-text binary COPY (s->alltext): the field
** count, then each value's length and bytes, written through a local
** pointer once the row's room is there.  CW_OK, CW_ENOMEM, or 1 when a
** value is too long for the format (nothing written: the general way
** then names it).
*/
static int addtextrow(cw_sink *s, const cw_field *f, int seq)
{
    size_t need = 2 + 12, n = s->ncols;
    char *o;

    for (size_t i = 0; i < n; i++) {
        if (f[i].len > INT32_MAX)
            return 1;
        need += 4 + (f[i].p != NULL ? f[i].len : 0);
    }
    if (room(&s->data, need) != CW_OK)
        return CW_ENOMEM;
    o = s->data.p + s->data.len;
    putbe(o, n + (size_t)seq, 2);
    o += 2;
    for (size_t i = 0; i < n; i++) {
        if (f[i].p == NULL) {
            put32(o, 0xFFFFFFFFu);
            o += 4;
        } else {
            put32(o, (uint32_t)f[i].len);
            memcpy(o + 4, f[i].p, f[i].len);
            o += 4 + f[i].len;
        }
    }
    s->data.len = (size_t)(o - s->data.p);
    return CW_OK;
}

int cw__pgsink_addrow(cw_sink *s, const cw_field *f, const char *file,
                      unsigned long line)
{
    size_t start = s->data.len;
    int seq = seqcol(s), rc = CW_OK;

    if (s->alltext && (rc = addtextrow(s, f, seq)) <= 0) {
        /* Done (or out of memory). */
    } else if (s->binary) {
        /* Room for the row as given at once; text goes in without more
        ** checks or calls (most rows are all text). */
        size_t need = 2 + 12;

        rc = CW_OK;

        for (size_t i = 0; i < s->ncols; i++)
            need += 4 + (f[i].p != NULL ? f[i].len : 0);
        if (room(&s->data, need) != CW_OK)
            return CW_ENOMEM;
        putbe(s->data.p + s->data.len, s->ncols + (size_t)seq, 2);
        s->data.len += 2;
        for (size_t i = 0; rc == CW_OK && i < s->ncols; i++) {
            cw_buf *b = &s->data;

            if (s->types[i] != CW_T_TEXT || f[i].len > INT32_MAX ||
                b->cap - b->len < 4 + f[i].len) {
                rc = addvalue(s, i, &f[i], 0, file, line);
            } else if (f[i].p == NULL) {
                put32(b->p + b->len, 0xFFFFFFFFu);
                b->len += 4;
            } else {
                put32(b->p + b->len, (uint32_t)f[i].len);
                memcpy(b->p + b->len + 4, f[i].p, f[i].len);
                b->len += 4 + f[i].len;
            }
        }
    } else {
        for (size_t i = 0; rc == CW_OK && i < s->ncols; i++) {
            char sep = i + 1 < s->ncols || seq ? '\t' : '\n';

            rc = addvalue(s, i, &f[i], sep, file, line);
        }
    }
    if (rc == CW_OK && seq) {
        ++s->seq;
        rc = s->binary ? addint8(&s->data, s->seq)
                       : addnum(&s->data, s->seq, '\n');
    }
    if (rc == CW_OK && addpos(s, file, line) != CW_OK)
        rc = CW_ENOMEM;
    if (rc != CW_OK)
        s->data.len = start;
    return rc;
}

/* Read a big-endian number of 'n' bytes at 'p'. */
static uint64_t getbe(const char *p, int n)
{
    uint64_t v = 0;

    for (int k = 0; k < n; k++)
        v = v << 8 | (unsigned char)p[k];
    return v;
}

/* The end of the whole row at 'o' of the 'end' bytes at 'd', or 0 when
** 'end' cuts it short. */
static size_t rowend(const cw_sink *s, const char *d, size_t o, size_t end)
{
    if (s->binary) {
        size_t n;

        if (end - o < 2)
            return 0;
        n = (size_t)getbe(d + o, 2);
        o += 2;
        for (size_t k = 0; k < n; k++) {
            uint32_t len;

            if (end - o < 4)
                return 0;
            len = (uint32_t)getbe(d + o, 4);
            o += 4;
            if (len != 0xFFFFFFFFu) {
                if (end - o < len)
                    return 0;
                o += len;
            }
        }
        return o;
    } else {
        const char *nl = memchr(d + o, '\n', end - o);

        return nl != NULL ? (size_t)(nl - d) + 1 : 0;
    }
}

/* Append the rows of a direct batch to 'out' with sequence numbers
** (sinkpg.h). */
int cw__pgsink_addseq(const cw_sink *s, const char *d, size_t len, size_t *off,
                      unsigned long long *seq, cw_buf *out, size_t upto)
{
    size_t o = *off;

    while (o < len && out->len < upto) {
        size_t row = o;

        if ((o = rowend(s, d, row, len)) == 0) {
            o = row;
            break;
        }
        if (room(out, o - row + 24) != CW_OK)
            return CW_ENOMEM;
        if (s->binary) {
            putbe(out->p + out->len, (size_t)getbe(d + row, 2) + 1, 2);
            memcpy(out->p + out->len + 2, d + row + 2, o - row - 2);
            out->len += o - row;
            addint8(out, ++*seq);
        } else {
            memcpy(out->p + out->len, d + row, o - row - 1);
            out->p[out->len + (o - row - 1)] = '\t';
            out->len += o - row;
            addnum(out, ++*seq, '\n');
        }
    }
    *off = o;
    return CW_OK;
}
