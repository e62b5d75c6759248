/*
** csvread.c -- streaming, strict CSV reader: opening and closing, reading
** files, the parser thread and its trade of batches, the header checks,
** the records handed out and the messages of their problems.  Owns its
** parser state, two batches of parsed records reused for every record,
** and (for files) the descriptor and read buffer; borrows the caller's
** source.  The parser itself is in csvparse.c.
**
** A regular file is parsed one batch ahead by a second thread (the
** "parser"), so that parsing overlaps the caller's work on the previous
** batch; every other source is parsed in the caller's thread, one batch
** at a time.  Either way the same code parses and the caller sees the
** same records and problems in the same order.
*/
#include "csv/csvint.h"

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

/* One read(2) for files: small enough to be parsed while still in cache. */
#define FILE_BUF (64u * 1024)
#define MAX_FIELD (16ul << 20)    /* default cap on one field, in bytes */
#define MAX_FIELDS 65536ul        /* default cap on the fields of a record */
#define NAME_SHOWN 64             /* most bytes of a column name in messages */
#define BATCH (1024u * 1024)      /* field bytes in a batch of the parser's */
#define BATCH_META (1536u * 1024) /* and bytes of its fields and records */
#define MIN_SLICE 1024u           /* fewest bytes parsed at once */

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

/* The encoding the input was converted from, or NULL for UTF-8: then
** invalid UTF-8 is a decoder's CW_DEC_BAD. */
static const char *decname(const cw_csv *r)
{
    return r->dec != NULL ? cw__dec_name(r->dec) : r->o.decoded;
}

/*
** 1 when the invalid UTF-8 at byte 'at' of the 'len' bytes at 'f' looks
** like the text of a single-byte encoding (é is E9 in Latin-1) rather
** than damaged UTF-8: a byte that leads no sequence, or a lead byte
** without all its continuation bytes.
*/
static int looks_latin(const unsigned char *f, size_t len, size_t at)
{
    unsigned c = f[at];
    size_t want = c >= 0xC0 && c <= 0xDF   ? 2
                  : c >= 0xE0 && c <= 0xEF ? 3
                  : c >= 0xF0 && c <= 0xF7 ? 4
                                           : 0;
    size_t k = 1;

    if (want == 0)
        return 1;
    while (k < want && at + k < len && (f[at + k] & 0xC0) == 0x80)
        k++;
    return k < want;
}

/*
** The hint for invalid UTF-8 at byte 'at' of the 'len' bytes at 'f':
** read the file as Windows-1252, when the bytes look like it; given once
** per reader, and never for a decoded input.  "" when none.
*/
static const char *utf8_hint(cw_csv *r, const char *f, size_t len, size_t at)
{
    if (r->hinted || decname(r) != NULL ||
        !looks_latin((const unsigned char *)f, len, at))
        return "";
    r->hinted = 1;
    return " (if the file is Latin-1 or Windows-1252, read it with "
           "--encoding windows-1252)";
}

/* The hint for a stray quote: an input may keep them as data; given once
** per reader, and not when the header says the delimiter is wrong (which
** is what makes quotes stray then: cw__csv_hint()).  "" when none. */
static const char *stray_hint(cw_csv *r)
{
    char buf[160];

    if (r->stray_hinted || cw__csv_hint(r, buf, sizeof buf)[0] != '\0')
        return "";
    r->stray_hinted = 1;
    return " (if quotes inside unquoted fields are data, read the input "
           "with stray_quotes = \"keep\" or --stray-quotes keep)";
}

/* The hint for a NUL byte in the header: the NUL bytes of ASCII text in
** UTF-16, by the first two bytes of the input.  "" when none. */
static const char *nul_hint(const cw_csv *r)
{
    if (decname(r) != NULL)
        return "";
    if (r->nhead >= 2 && r->head[0] != 0 && r->head[1] == 0)
        return " (the file looks like UTF-16LE without a byte order mark: "
               "read it with --encoding UTF-16LE)";
    if (r->nhead >= 2 && r->head[0] == 0 && r->head[1] != 0)
        return " (the file looks like UTF-16BE without a byte order mark: "
               "read it with --encoding UTF-16BE)";
    return " (is the file UTF-16 without a byte order mark? then read it "
           "with --encoding UTF-16LE or UTF-16BE)";
}

/* The bytes of field 'f' (1-based) of the current record. */
static const char *nowfield(const cw_csv *r, size_t f, size_t *len)
{
    const span *sp = &r->rb->fields[r->now.f0 + f - 1];

    *len = sp->len;
    return r->rb->bytes + sp->off;
}

/*
** Record the problem of the malformed record 'x' (rec.bad B_STRAY, B_AFTER
** or B_CUT) as E_QUOTE with 'status'.  Return 'status'.
*/
static int quote_problem(cw_csv *r, int status, const rec *x)
{
    unsigned long col = x->badf, line = x->badline;
    char note[NAME_SHOWN + 16];

    colnote(r, col, note, sizeof note);
    if (x->bad == B_STRAY)
        return problem(r, status, "E_QUOTE", line, col,
                       "stray quote in unquoted field %lu%s%s", col, note,
                       stray_hint(r));
    if (x->bad == B_AFTER)
        return problem(r, status, "E_QUOTE", line, col,
                       "text after the closing quote of field %lu%s", col,
                       note);
    return problem(r, status, "E_QUOTE", line, col,
                   "text after the closing quote of field %lu%s on line %lu; "
                   "the record ends at the end of line %lu, where the field "
                   "opens",
                   col, note, (unsigned long)x->badat, line);
}

/* Report the pending problem, make it sticky and return its status. */
static int report(cw_csv *r)
{
    unsigned long line = r->pend_line, col = r->pend_col;
    char note[NAME_SHOWN + 16];
    int rc;

    colnote(r, col, note, sizeof note);
    switch (r->pend) {
    case P_IO: /* the byte source failed, or the decoder refused */
        rc = problem(r, r->pend_err.code < 0 ? r->pend_err.code : CW_EIO,
                     r->dec != NULL ? cw__dec_code(r->dec) : "E_IO", line, 0,
                     "%s", r->pend_err.msg);
        break;
    case P_STRAY:
        rc = problem(r, CW_EPARSE, "E_QUOTE", line, col,
                     "stray quote in unquoted field %lu%s%s", col, note,
                     stray_hint(r));
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
    case P_TOOMANY:
        rc = problem(r, CW_EPARSE, "E_TOO_MANY_FIELDS", line, col,
                     "the record starting here has more than %zu fields",
                     r->o.max_fields);
        break;
    case P_ENCODING:
        rc = problem(r, CW_EPARSE, "E_ENCODING", 1, 0,
                     "the file looks like %s (it starts with a %s byte "
                     "order mark): read it with --encoding %.6s, or save it "
                     "as UTF-8",
                     r->pend_enc, r->pend_enc, r->pend_enc);
        break;
    case P_EXCEL:
        rc = problem(r, CW_EPARSE, "E_EXCEL", 1, 0, CW_WORKBOOK_FMT,
                     r->pend_enc);
        break;
    case P_NOMEM:
    default:
        rc = problem(r, CW_ENOMEM, "E_NOMEM", line, 0, "out of memory");
        break;
    }
    r->fatal = rc;
    return rc;
}

/* ==== The parser thread ==== */

/* Bytes of the fields and records of batch 'b'. */
static size_t batchmeta(const batch *b)
{
    return b->nfields * sizeof(span) + b->nrecs * sizeof(rec);
}

/*
** The most bytes of input to parse into batch 'b' at once: as many as
** cannot take its fields and records past BATCH_META (an input byte
** adds at most a field and a record), at least MIN_SLICE; at most
** BATCH_META / 80, 19,660 bytes, so no other cap is needed.  Narrow
** records (one short column, a line of commas) then fill a batch with as
** many bytes of fields and records as wide ones, not 40 times as many.
*/
static size_t sliceroom(const batch *b)
{
    size_t meta = batchmeta(b);
    size_t room = meta < BATCH_META
                      ? (BATCH_META - meta) / (sizeof(span) + sizeof(rec))
                      : 0;

    return room < MIN_SLICE ? MIN_SLICE : room;
}

/*
** The parser thread: fill r->fb with at least BATCH bytes of fields, or
** BATCH_META bytes of fields and records, and one
** complete record (or up to the end of input or the first problem), move
** the record being built aside, hand the batch over, and go on in the
** batch the caller gives back once it has finished with it, starting it
** with that record.
** The caller never waits for a batch the parser has filled: it is handed
** over before the parser waits for the other one.  Only this thread
** touches the parsing state ('st', 'ent', 'cur', 'side', 'line', 'pend',
** 'eof', the byte source) until it ends; the mutex makes what it wrote
** visible to the caller with each batch.
*/
static void *parser_main(void *ud)
{
    cw_csv *r = ud;

    for (;;) {
        batch *next;
        int last;

        /* At least one complete record: the bytes of the record being
        ** built alone may pass BATCH (its fields done, its last open),
        ** and that record is carried to the next batch whole. */
        while ((r->fb->nrecs == 0 ||
                (r->fb->nbytes < BATCH && batchmeta(r->fb) < BATCH_META)) &&
               r->pend == P_NONE && !r->eof)
            cw__csvparse_fill(r, sliceroom(r->fb));
        last = r->pend != P_NONE || r->eof;
        if (!last && cw__csvparse_stash(r, &r->side) != CW_OK)
            last = 1;
        r->fb->last = last;
        r->fb->offset = r->dec != NULL ? cw__dec_consumed(r->dec) : r->offset;
        pthread_mutex_lock(&r->mu);
        while (r->ready != NULL && !r->stop) /* the one before, not taken */
            pthread_cond_wait(&r->cv, &r->mu);
        r->ready = r->fb;
        pthread_cond_broadcast(&r->cv);
        while (!last && r->spare == NULL && !r->stop)
            pthread_cond_wait(&r->cv, &r->mu);
        next = r->stop ? NULL : r->spare;
        r->spare = NULL;
        pthread_mutex_unlock(&r->mu);
        if (last || next == NULL)
            return NULL; /* the end, or the caller is closing the reader */
        r->fb = &r->side;
        if (cw__csvparse_carry(r, next) != CW_OK) {
            /* out of memory (pending): an empty last batch reports it */
            next->nrecs = next->nfields = next->nbytes = 0;
            r->fb = next;
            continue;
        }
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
    pthread_cond_broadcast(&r->cv); /* the parser may wait to hand over */
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
    r->view.nf = 0;
    if (r->fatal != CW_OK)
        return r->fatal;
    for (;;) {
        batch *b = r->rb;

        if (r->qhead < b->nrecs) {
            r->now = b->recs[r->qhead++];
            r->view.bytes = b->bytes;
            r->view.fields = b->fields + r->now.f0;
            r->view.nf = r->now.nf;
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
        if (cw__csvparse_carry(r, r->fb) != CW_OK)
            continue;
        cw__csvparse_fill(r, sliceroom(r->fb));
    }
}

/* ==== Opening and closing ==== */

/* Fill 'o' with the defaults listed in csvread.h. */
void cw__csvopts_default(cw_csvopts *o)
{
    o->delim = ',';
    o->quote = '"';
    o->max_field = MAX_FIELD;
    o->max_fields = MAX_FIELDS;
    o->lenient_quotes = 0;
    o->resync = 0;
    o->header = 1;
    o->ahead = 1;
    o->encoding = NULL;
    o->decoded = NULL;
}

/* Take the delimiter, quote, stray quotes and encoding of 'd' that are
** set. */
void cw__csvopts_dialect(cw_csvopts *o, const cw_dialect *d)
{
    if (d == NULL)
        return;
    if (d->delimiter != 0)
        o->delim = d->delimiter;
    if (d->quote != 0)
        o->quote = d->quote;
    if (d->stray_quotes != 0)
        o->lenient_quotes = d->stray_quotes == CW_STRAY_KEEP ? 2 : 0;
    if (d->encoding != NULL && d->encoding[0] != '\0')
        o->encoding = d->encoding;
}

/*
** Put a decoder between 'r' and its byte source when its options name
** another encoding than UTF-8.  CW_OK, or the decoder's failure (then
** 'r' is closed).
*/
static int attach_decoder(cw_csv *r, cw_err *err)
{
    const char *enc = r->o.encoding;
    cw_err e;
    int rc;

    r->o.encoding = NULL; /* borrowed: the decoder keeps its own copy */
    if (cw__dec_isutf8(enc))
        return CW_OK;
    rc = cw__dec_new(enc, r->read, r->ud, &r->dec, &e);
    if (rc != CW_OK) {
        cw__fail(err, rc, "%s: %s", r->name, e.msg);
        cw__csv_close(r);
        return rc;
    }
    r->read = cw__dec_read;
    r->ud = r->dec;
    return CW_OK;
}

/*
** Create a reader named 'name' on the byte source 'read'/'ud' with options
** 'o' (NULL for the defaults), without its decoder.  Nothing is read yet.
** Options that cannot work give CW_EUSAGE; *out is NULL on any failure.
*/
static int open_reader(const char *name, cw_read_fn read, void *ud,
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
        r->o.max_field > SIZE_MAX / 2 || r->o.max_fields == 0) {
        cw__fail(err, CW_EUSAGE,
                 "%s: bad CSV options (delimiter and quote must differ "
                 "and be neither CR nor LF; max_field and max_fields must "
                 "be positive)",
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

/* Create a reader on 'read'/'ud' (csvread.h), with its decoder. */
int cw__csv_open(const char *name, cw_read_fn read, void *ud,
                 const cw_csvopts *o, cw_csv **out, cw_err *err)
{
    int rc = open_reader(name, read, ud, o, out, err);

    if (rc == CW_OK && (rc = attach_decoder(*out, err)) != CW_OK)
        *out = NULL;
    return rc;
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
    rc = open_reader(path, file_read, NULL, o, &r, err);
    if (rc != CW_OK) {
        if (own)
            close(fd);
        return rc;
    }
    r->ud = r;
    r->fd = fd;
    r->ownfd = own;
    if ((rc = attach_decoder(r, err)) != CW_OK)
        return rc;
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
    cw__dec_free(r->dec);
    cw__free(r->ent);
    cw__free(r->again);
    if (r->ownfd && r->fd >= 0)
        close(r->fd);
    cw__free(r->fbuf);
    for (size_t i = 0; i < 2; i++) {
        cw__free(r->b[i].bytes);
        cw__free(r->b[i].fields);
        cw__free(r->b[i].recs);
    }
    cw__free(r->side.bytes);
    cw__free(r->side.fields);
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
    else if (rc == CW_ROW && h->badf != 0 && h->bad >= B_STRAY)
        rc = quote_problem(r, CW_EPARSE, h);
    else if (rc == CW_ROW && h->badf != 0 && h->bad == B_NUL)
        rc = problem(r, CW_EPARSE, "E_NUL", h->badline, h->badf,
                     "NUL byte in header name %zu at byte %zu%s", h->badf,
                     h->badat + 1, nul_hint(r));
    else if (rc == CW_ROW && h->badf != 0 && decname(r) != NULL)
        rc = problem(r, CW_EPARSE, "E_ENCODING", h->badline, h->badf,
                     "bytes not valid in %s in header name %zu at byte %zu",
                     decname(r), h->badf, h->badat + 1);
    else if (rc == CW_ROW && h->badf != 0) {
        size_t len;
        const char *f = nowfield(r, h->badf, &len);

        rc = problem(r, CW_EPARSE, "E_UTF8", h->badline, h->badf,
                     "invalid UTF-8 in header name %zu at byte %zu%s", h->badf,
                     h->badat + 1, utf8_hint(r, f, len, h->badat));
    } else if (rc == CW_ROW)
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

/* The hint for a header that is one column holding another delimiter
** (csvread.h). */
const char *cw__csv_hint(const cw_csv *r, char *buf, size_t size)
{
    static const char cands[] = {';', '\t', '|', ','};
    static const char *const names[] = {"semicolon", "tab", "pipe", "comma"};
    static const char *const held[] = {"';'", "tabs", "'|'", "','"};
    static const char *const opts[] = {"';'", "tab", "'|'", "','"};
    size_t most = 0, best = 0;

    if (size > 0)
        buf[0] = '\0';
    if (r->ncols != 1 || size == 0)
        return buf;
    for (size_t k = 0; k < sizeof cands; k++) {
        size_t n = 0;

        if (cands[k] == r->o.delim)
            continue;
        for (const char *p = r->cols[0]; *p != '\0'; p++)
            n += *p == cands[k];
        if (n > most) {
            most = n;
            best = k;
        }
    }
    if (most > 0)
        snprintf(buf, size,
                 "the header is one column holding %s: is the file "
                 "%s-separated? (--delimiter %s)",
                 held[best], names[best], opts[best]);
    return buf;
}

/* The encoding read, and whether a byte order mark was dropped. */
const char *cw__csv_encoding(const cw_csv *r, int *bom)
{
    if (bom != NULL)
        *bom = r->dec != NULL ? cw__dec_bom(r->dec)
                              : r->nhead >= 3 && r->head[0] == 0xEF &&
                                    r->head[1] == 0xBB && r->head[2] == 0xBF;
    return r->dec != NULL ? cw__dec_name(r->dec) : "UTF-8";
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

/* Record the problem of the record 'x' with a NUL byte or bytes that are
** not UTF-8 (or not valid in the input's encoding) as CW_EINVALID. */
static int bad_bytes(cw_csv *r, const rec *x)
{
    char note[NAME_SHOWN + 16];
    size_t len;
    const char *f;

    colnote(r, x->badf, note, sizeof note);
    if (x->bad == B_NUL)
        return problem(r, CW_EINVALID, "E_NUL", x->badline, x->badf,
                       "NUL byte in field %zu%s at byte %zu", x->badf, note,
                       x->badat + 1);
    if (decname(r) != NULL) /* a decoder's CW_DEC_BAD */
        return problem(r, CW_EINVALID, "E_ENCODING", x->badline, x->badf,
                       "bytes not valid in %s in field %zu%s at byte %zu",
                       decname(r), x->badf, note, x->badat + 1);
    f = nowfield(r, x->badf, &len);
    return problem(r, CW_EINVALID, "E_UTF8", x->badline, x->badf,
                   "invalid UTF-8 in field %zu%s at byte %zu%s", x->badf, note,
                   x->badat + 1, utf8_hint(r, f, len, x->badat));
}

/*
** Hand out the next record: CW_ROW, CW_EINVALID for a malformed record,
** a ragged one or one with a NUL or bad UTF-8 (its fields readable; in
** that order of precedence), CW_DONE, or a sticky error.
*/
int cw__csv_next(cw_csv *r)
{
    const rec *x = &r->now;
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
    if (x->badf != 0 && x->bad >= B_STRAY)
        return quote_problem(r, CW_EINVALID, x);
    if (r->o.header && x->nf != r->ncols)
        return problem(r, CW_EINVALID, "E_RAGGED", x->line, 0,
                       "record has %zu field%s, header has %zu", x->nf,
                       x->nf == 1 ? "" : "s", r->ncols);
    if (x->badf != 0)
        return bad_bytes(r, x);
    return CW_ROW;
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
** Input bytes consumed so far, a BOM included, counted in the source's
** own encoding: with a parser thread, up to the end of the batch the
** current record is in.
*/
unsigned long long cw__csv_offset(const cw_csv *r)
{
    if (r->threaded)
        return r->rb->offset;
    return r->dec != NULL ? cw__dec_consumed(r->dec) : r->offset;
}

unsigned long long cw__csv_size(const cw_csv *r)
{
    struct stat st;

    if (r->fd < 0 || fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size < 0)
        return 0;
    return (unsigned long long)st.st_size;
}
