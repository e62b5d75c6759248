/*
** fuzz_csv.c -- fuzz target for the CSV reader (engine/csv/csvread.h).
** The first byte chooses the dialect (strict or lenient quotes, header
** or not, delimiter, quote character, a small field cap, and an I/O
** error in place of the end of input), the next four the sizes of the
** chunks a cw_read_fn hands the reader, cycled; the rest is the CSV.
** The input is read twice, in one chunk and in those chunks, and
** everything the reader reports (statuses, codes, lines, columns,
** messages, fields) must be the same both times.  The first byte's top
** bit reads malformed records with resync (rejected, reading goes on).
** The top two bits of the second byte choose the encoding the input is
** read in: UTF-8, latin1, UTF-16 (a byte order mark or the first
** character picks the byte order) or windows-1252 (through the decoder,
** csv/decode.c).
** With lenient quotes, bit 6 of the third byte keeps only stray quotes
** as data (an input's stray_quotes = "keep") instead of libcsv's
** lenient mode.
** regress/csv/too_large_* are two inputs where the chunks once decided
** whether a field over the cap or its later stray quote was reported.
** The input in one chunk is also read by the parser's state machine
** alone and by every classifier of its fast path this machine has
** (portable C, SSE2, AVX2: csv/classify.c), which must report the same.
*/
#include "fuzz.h"

#include "csv/csvint.h"
#include "csv/csvread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSIZES 4 /* chunk sizes taken from the input */

/* The byte source: 'data' in chunks of sizes[i % NSIZES] bytes. */
struct src {
    const char *data;
    size_t size, pos;
    size_t sizes[NSIZES];
    size_t call;
    int ioerror; /* 1: fail instead of reporting the end */
};

static const char *readchunk(void *ud, size_t *len, cw_err *err)
{
    struct src *s = ud;
    size_t n = s->size - s->pos;

    if (n == 0) {
        *len = 0;
        if (s->ioerror) {
            cw__fail(err, CW_EIO, "fuzz: injected read error");
            return NULL;
        }
        return s->data + s->pos;
    }
    if (s->sizes[s->call % NSIZES] < n)
        n = s->sizes[s->call % NSIZES];
    s->call++;
    *len = n;
    s->pos += n;
    return s->data + s->pos - n;
}

/* A running FNV-1a hash of what the reader reports. */
static void mix(unsigned long long *h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        *h = (*h ^ b[i]) * 1099511628211ull;
}

static void mixnum(unsigned long long *h, unsigned long long v)
{
    mix(h, &v, sizeof v);
}

static void mixstr(unsigned long long *h, const char *s)
{
    mix(h, s, strlen(s) + 1);
}

/* Read all of 's' with options 'o'; return the hash of every report. */
static unsigned long long readall(struct src *s, const cw_csvopts *o)
{
    unsigned long long h = 14695981039346656037ull;
    cw_csv *r = NULL;
    cw_err err = {0};
    int rc;

    rc = cw__csv_open("fuzz.csv", readchunk, s, o, &r, &err);
    mixnum(&h, (unsigned long long)rc);
    if (rc != CW_OK)
        return h;
    rc = cw__csv_header(r);
    mixnum(&h, (unsigned long long)rc);
    if (rc == CW_OK) {
        mixnum(&h, cw__csv_ncols(r));
        for (size_t i = 0; i < cw__csv_ncols(r); i++)
            mixstr(&h, cw__csv_colname(r, i));
    }
    for (;;) {
        mixnum(&h, (unsigned long long)rc);
        mixstr(&h, cw__csv_code(r));
        mixnum(&h, cw__csv_errline(r));
        mixnum(&h, cw__csv_errcol(r));
        mixstr(&h, cw__csv_errmsg(r));
        if (rc != CW_OK && rc != CW_ROW && rc != CW_EINVALID)
            break;
        if (rc != CW_OK) {
            mixnum(&h, cw__csv_line(r));
            mixnum(&h, cw__csv_rownum(r));
            mixnum(&h, cw__csv_nfields(r));
            for (size_t i = 0; i < cw__csv_nfields(r); i++) {
                size_t len;
                const char *f = cw__csv_field(r, i, &len);

                mixnum(&h, len);
                mix(&h, f, len);
            }
        }
        rc = cw__csv_next(r);
    }
    cw__csv_close(r);
    return h;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char delims[] = {',', ';', '\t', '|'};
    static const char *const encodings[] = {NULL, "latin1", "UTF-16",
                                            "windows-1252"};
    static const int levels[] = {SIMD_OFF, SIMD_SCALAR, SIMD_SSE2, SIMD_AVX2};
    static const char *const names[] = {"state machine alone",
                                        "portable classifier",
                                        "SSE2 classifier", "AVX2 classifier"};
    struct src whole, chunked, fresh;
    cw_csvopts o;
    unsigned long long a, b;

    if (size < 1 + NSIZES)
        return 0;
    cw__csvopts_default(&o);
    /* Lenient: libcsv's (1), or only stray quotes kept (2, stray_quotes
    ** = "keep") when bit 6 of the third byte is set (a chunk size takes
    ** its low six bits). */
    o.lenient_quotes = data[0] & 1 ? 1 + ((data[2] >> 6) & 1) : 0;
    o.header = (data[0] >> 1) & 1;
    o.delim = delims[(data[0] >> 2) & 3];
    o.quote = (data[0] >> 4) & 1 ? '\'' : '"';
    if ((data[0] >> 5) & 1)
        o.max_field = 16;
    o.resync = (data[0] >> 7) & 1;
    o.ahead = 0;
    o.encoding = encodings[data[1] >> 6];
    whole = (struct src){.data = (const char *)data + 1 + NSIZES,
                         .size = size - 1 - NSIZES,
                         .ioerror = (data[0] >> 6) & 1};
    chunked = whole;
    for (size_t i = 0; i < NSIZES; i++) {
        whole.sizes[i] = (size_t)-1;
        /* 1 to 64 bytes, or 255 for one large chunk */
        chunked.sizes[i] = data[1 + i] == 255 ? 4096 : 1 + data[1 + i] % 64;
    }
    fresh = whole;
    a = readall(&whole, &o);
    b = readall(&chunked, &o);
    if (a != b) {
        fprintf(stderr, "fuzz_csv: the reader reported differently when "
                        "the input came in chunks\n");
        abort();
    }
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++) {
        struct src again = fresh;

        if (!cw__classify_has(levels[i]))
            continue;
        cw__csvparse_force(levels[i]);
        b = readall(&again, &o);
        cw__csvparse_force(SIMD_AUTO);
        if (a != b) {
            fprintf(stderr,
                    "fuzz_csv: the reader reported differently with "
                    "the parser's %s\n",
                    names[i]);
            abort();
        }
    }
    return 0;
}
