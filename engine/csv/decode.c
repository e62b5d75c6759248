/*
** decode.c -- dialects and encodings: checking a cw_dialect, spotting an
** Excel workbook, and the decoder that converts an input's bytes to UTF-8
** through glibc's iconv as the CSV reader pulls them.  A decoder owns two
** fixed buffers (the source's bytes, the UTF-8 it hands out), so memory
** stays bounded whatever the input; it runs in whichever thread parses.
*/
#include "csv/decode.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define RAW_CAP (64u * 1024) /* source bytes held at once */
#define OUT_CAP (64u * 1024) /* most UTF-8 bytes handed out at once */
#define ENC_MAX 64           /* longest encoding name accepted */

/* ==== Names and dialects ==== */

/* 's' upper-cased without '-' and '_' into 'buf' of 'size' bytes:
** "utf-16le" and "UTF_16LE" both give "UTF16LE". */
static const char *squash(const char *s, char *buf, size_t size)
{
    size_t n = 0;

    for (; *s != '\0' && n + 1 < size; s++) {
        char c = *s;

        if (c == '-' || c == '_')
            continue;
        buf[n++] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
    }
    buf[n] = '\0';
    return buf;
}

int cw__dec_isutf8(const char *enc)
{
    char sq[ENC_MAX + 1];

    if (enc == NULL || enc[0] == '\0')
        return 1;
    squash(enc, sq, sizeof sq);
    return strlen(enc) <= ENC_MAX && strcmp(sq, "UTF8") == 0;
}

/* 1 when 'enc' may be given to iconv: letters, digits and . : ( ) + -
** _ only (so no "//IGNORE", which would drop bytes), at most ENC_MAX. */
static int plain_name(const char *enc)
{
    size_t n = strlen(enc);

    if (n == 0 || n > ENC_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = enc[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || strchr(".:()+-_", c) != NULL))
            return 0;
    }
    return 1;
}

/* Open a conversion from 'enc' to UTF-8, or fail with CW_EUSAGE. */
static int open_iconv(const char *enc, iconv_t *cd, cw_err *err)
{
    char shown[ENC_MAX + 16];

    *cd = (iconv_t)-1;
    if (plain_name(enc))
        *cd = iconv_open("UTF-8", enc);
    if (*cd != (iconv_t)-1)
        return CW_OK;
    cw_safe_text(shown, sizeof shown, enc, strlen(enc));
    return cw__fail(err, CW_EUSAGE,
                    "unknown encoding '%s': give a name iconv knows, such as "
                    "latin1, windows-1252 or UTF-16 ('iconv -l' lists them)",
                    shown);
}

/* 'c' as a message shows it, in 'buf' of at least 8 bytes. */
static const char *showc(char c, char *buf)
{
    unsigned char u = (unsigned char)c;

    if (u == '\t')
        snprintf(buf, 8, "TAB");
    else if (u > 0x20 && u < 0x7F)
        snprintf(buf, 8, "'%c'", c);
    else
        snprintf(buf, 8, "'\\x%02X'", u);
    return buf;
}

int cw__dialect_plain(const cw_dialect *d)
{
    return d == NULL ||
           (d->delimiter == 0 && d->quote == 0 && cw__dec_isutf8(d->encoding));
}

/* 1 when 'c' may be a delimiter or a quote: ASCII, not NUL, CR or LF. */
static int dialect_char(char c)
{
    unsigned char u = (unsigned char)c;

    return u != 0 && u < 0x80 && u != '\r' && u != '\n';
}

int cw__dialect_check(const cw_dialect *d, cw_err *err)
{
    char a[8], b[8];
    char delim, quote;
    iconv_t cd;
    int rc;

    if (d == NULL)
        return CW_OK;
    delim = d->delimiter != 0 ? d->delimiter : ',';
    quote = d->quote != 0 ? d->quote : '"';
    if (!dialect_char(delim))
        return cw__fail(err, CW_EUSAGE,
                        "the delimiter %s cannot be used: it must be one "
                        "ASCII character other than CR and LF (such as , ; "
                        "TAB or |)",
                        showc(delim, a));
    if (!dialect_char(quote))
        return cw__fail(err, CW_EUSAGE,
                        "the quote %s cannot be used: it must be one ASCII "
                        "character other than CR and LF (such as \" or ')",
                        showc(quote, a));
    if (delim == quote)
        return cw__fail(err, CW_EUSAGE,
                        "the delimiter %s is also the quote character %s: "
                        "they must differ",
                        showc(delim, a), showc(quote, b));
    if (d->stray_quotes != 0 && d->stray_quotes != CW_STRAY_REJECT &&
        d->stray_quotes != CW_STRAY_KEEP)
        return cw__fail(err, CW_EUSAGE,
                        "stray quotes cannot be %d: they are kept (\"keep\") "
                        "or rejected (\"reject\")",
                        d->stray_quotes);
    if (cw__dec_isutf8(d->encoding))
        return CW_OK;
    if ((rc = open_iconv(d->encoding, &cd, err)) != CW_OK)
        return rc;
    iconv_close(cd);
    return CW_OK;
}

const char *cw__dec_workbook(const unsigned char *h, size_t n)
{
    if (n >= 4 && memcmp(h, "PK\x03\x04", 4) == 0)
        return "xlsx";
    if (n >= 4 && memcmp(h, "\xD0\xCF\x11\xE0", 4) == 0)
        return "xls";
    return NULL;
}

/* ==== The decoder ==== */

struct cw_dec {
    iconv_t cd;                  /* the conversion to UTF-8 */
    char given[ENC_MAX + 1];     /* the encoding as given */
    char name[ENC_MAX + 1];      /* as iconv got it, once started */
    int unit;                    /* bytes of a code unit: 1, 2 or 4 */
    cw_read_fn read;             /* the byte source ... */
    void *ud;                    /* ... and its argument */
    const char *chunk;           /* its last chunk, borrowed */
    size_t chunklen;             /* that chunk's size */
    size_t chunkpos;             /* bytes of it moved to 'raw' */
    char *raw;                   /* RAW_CAP source bytes */
    size_t rpos;                 /* next byte of 'raw' to convert */
    size_t rlen;                 /* bytes in 'raw' */
    char *out;                   /* OUT_CAP bytes of UTF-8 */
    int eof;                     /* 1: the source has ended */
    int started;                 /* 1: the byte order mark is settled */
    int bom;                     /* 1: one was dropped */
    int failed;                  /* 1: a failure, kept in 'ferr' */
    const char *code;            /* its code, "" for none */
    cw_err ferr;                 /* its message */
    unsigned long long consumed; /* source bytes converted or skipped */
};

int cw__dec_new(const char *enc, cw_read_fn read, void *ud, cw_dec **out,
                cw_err *err)
{
    char sq[ENC_MAX + 1];
    cw_dec *d;
    iconv_t cd;
    int rc;

    *out = NULL;
    if ((rc = open_iconv(enc, &cd, err)) != CW_OK)
        return rc;
    d = cw__alloc(sizeof *d);
    if (d == NULL) {
        iconv_close(cd);
        return cw__fail(err, CW_ENOMEM, "out of memory");
    }
    memset(d, 0, sizeof *d);
    d->cd = cd;
    d->read = read;
    d->ud = ud;
    d->code = "";
    snprintf(d->given, sizeof d->given, "%s", enc);
    snprintf(d->name, sizeof d->name, "%s", enc);
    squash(enc, sq, sizeof sq);
    d->unit = strncmp(sq, "UTF16", 5) == 0 || strncmp(sq, "UCS2", 4) == 0   ? 2
              : strncmp(sq, "UTF32", 5) == 0 || strncmp(sq, "UCS4", 4) == 0 ? 4
                                                                            : 1;
    d->raw = cw__alloc(RAW_CAP);
    d->out = cw__alloc(OUT_CAP);
    if (d->raw == NULL || d->out == NULL) {
        cw__dec_free(d);
        return cw__fail(err, CW_ENOMEM, "out of memory");
    }
    *out = d;
    return CW_OK;
}

void cw__dec_free(cw_dec *d)
{
    if (d == NULL)
        return;
    if (d->cd != (iconv_t)-1)
        iconv_close(d->cd);
    cw__free(d->raw);
    cw__free(d->out);
    cw__free(d);
}

/* Fail with 'code' and the message, sticky; NULL for cw__dec_read(). */
static const char *failed(cw_dec *d, cw_err *err, const char *code, int status,
                          const char *fmt, ...) CW_PRINTF(5, 6);

static const char *failed(cw_dec *d, cw_err *err, const char *code, int status,
                          const char *fmt, ...)
{
    va_list ap;

    d->failed = 1;
    d->code = code;
    d->ferr.code = status;
    va_start(ap, fmt);
    vsnprintf(d->ferr.msg, sizeof d->ferr.msg, fmt, ap);
    va_end(ap);
    cw__errcopy(err, &d->ferr);
    return NULL;
}

/*
** Move the unconverted bytes to the front of 'raw' and add what fits of
** the source's next bytes, reading a chunk when the last one is used up
** (or noting the end).  0, or -1 when the source failed (then sticky).
*/
static int pull(cw_dec *d, cw_err *err)
{
    size_t n;

    if (d->rpos > 0) {
        memmove(d->raw, d->raw + d->rpos, d->rlen - d->rpos);
        d->rlen -= d->rpos;
        d->rpos = 0;
    }
    if (d->chunkpos == d->chunklen && !d->eof) {
        cw_err e = {CW_OK, ""};
        size_t len = 0;
        const char *p = d->read(d->ud, &len, &e);

        if (p == NULL) {
            d->failed = 1;
            d->code = "E_IO";
            d->ferr = e;
            if (d->ferr.code >= 0)
                d->ferr.code = CW_EIO;
            if (d->ferr.msg[0] == '\0')
                snprintf(d->ferr.msg, sizeof d->ferr.msg, "read error");
            cw__errcopy(err, &d->ferr);
            return -1;
        }
        if (len == 0)
            d->eof = 1;
        d->chunk = p;
        d->chunklen = len;
        d->chunkpos = 0;
    }
    n = d->chunklen - d->chunkpos;
    if (n > RAW_CAP - d->rlen)
        n = RAW_CAP - d->rlen;
    memcpy(d->raw + d->rlen, d->chunk + d->chunkpos, n);
    d->rlen += n;
    d->chunkpos += n;
    return 0;
}

/* The byte order mark at the 'n' bytes 'h', or NULL; its size in '*len'. */
static const char *bom_of(const unsigned char *h, size_t n, size_t *len)
{
    if (n >= 4 && h[0] == 0 && h[1] == 0 && h[2] == 0xFE && h[3] == 0xFF)
        return *len = 4, "UTF-32BE";
    if (n >= 4 && h[0] == 0xFF && h[1] == 0xFE && h[2] == 0 && h[3] == 0)
        return *len = 4, "UTF-32LE";
    if (n >= 2 && h[0] == 0xFF && h[1] == 0xFE)
        return *len = 2, "UTF-16LE";
    if (n >= 2 && h[0] == 0xFE && h[1] == 0xFF)
        return *len = 2, "UTF-16BE";
    if (n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
        return *len = 3, "UTF-8";
    return NULL;
}

/*
** Settle the start of the input: refuse an Excel workbook and a byte
** order mark that does not fit the encoding; for UTF-16 and UTF-32 let
** the mark pick the endianness (and drop it), or without one, for a name
** that does not say, the NUL bytes of the first character (big-endian
** when they do not tell, as Unicode has it).  0, or -1 (sticky).
*/
static int start(cw_dec *d, cw_err *err)
{
    const unsigned char *h;
    const char *kind, *bom;
    size_t n, blen = 0;
    char sq[ENC_MAX + 1], pick[16];
    int w = d->unit;

    d->started = 1;
    while (d->rlen < 4 && !d->eof)
        if (pull(d, err) != 0)
            return -1;
    h = (const unsigned char *)d->raw;
    n = d->rlen;
    if ((kind = cw__dec_workbook(h, n)) != NULL) {
        failed(d, err, "E_EXCEL", CW_EPARSE, CW_WORKBOOK_FMT, kind);
        return -1;
    }
    bom = bom_of(h, n, &blen);
    if (w == 2 && bom != NULL && strcmp(bom, "UTF-32LE") == 0)
        bom = "UTF-16LE", blen = 2; /* FF FE 00 00: a mark, then U+0000 */
    if (bom != NULL && (w == 1 || strcmp(bom, "UTF-8") == 0 ||
                        (w == 2) != (strncmp(bom, "UTF-16", 6) == 0))) {
        failed(d, err, "E_ENCODING", CW_EPARSE,
               "the file starts with a %s byte order mark, but its encoding "
               "is given as %s: %s",
               bom, d->given,
               strcmp(bom, "UTF-8") == 0 ? "it is UTF-8 (leave the encoding "
                                           "out)"
               : bom[4] == '1'           ? "use --encoding UTF-16"
                                         : "use --encoding UTF-32");
        return -1;
    }
    squash(d->given, sq, sizeof sq);
    if (bom != NULL) {
        snprintf(d->name, sizeof d->name, "%s", bom);
        d->bom = 1;
        d->rpos = blen;
        d->consumed = blen;
    } else if (w > 1 && strcmp(sq + strlen(sq) - 2, "LE") != 0 &&
               strcmp(sq + strlen(sq) - 2, "BE") != 0) {
        int le = n >= (size_t)w && h[0] != 0;

        for (int i = 1; le && i < w; i++)
            le = h[i] == 0;
        snprintf(pick, sizeof pick, "UTF-%d%s", w == 2 ? 16 : 32,
                 le ? "LE" : "BE");
        snprintf(d->name, sizeof d->name, "%s", pick);
    }
    if (strcmp(d->name, d->given) != 0) {
        iconv_t cd = iconv_open("UTF-8", d->name);

        if (cd == (iconv_t)-1) {
            failed(d, err, "E_ENCODING", CW_EUSAGE,
                   "iconv cannot convert %s: %s", d->name, strerror(errno));
            return -1;
        }
        iconv_close(d->cd);
        d->cd = cd;
    }
    return 0;
}

/* cw_read_fn over a decoder (decode.h). */
const char *cw__dec_read(void *ud, size_t *len, cw_err *err)
{
    cw_dec *d = ud;
    char *o = d->out;
    size_t oleft = OUT_CAP;

    *len = 0;
    if (d->failed) {
        cw__errcopy(err, &d->ferr);
        return NULL;
    }
    if (!d->started && start(d, err) != 0)
        return NULL;
    for (;;) {
        char *in = d->raw + d->rpos;
        size_t inleft = d->rlen - d->rpos, was = inleft;
        int e = 0;

        if (inleft > 0) {
            if (iconv(d->cd, &in, &inleft, &o, &oleft) == (size_t)-1)
                e = errno;
            d->consumed += was - inleft;
            d->rpos = d->rlen - inleft;
        }
        if (e == EILSEQ || (e == EINVAL && d->eof)) {
            /* Not valid: one mark for a code unit, or for a sequence the
            ** end cuts short. */
            size_t skip = e == EINVAL || inleft < (size_t)d->unit
                              ? inleft
                              : (size_t)d->unit;

            if (oleft == 0)
                break;
            *o++ = (char)CW_DEC_BAD;
            oleft--;
            d->rpos += skip;
            d->consumed += skip;
            continue;
        }
        if (e == E2BIG || o > d->out)
            break; /* the buffer is full, or the bytes held are used up */
        if (d->eof && d->rpos == d->rlen) {
            iconv(d->cd, NULL, NULL, &o, &oleft); /* back to the start
                                                     state */
            break;
        }
        if (pull(d, err) != 0)
            return NULL;
    }
    *len = (size_t)(o - d->out);
    return d->out;
}

const char *cw__dec_code(const cw_dec *d)
{
    return d->code;
}

const char *cw__dec_name(const cw_dec *d)
{
    return d->name;
}

int cw__dec_bom(const cw_dec *d)
{
    return d->bom;
}

unsigned long long cw__dec_consumed(const cw_dec *d)
{
    return d->consumed;
}

/* ==== The public check ==== */

int cw_dialect_check(const cw_dialect *d, cw_err *err)
{
    return cw__dialect_check(d, err);
}
