/*
** csvparse.c -- the CSV parser: the byte-level state machine that turns
** slices of input into the fields and records of a batch, counts the
** physical lines, strips a UTF-8 BOM, checks UTF-8 and NUL bytes, caps the
** size of a field, and notes the first problem for the reader to report.
** The parser is our own (docs/decisions.md, "Our own CSV parser"); libcsv
** stays as the reference it is tested against (tests/test_csvread.c).
** Runs in the caller's thread or in the reader's parser thread
** (csvread.c), touching only the parser's part of the reader.
**
** A malformed record (a stray quote in an unquoted field, or text after
** the closing quote of a quoted field) ends parsing, unless the options
** ask to resync; then the record is marked (rec.bad) and handed out, and
** parsing goes on at the next line:
**   - the bad field and the rest of its physical line belong to the bad
**     record; there a quote is data (it never opens a quoted field) and
**     every delimiter ends a field, so that every byte of the line stays
**     in the record's fields: the fields before the bad one as parsed,
**     the bad one raw (a quoted one with its quotes), then the rest;
**   - when the bad field is a quoted field that spans lines (its closing
**     quote is on a later line), the record ends at the end of the line
**     where that field opens, and the lines after it are parsed again as
**     new records, so that a runaway quote swallows no good record;
**   - a quoted field still open at the end of input ends parsing, as
**     always: nothing after it could be trusted.
** Only the slow path sees any of this: the bytes of a good record are
** parsed as before.
**
** The fast path (fast()) goes first wherever a record or field starts:
** classify.c marks the quotes, the delimiters and line ends outside
** quotes and the odd bytes of up to CLS_BYTES bytes at once, with SIMD
** where the CPU has it, and the fields between separators that are well
** formed are added from those bits, as the state machine would add them.
** The first field that is not (a stray quote, text after a closing
** quote, lenient quotes, too large, or cut by the end of the slice) is
** left to the state machine, from its start; so are all fields when the
** classifier is SIMD_OFF.  The tests and the fuzz target compare the two.
*/
#include "csv/csvint.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ==== Problems ==== */

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
** Copy the 'len' bytes at 's' to 'd': short ones in two overlapping
** moves, which is quicker than a call to memcpy().
*/
static void copy_bytes(unsigned char *d, const unsigned char *s, size_t len)
{
    uint64_t w, x;
    uint32_t y, z;

    if (len > 16) {
        memcpy(d, s, len);
    } else if (len >= 8) {
        memcpy(&w, s, 8);
        memcpy(&x, s + len - 8, 8);
        memcpy(d, &w, 8);
        memcpy(d + len - 8, &x, 8);
    } else if (len >= 4) {
        memcpy(&y, s, 4);
        memcpy(&z, s + len - 4, 4);
        memcpy(d, &y, 4);
        memcpy(d + len - 4, &z, 4);
    } else {
        for (size_t i = 0; i < len; i++)
            d[i] = s[i];
    }
}

/*
** A complete field: append the 'len' bytes at 's' to the record being
** built, with their line ends and their first bad byte.  'odd' is 1 when
** some of them may be odd (below 0x0E or above 0x7F), 0 when none is, or
** -1 when that is not known yet.
*/
static void add_field(cw_csv *r, const char *s, size_t len, int odd)
{
    batch *b = r->fb;
    rec *c = &r->cur;
    unsigned long fline;
    size_t bad;
    int nul;

    if (r->pend != P_NONE)
        return;
    if (c->nf == 0) {
        c->f0 = b->nfields;
        c->line = r->line;
        c->nlines = 0;
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
    if (odd < 0)
        odd = copy_odd((unsigned char *)b->bytes + b->nbytes,
                       (const unsigned char *)s, len);
    else
        copy_bytes((unsigned char *)b->bytes + b->nbytes,
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
        c->bad = nul ? B_NUL : B_UTF8;
    }
    return;

nomem:
    pend(r, P_NOMEM, fline, 0);
}

/* The same, with its odd bytes not known yet. */
static void on_field(cw_csv *r, const char *s, size_t len)
{
    add_field(r, s, len, -1);
}

/*
** A record ends with the CR or LF 'c', or -1 at the end of input: queue
** the record being built, or count the empty line; a LF right after a CR
** that ended a line is the second half of a CRLF.
*/
static inline void on_record(cw_csv *r, int c)
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
    if (r->cur.nf > r->o.max_fields) {
        pend(r, P_TOOMANY, r->cur.line, r->o.max_fields + 1);
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
    r->cur.badf = 0;
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

/* ==== Malformed records ==== */

/*
** A malformed record, 'what' (B_STRAY or B_AFTER) in the open field:
** without resync, leave the problem pending and return -1; with it, mark
** the record being built, go on in S_RAW and return 0.
*/
static int malformed(cw_csv *r, enum bad what)
{
    unsigned long line = open_field_line(r), col = r->cur.nf + 1;

    if (!r->o.resync) {
        pend(r, what == B_STRAY ? P_STRAY : P_AFTER, line, col);
        return -1;
    }
    r->cur.badf = col;
    r->cur.badline = line;
    r->cur.bad = what;
    r->st = S_RAW;
    return 0;
}

/*
** An open field of 'have' bytes ending or found malformed (a quoted
** field's value, or an unquoted field's bytes before its stray quote):
** when that is already more than the field may hold, the field is too
** large, as the end of the input slice would have found had it come
** first, so that where the reads end never changes the answer (a quoted
** field is always the one with the hint about a missing closing quote).
** 1 then (pending), else 0.
*/
static int overcap(cw_csv *r, size_t have, int bare)
{
    if (have <= r->o.max_field + (size_t)bare)
        return 0;
    pend(r, bare ? P_TOOBIG : P_TOOBIGQ, open_field_line(r), r->cur.nf + 1);
    return 1;
}

/*
** Replace the first 'm' saved bytes of the open quoted field (its value)
** with the field as it was written: an opening quote, the value with
** every quote doubled, and a closing quote when 'close'.  The bytes
** after them are dropped.  0, or -1 when out of memory (then pending).
*/
static int requote(cw_csv *r, size_t m, int close)
{
    unsigned char quote = (unsigned char)r->o.quote;
    size_t nq = 0, j;

    for (size_t i = 0; i < m; i++)
        nq += (unsigned char)r->ent[i] == quote;
    if (m + nq + 2 > r->ecap) {
        char *e = cw__grow(r->ent, &r->ecap, m + nq + 2, 1);

        if (e == NULL) {
            pend(r, P_NOMEM, open_field_line(r), 0);
            return -1;
        }
        r->ent = e;
    }
    j = m + nq + 1;
    r->ent[j] = (char)quote; /* kept only when 'close' */
    for (size_t i = m; i-- > 0;) {
        r->ent[--j] = r->ent[i];
        if ((unsigned char)r->ent[i] == quote)
            r->ent[--j] = (char)quote;
    }
    r->ent[0] = (char)quote;
    r->elen = m + nq + 1 + (close != 0);
    return 0;
}

static void feed(cw_csv *r, const char *s, size_t len);

/*
** Text at 'p' after the closing quote of the open field (at p - 1, unless
** it ended the previous input) in the 'len' bytes at 's': a malformed
** record (see the top of the file).  '*run' is where the unsaved bytes of
** the field start.  Return where parsing goes on: 'p' in S_RAW, with the
** field as written saved; or, when the field spans lines, the start of
** the line after the one where it opens, in S_ROW, the record ended
** there.  When that line is no longer in 's', the field's lines after it
** and the rest of 's' (and of the bytes to parse again, when 's' is some
** of them) become the bytes to parse again, a slice at a time like the
** input (cw__csvparse_fill()), so that their records go into batches of
** the usual size; the end of 's' is returned.  Without resync, or when
** out of memory, the problem is left pending.
*/
static const unsigned char *after(cw_csv *r, const unsigned char *s, size_t len,
                                  const unsigned char *p,
                                  const unsigned char **run)
{
    unsigned char quote = (unsigned char)r->o.quote;
    unsigned long line = open_field_line(r), lines = 0;
    size_t k, rest, nq = 0, n = 0;
    char *copy = NULL;
    int c;

    if (overcap(r, r->elen + (p > *run ? (size_t)(p - 1 - *run) : 0), 0))
        return p;
    if (!r->o.resync) {
        malformed(r, B_AFTER); /* pending */
        return p;
    }
    if (p > *run && save(r, *run, (size_t)(p - 1 - *run)) != 0)
        return p;
    for (k = 0; k < r->elen && r->ent[k] != '\r' && r->ent[k] != '\n'; k++)
        ;
    if (k == r->elen) { /* on one line: the rest of it is raw */
        if (malformed(r, B_AFTER) == 0 && requote(r, r->elen, 1) == 0)
            *run = p;
        return p;
    }
    for (size_t i = 0; i < r->elen; i++) {
        nq += (unsigned char)r->ent[i] == quote && i > k;
        lines += r->ent[i] == '\r' ||
                 (r->ent[i] == '\n' && (i == 0 || r->ent[i - 1] != '\r'));
    }
    rest = r->elen - k - 1 + nq + 1; /* the field after its first line end */
    if ((size_t)(p - s) < rest) {
        size_t tail = len - (size_t)(p - s), at = 0;
        size_t more = r->again != NULL ? r->againlen - r->againpos : 0;

        copy = cw__alloc(rest + tail + more);
        if (copy == NULL) {
            pend(r, P_NOMEM, line, 0);
            return p;
        }
        for (size_t i = k + 1; i < r->elen; i++) {
            copy[at++] = r->ent[i];
            if ((unsigned char)r->ent[i] == quote)
                copy[at++] = (char)quote;
        }
        copy[at++] = (char)quote;
        memcpy(copy + at, p, tail);
        if (more > 0) /* 's' is some of them: they follow it */
            memcpy(copy + at + tail, r->again + r->againpos, more);
        n = at + tail + more;
    }
    c = (unsigned char)r->ent[k];
    r->cur.badf = r->cur.nf + 1;
    r->cur.badline = line;
    r->cur.badat = line + lines;
    r->cur.bad = B_CUT;
    if (requote(r, k, 0) == 0) {
        on_field(r, r->ent, r->elen);
        on_record(r, c);
    }
    r->elen = 0;
    r->st = S_ROW;
    if (copy == NULL)
        return p - rest;
    if (r->pend == P_NONE) {
        /* the bytes to parse again before, when 's' is some of them,
        ** are freed by cw__csvparse_fill() once 's' is parsed */
        r->again = copy;
        r->againlen = n;
        r->againpos = 0;
    } else {
        cw__free(copy);
    }
    *run = s + len;
    return s + len;
}

/* ==== The fast path ==== */

/* Bits 'a' to 'b' - 1 of the words 'm' (a < b, in one word), shifted
** down to bit 0. */
static inline uint64_t word_bits(const uint64_t *m, size_t a, size_t b)
{
    return (m[a >> 6] >> (a & 63)) & (~(uint64_t)0 >> (64 - (b - a)));
}

/* 1 when one of the bits 'a' to 'b' - 1 of the words 'm' is set. */
static inline int any_bits(const uint64_t *m, size_t a, size_t b)
{
    size_t wa, wb;

    if (a >= b)
        return 0;
    wa = a >> 6;
    wb = (b - 1) >> 6;
    if (wa == wb)
        return word_bits(m, a, b) != 0;
    if ((m[wa] & ~(uint64_t)0 << (a & 63)) != 0)
        return 1;
    for (size_t w = wa + 1; w < wb; w++)
        if (m[w] != 0)
            return 1;
    return (m[wb] & ~(uint64_t)0 >> (63 - ((b - 1) & 63))) != 0;
}

/*
** scan() for the 'len' bytes at 's' whose odd bytes are the bits 'from'
** to 'from' + len - 1 of the words 'odd' (or more): only those bytes
** are looked at, with the same results.
*/
static unsigned long scan_bits(const unsigned char *s, size_t len,
                               const uint64_t *odd, size_t from, size_t *bad,
                               int *nul)
{
    unsigned long lines = 0;
    size_t next = 0, end = from + len; /* 'next': first byte not seen */

    *bad = len;
    *nul = 0;
    for (size_t w = from >> 6; w * 64 < end; w++) {
        uint64_t bits = odd[w];

        if (w == from >> 6)
            bits &= ~(uint64_t)0 << (from & 63);
        if ((w + 1) * 64 > end)
            bits &= ~(uint64_t)0 >> (64 - (end & 63));
        for (; bits != 0; bits &= bits - 1) {
            unsigned k = (unsigned)__builtin_ctzll(bits);
            size_t i = w * 64 + k - from, n;
            unsigned char c = s[i];

            if (i < next)
                continue; /* in a UTF-8 sequence from the word before */
            if (c >= 0x80) {
                n = *bad == len ? u8seq(s + i, len - i) : 1;
                if (n == 0) {
                    *bad = i;
                    n = 1;
                }
                next = i + n;
                if (k < 63) /* the rest of the sequence in this word */
                    bits &= ~((((uint64_t)1 << (n - 1)) - 1) << (k + 1));
            } else if (c == '\r' ||
                       (c == '\n' && (i == 0 || s[i - 1] != '\r'))) {
                lines++;
            } else if (c == 0 && *bad == len) {
                *bad = i;
                *nul = 1;
            }
        }
    }
    return lines;
}

/*
** add_field() for the fast path, inlined: the 'len' bytes at 's', which
** are the bytes 'from' on of the chunk classified in 'c' ('odd': 1 when
** some of them are odd), when they fit in the batch as it is; 'lim' is
** the end of the input that may be read.  0 when they do not fit, and
** then nothing was done.
*/
static inline int put_field(cw_csv *r, const unsigned char *s, size_t len,
                            int odd, const cls *c, size_t from,
                            const unsigned char *lim)
{
    batch *b = r->fb;
    rec *cur = &r->cur;
    size_t nb = b->nbytes, nf = b->nfields;
    unsigned char *d;

    if (nb + len + 33 > b->bytescap || nf == b->fieldscap)
        return 0;
    if (cur->nf == 0) {
        cur->f0 = nf;
        cur->line = r->line;
        cur->nlines = 0;
    }
    d = (unsigned char *)b->bytes + nb;
    if (len <= 32 && lim - s >= 32) { /* 32 bytes, fewer branches */
        memcpy(d, s, 16);
        memcpy(d + 16, s + 16, 16);
    } else {
        copy_bytes(d, s, len);
    }
    d[len] = '\0';
    b->fields[nf].off = nb;
    b->fields[nf].len = len;
    b->nfields = nf + 1;
    b->nbytes = nb + len + 1;
    cur->nf++;
    if (odd) {
        unsigned long fline = cur->line + cur->nlines;
        size_t bad;
        int nul;

        cur->nlines += scan_bits(s, len, c->odd, from, &bad, &nul);
        if (bad < len && cur->badf == 0) {
            cur->badf = cur->nf;
            cur->badat = bad;
            cur->badline = fline;
            cur->bad = nul ? B_NUL : B_UTF8;
        }
    }
    return 1;
}

/*
** The value of a quoted field of 'len' bytes at 's' (between its quotes)
** whose quotes must all be doubled: each pair becomes one quote, in
** r->ent, and the field is added.  0, or -1 when a quote is not doubled
** (the state machine's case) or memory ran out (then pending).
*/
static int unquote(cw_csv *r, const unsigned char *s, size_t len)
{
    unsigned char quote = (unsigned char)r->o.quote, *d;
    size_t m = 0, i = 0;

    if (len > r->ecap) {
        char *e = cw__grow(r->ent, &r->ecap, len, 1);

        if (e == NULL) {
            pend(r, P_NOMEM, open_field_line(r), 0);
            return -1;
        }
        r->ent = e;
    }
    d = (unsigned char *)r->ent;
    while (i < len) {
        const unsigned char *q = memchr(s + i, quote, len - i);
        size_t k;

        if (q == NULL) {
            memcpy(d + m, s + i, len - i);
            m += len - i;
            break;
        }
        k = (size_t)(q - s);
        if (k + 1 == len || s[k + 1] != quote)
            return -1;
        memcpy(d + m, s + i, k + 1 - i);
        m += k + 1 - i;
        i = k + 2;
    }
    on_field(r, r->ent, m);
    return 0;
}

/*
** unquote() from the bits: the value of a quoted field of 'len' bytes at
** 'p' + 'f' (between its quotes) of the chunk classified in 'c', whose
** quotes are the bits of c->quote, goes straight into the batch with
** each doubled quote made one.  Its line ends and bad bytes are those of
** the bytes as written (the quote left of each pair keeps the other bytes
** apart as before), so only its odd bytes are looked at; when one is bad,
** the value itself is scanned again for the offset.  0; -1 when a quote
** is not doubled; 1 when the batch has no room (nothing done then).
*/
static int unquote_bits(cw_csv *r, const unsigned char *p, size_t f, size_t len,
                        const cls *c)
{
    batch *b = r->fb;
    rec *cur = &r->cur;
    size_t nb = b->nbytes, nf = b->nfields, end = f + len, seg = f, m = 0;
    size_t pair = SIZE_MAX; /* where the second quote of the last pair is */
    unsigned char *d = (unsigned char *)b->bytes + nb;

    if (nb + len + 33 > b->bytescap || nf == b->fieldscap)
        return 1;
    for (size_t w = f >> 6; w * 64 < end; w++) {
        uint64_t bits = c->quote[w];

        if (w == f >> 6)
            bits &= ~(uint64_t)0 << (f & 63);
        if ((w + 1) * 64 > end)
            bits &= ~(uint64_t)0 >> (64 - (end & 63));
        for (; bits != 0; bits &= bits - 1) {
            size_t k = w * 64 + (size_t)__builtin_ctzll(bits);

            if (k == pair)
                continue; /* the second quote of a pair */
            if (k + 1 == end ||
                ((c->quote[(k + 1) >> 6] >> ((k + 1) & 63)) & 1) == 0)
                return -1; /* not doubled: the state machine's */
            copy_bytes(d + m, p + seg, k + 1 - seg);
            m += k + 1 - seg;
            seg = k + 2;
            pair = k + 1;
        }
    }
    copy_bytes(d + m, p + seg, end - seg);
    m += end - seg;
    d[m] = '\0';
    if (cur->nf == 0) {
        cur->f0 = nf;
        cur->line = r->line;
        cur->nlines = 0;
    }
    b->fields[nf].off = nb;
    b->fields[nf].len = m;
    b->nfields = nf + 1;
    b->nbytes = nb + m + 1;
    cur->nf++;
    if (any_bits(c->odd, f, end)) {
        unsigned long fline = cur->line + cur->nlines;
        size_t bad;
        int nul;

        cur->nlines += scan_bits(p + f, len, c->odd, f, &bad, &nul);
        if (bad < len && cur->badf == 0) {
            (void)scan(d, m, &bad, &nul);
            cur->badf = cur->nf;
            cur->badat = bad;
            cur->badline = fline;
            cur->bad = nul ? B_NUL : B_UTF8;
        }
    }
    return 0;
}

/*
** One field of the fast path that is not plain, from byte 'f' to the
** delimiter or line end at byte 'at' of the chunk at 'p' classified in
** 'c' ('e': the end of the input that may be read), while at the start
** of a record when 'row': an empty line (then 1, the record ended), a
** field added as the state machine would add it (0), or -1 when it is
** the state machine's to parse (a stray quote, text after a closing
** quote, lenient quotes, too large).
*/
static int other_field(cw_csv *r, const unsigned char *p, size_t f, size_t at,
                       int row, const cls *c, const unsigned char *e)
{
    unsigned char quote = (unsigned char)r->o.quote;
    size_t len = at - f, cap = r->o.max_field;
    int odd;

    if (len == 0) {
        if (row && p[at] != (unsigned char)r->o.delim) {
            on_record(r, p[at]); /* an empty line */
            return 1;
        }
        odd = 0;
    } else if (p[f] != quote) {
        if (len > cap || any_bits(c->quote, f, at))
            return -1;
        odd = any_bits(c->odd, f, at);
    } else {
        if (len < 2 || p[at - 1] != quote || len - 2 > cap)
            return -1;
        f++;
        len -= 2;
        if (any_bits(c->quote, f, at - 1)) {
            int rc = unquote_bits(r, p, f, len, c);

            return rc <= 0 ? rc : unquote(r, p + f, len);
        }
        odd = any_bits(c->odd, f, at - 1);
    }
    if (!put_field(r, p + f, len, odd, c, f, e))
        add_field(r, (const char *)p + f, len, odd);
    return 0;
}

/*
** The fast path's copy of where the batch is filled, kept in registers
** between calls.  The record being built has the fields from r->cur.f0
** on (start_record()).
*/
struct out {
    char *bytes;  /* r->fb->bytes */
    span *fields; /* r->fb->fields */
    size_t nb;    /* r->fb->nbytes */
    size_t nf;    /* r->fb->nfields */
};

static inline void out_load(const cw_csv *r, struct out *o)
{
    o->bytes = r->fb->bytes;
    o->fields = r->fb->fields;
    o->nb = r->fb->nbytes;
    o->nf = r->fb->nfields;
}

static inline void out_save(cw_csv *r, const struct out *o)
{
    r->fb->nbytes = o->nb;
    r->fb->nfields = o->nf;
    r->cur.nf = o->nf - r->cur.f0;
}

/*
** A plain field of 'len' bytes at 'p' + 'f', with nothing to check: what
** add_field() would do.  Up to 32 bytes are copied in two moves when 'f'
** is at most 'safe' (32 bytes may be read from there).
*/
static inline void put_plain(struct out *o, const unsigned char *p, size_t f,
                             size_t len, ptrdiff_t safe)
{
    unsigned char *d = (unsigned char *)o->bytes + o->nb;

    if (len <= 32 && (ptrdiff_t)f <= safe) {
        memcpy(d, p + f, 16);
        memcpy(d + 16, p + f + 16, 16);
    } else {
        copy_bytes(d, p + f, len);
    }
    d[len] = '\0';
    o->fields[o->nf].off = o->nb;
    o->fields[o->nf].len = len;
    o->nf++;
    o->nb += len + 1;
}

/* The record being built starts with the field 'nf' of the batch, on
** the line where the parser is (what add_field() does for the first
** field of a record, done ahead for the fast path's plain fields). */
static inline void start_record(cw_csv *r, size_t nf)
{
    r->cur.f0 = nf;
    r->cur.line = r->line;
    r->cur.nlines = 0;
}

/*
** Make room in the batch for 'nb' more bytes and 'nf' more fields, the
** most a chunk of the fast path can add, so that its plain fields need
** not check.  When that fails, nothing is pending: the fields are added
** one by one, as the state machine would.
*/
static void room(cw_csv *r, size_t nb, size_t nf)
{
    batch *b = r->fb;
    char *bytes = cw__grow(b->bytes, &b->bytescap, b->nbytes + nb, 1);
    span *fields;

    if (bytes == NULL)
        return;
    b->bytes = bytes;
    fields =
        cw__grow(b->fields, &b->fieldscap, b->nfields + nf, sizeof *fields);
    if (fields != NULL)
        b->fields = fields;
}

/*
** The separators of word 'w' of 'c' whose field (the bytes since the
** separator before) holds a quote or an odd byte: adding each such
** byte's bit to the bits that are not separators carries it up to the
** next separator.  '*carry' is 1 when the field open at the end of the
** word before holds one, and is updated for the next word.
*/
static inline uint64_t flagged(const cls *c, size_t w, uint64_t *carry)
{
    uint64_t sep = c->sep[w], x = c->flag[w] & ~sep, t = ~sep + x, u;
    uint64_t out = t < x;

    u = t + *carry;
    out |= u < t;
    *carry = out;
    return u & sep;
}

/*
** The fast path, from 'p' at the start of a record or a field (S_ROW or
** S_FIELD, nothing saved) to at most 'e': classify up to CLS_BYTES bytes
** at once (classify.c), then take the delimiters and line ends outside
** quotes in turn.  A plain field before one (no quote, no odd byte, not
** empty at the start of a record), when the batch has room for all the
** chunk's fields and the cap is more than the chunk, is added right
** here: the most common case.  Any other goes to other_field(), which
** adds it as the state machine would when it is well formed: unquoted
** without a quote, or quoted with its closing quote right before the
** delimiter or line end and every quote inside doubled, and no larger
** than the cap.  Anything else (a stray quote, text after a closing
** quote, lenient quotes, a field too large, or cut by 'e') is left to
** the state machine: return where it takes over, at the start of that
** field, or after the field where a problem was left pending.  Each
** field taken leaves the quotes before the next balanced, so the parity
** of the next separator is right.
*/
static const unsigned char *fast(cw_csv *r, const unsigned char *p,
                                 const unsigned char *e)
{
    unsigned char delim = (unsigned char)r->o.delim;
    size_t n, f = 0; /* 'f': where the field starts */
    int row = r->st == S_ROW, rc;
    struct out o;
    cls c;

    if (r->cur.nf == 0)
        start_record(r, r->fb->nfields);
    out_load(r, &o);
    while (p < e) {
        uint64_t carry = 0, plain = 0; /* 'plain': all ones when the batch
                                          has room and the cap allows */
        ptrdiff_t safe;                /* the last field start with 32
                                          bytes readable after it, or less */
        batch *b = r->fb;

        n = (size_t)(e - p) < CLS_BYTES ? (size_t)(e - p) : CLS_BYTES;
        r->classify(p, n, delim, (unsigned char)r->o.quote, &c);
        out_save(r, &o);
        if (b->bytescap - b->nbytes < n + c.nsep + 32 ||
            b->fieldscap - b->nfields < c.nsep) {
            room(r, n + c.nsep + 32, c.nsep);
            out_load(r, &o);
        }
        if (b->bytescap - b->nbytes >= n + c.nsep + 32 &&
            b->fieldscap - b->nfields >= c.nsep && r->o.max_field >= n)
            plain = ~(uint64_t)0;
        safe = (e - p) - 32;
        for (size_t w = 0; w * 64 < n; w++) {
            uint64_t bits = c.sep[w], other = flagged(&c, w, &carry) | ~plain;
            uint64_t stop = (other | c.lend[w]) & bits;

            while (bits != 0) {
                /* The plain fields ended by a delimiter before the next
                ** stop (a line end or a field that is not plain). */
                uint64_t run = bits & ((stop & (0 - stop)) - 1);
                size_t at, len;

                bits &= ~run;
                for (; run != 0; run &= run - 1) {
                    at = w * 64 + (size_t)__builtin_ctzll(run);
                    put_plain(&o, p, f, at - f, safe);
                    f = at + 1;
                    row = 0;
                }
                if (bits == 0)
                    break;
                at = w * 64 + (size_t)__builtin_ctzll(bits);
                len = at - f;
                if (((other >> (at & 63)) & 1) != 0 || (len == 0 && row)) {
                    out_save(r, &o);
                    rc = other_field(r, p, f, at, row, &c, e);
                    out_load(r, &o);
                    if (rc < 0)
                        goto out;
                    if (r->pend != P_NONE) { /* as end_at() leaves it */
                        f = at + 1;
                        row = p[at] != delim;
                        goto out;
                    }
                } else {
                    rc = 0;
                    put_plain(&o, p, f, len, safe);
                }
                f = at + 1;
                bits &= bits - 1;
                stop &= stop - 1;
                row = p[at] != delim;
                if (row && rc == 0) {
                    out_save(r, &o);
                    on_record(r, p[at]);
                    if (r->pend != P_NONE)
                        goto out;
                }
                if (row)
                    start_record(r, o.nf);
            }
        }
        if (p + n == e || f == 0)
            break; /* the rest is one field */
        p += f;
        f = 0;
    }
out:
    out_save(r, &o);
    r->st = row ? S_ROW : S_FIELD;
    return p + f;
}

/* ==== The state machine ==== */

/*
** Parse the 'len' bytes at 's' as RFC 4180 CSV with the options'
** delimiter and quote: a quoted field may hold delimiters, line ends and
** doubled quotes; a quote elsewhere is an error unless quotes are lenient
** (then it is data, and with lenient_quotes 1 so is text after a closing
** quote): a malformed
** record (malformed(), after(), S_RAW).  Complete
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
    const unsigned char *q, *s0 = p;
    unsigned char quote = (unsigned char)r->o.quote;
    unsigned char delim = (unsigned char)r->o.delim;
    int lenient = r->o.lenient_quotes;
    const unsigned char *slow = NULL; /* where the fast path gave up */

    while (p < e && r->pend == P_NONE) {
        if ((r->st == S_ROW || r->st == S_FIELD) && r->classify != NULL &&
            p != slow) {
            slow = p = fast(r, p, e);
            continue;
        }
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
                if (!lenient && (overcap(r, r->elen + (size_t)(p - run), 1) ||
                                 malformed(r, B_STRAY) != 0))
                    continue;
                p++; /* data, or the rest of a malformed record */
                continue;
            }
            end_at(r, run, (size_t)(p - run), *p);
            p++;
            continue;
        case S_RAW: /* the rest of a malformed record's line */
            while (p < e && (!r->special[*p] || *p == quote))
                p++;
            if (p == e)
                continue;
            end_field(r, run, (size_t)(p - run));
            if (*p == delim) {
                run = p + 1;
            } else {
                on_record(r, *p);
                r->st = S_ROW;
            }
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
                if (overcap(r, r->elen + (p > run ? (size_t)(p - 1 - run) : 0),
                            0))
                    continue;
                end_at(r, run, p > run ? (size_t)(p - 1 - run) : 0, *p);
                p++;
                continue;
            }
            if (*p != quote && lenient != 1) {
                p = after(r, s0, len, p, &run);
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
    if (r->st == S_BARE || r->st == S_QUOTED || r->st == S_RAW)
        save(r, run, (size_t)(p - run));
    else if (r->st == S_QUOTE && p > run)
        save(r, run, (size_t)(p - 1 - run));
    /* An open field may hold max_field bytes and one more, which may be
    ** a closing quote or a stray one (then that error is the one shown);
    ** right after a quote, that quote was the one more. */
    if (r->pend == P_NONE && r->elen > r->o.max_field + (r->st != S_QUOTE))
        pend(r, r->st == S_BARE || r->st == S_RAW ? P_TOOBIG : P_TOOBIGQ,
             open_field_line(r), r->cur.nf + 1);
}

/*
** Settle the BOM question with the first bytes of input in 'head': drop
** a UTF-8 BOM, refuse a UTF-16 or UTF-32 one and an Excel workbook, and
** parse the rest.
*/
static void sniff(cw_csv *r)
{
    const unsigned char *h = r->head;
    size_t n = r->nhead, skip = 0;

    r->sniffed = 1;
    if ((r->pend_enc = cw__dec_workbook(h, n)) != NULL) {
        pend(r, P_EXCEL, 1, 0);
        return;
    }
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
    if (r->st == S_QUOTE && overcap(r, r->elen, 0))
        return;
    end_field(r, (const unsigned char *)"", 0);
    on_record(r, -1);
}

/* The enum simd level 'r' parses with (csvint.h). */
int cw__csvparse_level(const cw_csv *r)
{
    return r->simd;
}

/* Parse one more slice of input (csvint.h). */
void cw__csvparse_fill(cw_csv *r, size_t most)
{
    size_t n;

    if (r->simd == SIMD_AUTO)
        r->classify = cw__classify_pick(&r->simd);
    /* A record still being built stops growing one slice past the cap
    ** (on_record() checks those that end within a slice). */
    if (r->cur.nf > r->o.max_fields) {
        pend(r, P_TOOMANY, r->cur.line, r->o.max_fields + 1);
        return;
    }
    if (r->again != NULL) { /* input already counted in 'offset' */
        char *again = r->again;
        unsigned long long offset = r->offset;

        n = r->againlen - r->againpos;
        if (n > most)
            n = most;
        r->againpos += n;
        feed(r, again + r->againpos - n, n);
        r->offset = offset;
        if (r->again != again || r->againpos == r->againlen) {
            /* parsed, or its rest copied into new bytes to parse again */
            if (r->again == again)
                r->again = NULL;
            cw__free(again);
        }
        return;
    }
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
    if (n > most)
        n = most;
    feed(r, r->chunk + r->chunkpos, n);
    r->chunkpos += n;
}

/*
** Start batch 'to' with the fields of the record being built only
** (csvint.h).  CW_OK, or CW_ENOMEM (then pending).
*/
int cw__csvparse_carry(cw_csv *r, batch *to)
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
            goto nomem;
        to->bytes = bytes;
        fields = cw__grow(to->fields, &to->fieldscap, nf, sizeof *fields);
        if (fields == NULL)
            goto nomem;
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

nomem:
    pend(r, P_NOMEM, open_field_line(r), 0);
    return CW_ENOMEM;
}

/*
** Move the fields of the record being built to 'side', out of r->fb
** (csvint.h).  CW_OK, or CW_ENOMEM (then pending).
*/
int cw__csvparse_stash(cw_csv *r, batch *side)
{
    batch *from = r->fb;
    size_t nf = r->cur.nf, f0 = r->cur.f0;
    size_t off0 = nf > 0 ? from->fields[f0].off : from->nbytes;

    if (cw__csvparse_carry(r, side) != CW_OK)
        return CW_ENOMEM;
    from->nfields -= nf;
    from->nbytes = off0;
    return CW_OK;
}
