/*
** source.h -- where records come from.  A source is a table of functions
** over a private handle; csv (csvread.c) is the default, sqlite and
** postgres read the rows of a query.  A source is named by a string:
**   PATH or csv:PATH            a CSV file ("-" is standard input)
**   sqlite:PATH#TABLE_OR_QUERY  a SQLite database
**   postgres:CONNINFO#TABLE_OR_QUERY  a PostgreSQL database (CONNINFO may
**                               be empty: the PG* environment is used)
**   postgresql://URI#TABLE_OR_QUERY  the same (postgres:// too)
** After '#', a bare identifier (letters, digits, _ and .) is a table;
** anything else is a query.  An input may instead be bound to a reader
** of CSV bytes (cw_run_input_reader()): see cw_inputspec.
*/
#ifndef CW_SOURCE_H
#define CW_SOURCE_H

#include "core/cw.h"
#include "core/record.h"

typedef struct cw_source cw_source; /* a kind's private handle */

struct cw_source_type {
    const char *name; /* "csv", "sqlite", "postgres" */
    /* Open 'location' (the text after "kind:"); read the header. */
    int (*open)(const char *location, cw_source **out, cw_err *err);
    size_t (*ncols)(const cw_source *s);
    const char *(*colname)(const cw_source *s, size_t i);
    /* CW_ROW, CW_DONE, CW_EINVALID (a bad record, readable for the rejects
    ** file) or a negative error; as cw__csv_next(). */
    int (*next)(cw_source *s);
    size_t (*nfields)(const cw_source *s);
    /* Field 'i' of the current row; NULL for SQL NULL. */
    const char *(*field)(const cw_source *s, size_t i, size_t *len);
    /* Position of the current row: a line for files, a row number for
    ** databases. */
    unsigned long (*line)(const cw_source *s);
    /* The last problem: code ("E_RAGGED"), field number, message. */
    const char *(*code)(const cw_source *s);
    unsigned long (*errcol)(const cw_source *s);
    const char *(*errmsg)(const cw_source *s);
    void (*close)(cw_source *s);
    /* Optional (may be NULL): the line of the last problem, when it differs
    ** from the current row's (an unterminated quote, a stray quote). */
    unsigned long (*errline)(const cw_source *s);
    /* Optional (may be NULL: a database): the input bytes read so far,
    ** and in '*size' the input's size in bytes when it is known (a
    ** regular file), else 0.  For progress reports. */
    unsigned long long (*bytes)(const cw_source *s, unsigned long long *size);
    /* Optional (may be NULL): fields 0 to 'n' - 1 of the current row at
    ** once into 'out', as 'field' gives them (NULL past the row's last),
    ** for the read loop, which takes every field of every row. */
    void (*fields)(const cw_source *s, cw_field *out, size_t n);
};

/* An open source of any kind. */
typedef struct cw_input {
    const struct cw_source_type *type; /* its functions */
    cw_source *s;                      /* its handle */
} cw_input;

/*
** Open the source named 'spec' (see above).  Store its kind and handle in
** 'in'.  CW_EUSAGE for an unknown kind or a malformed spec.
*/
int cw__input_open(const char *spec, cw_input *in, cw_err *err);
void cw__input_close(cw_input *in);

/* 1 when 'spec' names a CSV file (a path, "csv:PATH" or "-"), 0 for a
** database source. */
int cw__input_iscsv(const char *spec);

/* For the message of a missing or unknown column of 'in': the hint of a
** CSV header that is one column holding another delimiter
** (cw__csv_hint()), in 'buf' of 'size' bytes; "" for none. */
const char *cw__input_hint(const cw_input *in, char *buf, size_t size);

/* The name of the source 'spec' in messages, rejects files and summaries:
** 'spec' itself, but a PostgreSQL source only as its kind and what follows
** '#' ("postgres:#people"): its connection string may hold a password.
** Free it with cw__free(); NULL when out of memory. */
char *cw__input_name(const char *spec);

/*
** What an input is bound to: a source named by 'path' (see above), or,
** when 'read' is not NULL, the CSV bytes that 'read' gives, 'path' then
** being the name shown in messages ("<reader:NAME>").
*/
typedef struct cw_inputspec {
    const char *path;          /* a source spec, or a reader's name in
                                  messages */
    cw_read_fn read;           /* NULL, or the byte source of a CSV input */
    void *ud;                  /* its argument */
    const cw_dialect *dialect; /* a CSV input's dialect, NULL: default */
} cw_inputspec;

/* Flags of cw__input_openf(). */
#define CW_INPUT_RESYNC                                                        \
    1 /* csv: a malformed record (E_QUOTE) is a bad                            \
         record like a ragged one, CW_EINVALID, and                            \
         reading goes on (cw_csvopts.resync) */

/* cw__input_open() with 'flags' (0 or CW_INPUT_RESYNC). */
int cw__input_openf(const char *spec, int flags, cw_input *in, cw_err *err);

/*
** Open the input 'spec' is bound to, with 'flags' and its dialect: a
** source by its path as cw__input_openf() does, or a CSV reader over
** 'spec->read' (parsed in the caller's thread, as it asks for bytes).  A
** dialect other than the default for a database source is CW_EUSAGE.
*/
int cw__input_openspec(const cw_inputspec *spec, int flags, cw_input *in,
                       cw_err *err);

/*
** The problem message of the current record of 'in', without its
** position.  When the record has more fields than the 'ncols' its header
** names, the message is built in 'b' and ends with the fields past the
** header, each quoted as in CSV ("; extra fields: "a","b""c""), so that
** a rejects file loses none of them.  NULL when out of memory.
*/
const char *cw__input_errmsg(const cw_input *in, size_t ncols, cw_buf *b);

/*
** What a database source shows its caller: the result's columns, the
** current row and the last error.  A database kind embeds it as the
** first member of its struct cw_source, so that the cw__dbrow_*
** accessors below serve as its functions.
*/
typedef struct cw_dbrow {
    size_t ncols;       /* result columns */
    char **names;       /* their names */
    const char **vals;  /* the current row's values (NULL: SQL NULL) */
    size_t *lens;       /* and their lengths */
    unsigned long nrow; /* rows returned so far: the row's "line" */
    int have;           /* a row is current */
    cw_err err;         /* last error: code E_DB */
} cw_dbrow;

/* Allocate room for 'ncols' columns (names NULL until set).  CW_OK or
** CW_ENOMEM; cw__dbrow_free() frees what was allocated either way. */
int cw__dbrow_alloc(cw_dbrow *r, size_t ncols);
void cw__dbrow_free(cw_dbrow *r);
/* 1 when 'what' names a table (letters, digits, '_' and '.' only) rather
** than a query. */
int cw__dbrow_istable(const char *what);
/* The cw_source_type functions of a database kind. */
size_t cw__dbrow_ncols(const cw_source *s);
const char *cw__dbrow_colname(const cw_source *s, size_t i);
size_t cw__dbrow_nfields(const cw_source *s);
const char *cw__dbrow_field(const cw_source *s, size_t i, size_t *len);
unsigned long cw__dbrow_line(const cw_source *s);
const char *cw__dbrow_code(const cw_source *s);
unsigned long cw__dbrow_errcol(const cw_source *s);
const char *cw__dbrow_errmsg(const cw_source *s);

extern const struct cw_source_type cw_source_csv;
extern const struct cw_source_type cw_source_sqlite;
extern const struct cw_source_type cw_source_postgres;

#endif /* CW_SOURCE_H */
