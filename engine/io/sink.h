/*
** sink.h -- database outputs.  A sink is a table of functions; each kind
** lives in engine/db/ (sink_<kind>.c and its helpers).  Rows are written
** inside one transaction that commit() makes durable and close() without
** commit rolls back, so a failed run leaves the database as it was.
** Targets are named
**   sqlite:PATH                 a SQLite file (created when missing)
**   postgres:CONNINFO           a PostgreSQL database (conninfo string or
**                               URI; empty means the PG* environment and
**                               ~/.pgpass)
**   postgresql://... or postgres://...  the same as postgres:URI
** Messages never show a password.
*/
#ifndef CW_SINK_H
#define CW_SINK_H

#include "core/record.h"
#include "values/schema.h"

enum cw_sinkmode {
    CW_MODE_CREATE,  /* create the table; fail when it exists */
    CW_MODE_APPEND,  /* create when missing, then insert */
    CW_MODE_REPLACE, /* drop and recreate, then insert */
    CW_MODE_UPSERT   /* create when missing, insert or update on the key */
};

/* One column of a table: its name, its type (the schema's, or text) and
** whether it is part of the key. */
typedef struct cw_sinkcol {
    const char *name;     /* column name (quoted in SQL, always) */
    enum cw_coltype type; /* id/text -> TEXT, integer -> INTEGER (BIGINT),
                             number -> REAL (DOUBLE PRECISION),
                             boolean -> INTEGER 0/1 (BOOLEAN), dates ->
                             TEXT ISO 8601 (TIMESTAMP), others TEXT */
    int key;              /* 1 when part of the upsert key */
} cw_sinkcol;

typedef struct cw_sink cw_sink; /* a kind's private handle */

struct cw_sink_type {
    const char *name; /* "sqlite", "postgres" */
    /* Connect to 'location' (text after "kind:") and prepare to write into
    ** 'table' in 'mode'.  Starts the transaction. */
    int (*open)(const char *location, const char *table, const cw_sinkcol *cols,
                size_t ncols, enum cw_sinkmode mode, cw_sink **out,
                cw_err *err);
    /* Queue one row ('f[i].p' NULL is SQL NULL).  'file' and 'line' say
    ** where the row came from, for messages about it. */
    int (*write)(cw_sink *s, const cw_field *f, const char *file,
                 unsigned long line);
    /* Commit the transaction. */
    int (*commit)(cw_sink *s);
    /* Whether the rows of 's' are in the database: 1 when its transaction
    ** was committed (sinks sharing a transaction are committed by the last
    ** one's commit()), -1 when the connection was lost during that COMMIT
    ** (nobody knows), 0 otherwise. */
    int (*committed)(const cw_sink *s);
    /* Rows written. */
    unsigned long long (*rows)(const cw_sink *s);
    /* Last error; owned by 's'. */
    const char *(*errmsg)(const cw_sink *s);
    /* Roll back anything not committed and free 's'.  NULL is a no-op. */
    void (*close)(cw_sink *s);
};

/* A database table open for writing: a sink of any kind and its
** functions. */
typedef struct cw_table {
    const struct cw_sink_type *type; /* its functions */
    cw_sink *s;                      /* its handle */
} cw_table;

/* Open the target 'spec' ("sqlite:PATH", "postgres:CONNINFO" or a
** PostgreSQL URI); any other is refused without showing a password. */
int cw__table_open(const char *spec, const char *table, const cw_sinkcol *cols,
                   size_t ncols, enum cw_sinkmode mode, cw_table *out,
                   cw_err *err);
void cw__table_close(cw_table *out);

/*
** For the kinds: copy the names and types of the 'ncols' columns 'cols'
** into new arrays '*names' and '*types'.  CW_OK, or CW_ENOMEM with
** nothing left allocated.  cw__sink_freecols() frees them (NULL is a
** no-op).
*/
int cw__sink_copycols(const cw_sinkcol *cols, size_t ncols, char ***names,
                      enum cw_coltype **types);
void cw__sink_freecols(char **names, enum cw_coltype *types, size_t ncols);

/* 1 when the 'len' bytes at 's' start as an ISO 8601 date (YYYY-MM-DD):
** a date value the kinds pass on as it is. */
int cw__sink_isodate(const char *s, size_t len);

/* Parse "create", "append", "replace", "upsert"; -1 when unknown. */
int cw__sinkmode(const char *name);

extern const struct cw_sink_type cw_sink_sqlite;
extern const struct cw_sink_type cw_sink_postgres;

#endif /* CW_SINK_H */
