/*
** pgcopy.c -- the PostgreSQL sink's COPY data: each value converted for
** its column's type and escaped for the COPY text format, and the
** file:line of every row of the batch, packed in about a byte a row and
** unpacked only for a message.  The per-value work stays in this file;
** the sink calls it once per row.
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

/* Append value 'f' of column 'i', converted for its type, then 'sep'. */
static int addvalue(cw_sink *s, size_t i, const cw_field *f, char sep,
                    const char *file, unsigned long line)
{
    cw_buf *b = &s->data;
    cw_verdict v;

    if (f->p == NULL)
        return addraw(b, "\\N", 2, sep);
    switch (s->types[i]) {
    case CW_T_INTEGER:
    case CW_T_NUMBER:
        if (cw__blank(f->p, f->len))
            return addraw(b, "\\N", 2, sep);
        break; /* the server checks the number, naming the line */
    case CW_T_BOOLEAN: {
        int t;

        if (cw__blank(f->p, f->len))
            return addraw(b, "\\N", 2, sep);
        if (cw__rule_bool(f->p, f->len, &t, &v) != 0)
            return badvalue(s, i, "not a boolean", f, file, line);
        return t ? addraw(b, "true", 4, sep) : addraw(b, "false", 5, sep);
    }
    case CW_T_DATE:
    case CW_T_DATETIME: {
        int date = s->types[i] == CW_T_DATE;
        cw_datetime dt;
        size_t n;

        if (cw__blank(f->p, f->len))
            return addraw(b, "\\N", 2, sep);
        if (cw__sink_isodate(f->p, f->len) &&
            (date || !hasoffset(f->p, f->len)))
            /* ISO already: the date alone, or the value as given. */
            return addtext(b, f->p, date ? 10 : f->len, sep);
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
        return addraw(b, s->conv, n, sep);
    }
    default:
        break;
    }
    return addtext(b, f->p, f->len, sep);
}

/*
** Append the row 'f' from 'file':'line' to the COPY data and note where it
** came from (sinkpg.h).  On failure the data is left as it was.
*/
int cw__pgsink_addrow(cw_sink *s, const cw_field *f, const char *file,
                      unsigned long line)
{
    size_t start = s->data.len;
    int rc = CW_OK;

    for (size_t i = 0; rc == CW_OK && i < s->ncols; i++) {
        char sep = i + 1 < s->ncols || s->upsert ? '\t' : '\n';

        rc = addvalue(s, i, &f[i], sep, file, line);
    }
    if (rc == CW_OK && s->upsert &&
        cw__buf_printf(&s->data, "%llu\n", ++s->seq) != CW_OK)
        rc = CW_ENOMEM;
    if (rc == CW_OK && addpos(s, file, line) != CW_OK)
        rc = CW_ENOMEM;
    if (rc != CW_OK)
        s->data.len = start;
    return rc;
}
