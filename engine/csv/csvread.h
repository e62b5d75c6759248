/*
** csvread.h -- streaming, strict CSV reader (RFC 4180).  Owns its buffers;
** borrows the caller's byte source.  Tracks the physical line of every
** record and field across quoted newlines (LF, CRLF and CR each end one
** line), strips a UTF-8 BOM, checks UTF-8, NUL bytes, ragged rows and
** headers, and caps the size of one field.  An input in another encoding
** is converted to UTF-8 on the way in (csv/decode.c).
*/
#ifndef CW_CSVREAD_H
#define CW_CSVREAD_H

#include "core/cw.h"

typedef struct cw_csvopts {
    char delim;           /* field delimiter, default ',' */
    char quote;           /* quote character, default '"' */
    size_t max_field;     /* largest field in bytes, default 16 MiB */
    size_t max_fields;    /* most fields in one record, default 65,536 */
    int lenient_quotes;   /* 0 (default): a quote inside an unquoted field
                             or text after a closing quote makes the record
                             malformed (E_QUOTE); 1: both are data (as in
                             libcsv without CSV_STRICT); 2: a quote inside
                             an unquoted field is data, text after a
                             closing quote stays malformed (the dialect's
                             stray quotes kept, CW_STRAY_KEEP) */
    int resync;           /* 1: a malformed record (E_QUOTE: a stray quote, or
                             text after a closing quote) is handed out as
                             CW_EINVALID and reading goes on at the next line
                             (csvparse.c says how); 0 (default): it ends
                             reading with CW_EPARSE */
    int header;           /* 1 (default): the first record is a header */
    int ahead;            /* 1 (default): cw__csv_openfile() parses a regular
                             file one batch ahead in a second thread (not
                             with an allocator of the caller's) */
    const char *encoding; /* the input's encoding (cw_dialect.encoding),
                             NULL (default): UTF-8; copied */
    const char *decoded;  /* NULL (default), or the encoding the byte
                             source itself converts from with a decoder
                             (csv/decode.h), for messages; borrowed for the
                             reader's life */
} cw_csvopts;

/* Fill 'o' with the defaults above. */
void cw__csvopts_default(cw_csvopts *o);

/* Set the delimiter, quote, lenient_quotes (from stray_quotes: 2 to keep,
** 0 to reject) and encoding of 'o' from the dialect 'd' (its zero fields
** leaving those of 'o'); NULL leaves 'o' as it is.  The encoding stays
** borrowed from 'd'. */
void cw__csvopts_dialect(cw_csvopts *o, const cw_dialect *d);

typedef struct cw_csv cw_csv; /* the reader (opaque) */

/*
** Where a field of the current record is: its offset in cw_csvnow.bytes
** and its length (a NUL byte follows it).
*/
typedef struct cw_csvspan {
    size_t off;
    size_t len;
} cw_csvspan;

/*
** The current record as cw__csv_field() reads it: the first member of
** the reader, kept up to date by cw__csv_next(), so that reading a field
** costs no call (every record's fields are read once or more, 14 million
** a second on the benchmark).  Read it only through the calls below.
*/
typedef struct cw_csvnow {
    const char *bytes;        /* the field bytes of its batch */
    const cw_csvspan *fields; /* its fields */
    size_t nf;                /* their number; 0 when there is no record */
} cw_csvnow;

/*
** Create a reader named 'name' (used in messages; "-" for stdin) pulling
** bytes from 'read'.  'o' NULL means defaults.  On failure store NULL in
** '*out', fill 'err' and return a negative status: CW_EUSAGE for options
** that cannot work or an encoding iconv does not know, CW_ENOMEM.
*/
int cw__csv_open(const char *name, cw_read_fn read, void *ud,
                 const cw_csvopts *o, cw_csv **out, cw_err *err);

/*
** Same, reading the file at 'path' with large reads ("-" reads standard
** input).  The reader owns the file and closes it.
*/
int cw__csv_openfile(const char *path, const cw_csvopts *o, cw_csv **out,
                     cw_err *err);

/*
** Read the header (when o->header).  Returns CW_OK, or CW_EPARSE with a
** problem (E_EMPTY for a file with no header, E_HEADER_BLANK,
** E_HEADER_DUP: duplicates compared case-insensitively, E_ENCODING for a
** UTF-16/32 BOM read as UTF-8 or a BOM that does not fit the encoding,
** E_EXCEL for an Excel workbook, plus every error cw__csv_next() can
** give).  Called automatically by the first cw__csv_next() when not
** called before.
*/
int cw__csv_header(cw_csv *r);
size_t cw__csv_ncols(const cw_csv *r);
/* Header name 'i', NUL-terminated, owned by 'r', BOM already removed. */
const char *cw__csv_colname(const cw_csv *r, size_t i);

/*
** When the header of 'r' is one column holding another delimiter than
** the one read with (';', TAB, '|' or ','; the one it holds most), write
** in 'buf' of 'size' bytes "the header is one column holding ';': is the
** file semicolon-separated? (--delimiter ';')" and return 'buf'; else
** return "".  For the message of a missing or unknown column.
*/
const char *cw__csv_hint(const cw_csv *r, char *buf, size_t size);

/* The encoding read: "UTF-8", or the name iconv was given (after a byte
** order mark picked the byte order: "UTF-16LE"); '*bom' (when not NULL)
** set to 1 when a byte order mark was dropped.  Final once the header is
** read. */
const char *cw__csv_encoding(const cw_csv *r, int *bom);

/*
** Advance to the next record.  Returns
**   CW_ROW      a record is ready;
**   CW_DONE     end of input;
**   CW_EINVALID the record was read but is bad (E_QUOTE with resync: a
**               malformed record; E_RAGGED: field count differs from the
**               header; E_UTF8: invalid UTF-8; E_ENCODING: bytes not
**               valid in the input's encoding; E_NUL: a NUL byte).  Its
**               fields are still readable, for the rejects file, and
**               reading may continue;
**   CW_EPARSE   the input is broken beyond this point (E_QUOTE: an
**               unterminated quote, or without resync a stray quote or
**               text after a closing quote; E_FIELD_TOO_LARGE;
**               E_TOO_MANY_FIELDS); stop reading;
**   CW_EIO, CW_ENOMEM.
** Blank lines are skipped (but counted as lines).
*/
int cw__csv_next(cw_csv *r);

/* Fields of the current record: count and borrowed views, valid until
** the next cw__csv_next() or cw__csv_close(). */
static inline size_t cw__csv_nfields(const cw_csv *r)
{
    return ((const cw_csvnow *)(const void *)r)->nf;
}

/*
** Field 'i' of the current record, NUL-terminated (it may hold NULs), its
** length in '*len' when 'len' is not NULL; NULL and 0 past the last one.
*/
static inline const char *cw__csv_field(const cw_csv *r, size_t i, size_t *len)
{
    const cw_csvnow *v = (const cw_csvnow *)(const void *)r;

    if (i >= v->nf) {
        if (len != NULL)
            *len = 0;
        return NULL;
    }
    if (len != NULL)
        *len = v->fields[i].len;
    return v->bytes + v->fields[i].off;
}

/* Physical line where the current record starts (1-based), and its
** number among the data records (1-based, the header not counted). */
unsigned long cw__csv_line(const cw_csv *r);
unsigned long long cw__csv_rownum(const cw_csv *r);

/*
** The last problem (after CW_EINVALID or an error): a stable code such as
** "E_RAGGED", the physical line and 1-based field number where it was
** found (field 0 when it concerns the whole record), and a message that
** starts with "name:line:col: ".  Owned by 'r'; never NULL.
*/
const char *cw__csv_code(const cw_csv *r);
unsigned long cw__csv_errline(const cw_csv *r);
unsigned long cw__csv_errcol(const cw_csv *r);
const char *cw__csv_errmsg(const cw_csv *r);

/* 1 once a parser thread was started for 'r' (see cw_csvopts.ahead). */
int cw__csv_threaded(const cw_csv *r);

/* Bytes consumed so far (for progress), of the source as it is (before a
** decoder converts them); with a parser thread, up to the end of the
** batch the current record is in. */
unsigned long long cw__csv_offset(const cw_csv *r);

/* The size in bytes of the file 'r' reads when it is a regular file
** (standard input redirected from one included), else 0 (a pipe, a
** reader). */
unsigned long long cw__csv_size(const cw_csv *r);

/* Free 'r' and everything it owns.  NULL is a harmless no-op. */
void cw__csv_close(cw_csv *r);

#endif /* CW_CSVREAD_H */
