/*
** sinkpg.h -- what the files of the PostgreSQL sink share: its shared
** connection and its state, the helpers for messages and statements
** (sink_pgsql.c), the table made ready at open (pgtable.c), and the COPY
** data of a row with its input position (pgcopy.c).  Private to
** engine/db.
*/
#ifndef CW_SINKPG_H
#define CW_SINKPG_H

#include "db/pg.h"
#include "db/share.h"
#include "io/sink.h"

#define CONVLEN 48 /* room for one converted date */

/* How a column's values travel in a binary COPY (pgtable.c picks them
** from the server's column types; any other pair means text format). */
enum pgkind {
    K_BYTES, /* text or varchar: the value's bytes */
    K_BOOL,  /* boolean column, boolean values: one byte */
    K_INT8   /* bigint column, integer values: 8 bytes, big-endian */
};

/* One connection, shared by every sink on the same connection string. */
typedef struct conn {
    cw_shared sh;            /* key: the connection string (never shown) */
    PGconn *pg;              /* the connection */
    cw_tx tx;                /* the transaction its sinks share */
    int broken;              /* the connection was lost */
    unsigned long nstage;    /* staging tables made, for their names */
    struct cw_sink *copying; /* the sink whose COPY is open, or NULL */
    int direct_sp;           /* the savepoint of a direct upsert batch
                                that went in is still open: the next
                                direct batch releases it as it starts */
} conn;

/* A sink: one table, written through COPYs on a shared connection. */
struct cw_sink {
    conn *c;                 /* the shared connection */
    unsigned long gen;       /* the transaction it writes in */
    int committed;           /* commit() succeeded */
    int upsert;              /* mode upsert */
    int direct;              /* upsert: batches go straight into the table
                                (each in a savepoint) until a key is
                                already there; see copy_end() */
    int binary;              /* COPY in binary format (kinds[] below) */
    int alltext;             /* binary, and every column text as given:
                                rows are lengths and bytes (addrow) */
    unsigned char *kinds;    /* binary: enum pgkind of each column */
    char *table;             /* table name as given, for messages */
    char *qtable;            /* quoted (qualified) table name */
    char *stage;             /* upsert: quoted staging table name */
    char *copysql;           /* COPY ... FROM STDIN: the table, or the
                                upsert's staging table */
    char *directsql;         /* upsert: RELEASE SAVEPOINT (DIRECT_RELEASE,
                                skipped when none is open); SAVEPOINT;
                                COPY into the table itself */
    char *mergesql;          /* upsert: INSERT ... SELECT; TRUNCATE */
    size_t ncols;            /* columns */
    char **names;            /* their names, for messages */
    enum cw_coltype *types;  /* their types */
    char conv[CONVLEN];      /* room for a converted value */
    cw_buf data;             /* COPY data not yet given to libpq; a
                                direct upsert batch keeps all of its own
                                (from 0, 'sent' of them given) that is
                                not in 'spill', to send it again through
                                the staging table */
    size_t sent;             /* direct: bytes of 'data' given to libpq */
    size_t directmax;        /* direct: the bytes that make this batch
                                full (DIRECT_KEEP, then twice the last;
                                DIRECT_KEEP with 'nospill') */
    int spill;               /* direct: the batch's spill file, unlinked
                                (-1: none yet) */
    int nospill;             /* no spill file could be made or written:
                                batches stay at DIRECT_KEEP, in memory */
    size_t spilled;          /* direct: bytes of the batch in 'spill',
                                sent, from offset 0; then 'data' */
    cw_buf pos;              /* file:line of each row of the batch,
                                packed: see addpos() in pgcopy.c */
    size_t npos;             /* rows in the batch */
    size_t lastfile;         /* file of the last row in 'pos' */
    unsigned long lastline;  /* and its line */
    size_t maxrows;          /* rows per COPY: BATCH_ROWS or COPY_ROWS */
    size_t batchbytes;       /* bytes of the batch so far */
    char **files;            /* file names seen (copies) */
    const char **filekeys;   /* and the pointers they were given as */
    size_t nfiles, filecap;  /* count, room */
    unsigned long long seq;  /* upsert: rows staged in this batch */
    unsigned long long rows; /* rows written */
    cw_err err;              /* last error */
};

/* The start of s->directsql that releases the last direct batch's
** savepoint; the rest opens the next one and starts its COPY. */
#define DIRECT_RELEASE "RELEASE SAVEPOINT cw_direct; "

/* ==== sink_pgsql.c ==== */

/* Record libpq's last message on 'pg' (NULL: out of memory) in 'err',
** after 'what', for database 'dbname'; return 'code'. */
int cw__pgsink_fail(cw_err *err, int code, PGconn *pg, const char *dbname,
                    const char *what);

/* 1 when the failure in 'res' (NULL: on the connection) means that the
** connection is gone: libpq says so, or made the error itself (a server
** error always has a SQLSTATE), or the server said it is shutting down
** (class 57P) or that the connection failed (class 08). */
int cw__pgsink_gone(PGconn *pg, const PGresult *res);

/* The database name of 's', for messages (never the connection string). */
const char *cw__pgsink_dbname(const cw_sink *s);

/* Run 'sql' in the sink's transaction; a lost connection marks it broken.
** CW_OK or the status, the message in s->err after 'what'. */
int cw__pgsink_run(cw_sink *s, const char *sql, const char *what);

/* ==== pgtable.c ==== */

/* Append 'name' to 'b' quoted ("a.b", with 'qualified', as schema a,
** table b); a failure is recorded in 's'. */
int cw__pgsink_addname(cw_sink *s, cw_buf *b, const char *name, int qualified);

/*
** Make the table ready for 'mode', before any row: create it (mode
** create refuses an existing one; replace drops it first; append and
** upsert create it when missing) or check that the existing one has the
** columns 'cols' ('nkey' of them keys), then prepare the upsert's staging
** table and merge (s->stage, s->mergesql) and the COPY (s->copysql).
** 'b' is room to write SQL in.  CW_OK or the status, message in s->err.
*/
int cw__pgsink_table(cw_sink *s, const cw_sinkcol *cols, size_t nkey,
                     enum cw_sinkmode mode, cw_buf *b);

/* ==== pgcopy.c ==== */

/* The 19 bytes that start a binary COPY's data, and the 2 that end it. */
extern const char cw__pgsink_binhead[19];
extern const char cw__pgsink_bintail[2];

/*
** Append row 'f' (s->ncols values) from 'file':'line' to s->data as COPY
** data (text or binary, s->binary), the upsert's sequence number after it
** when the row goes to the staging table, and note its position in
** s->pos.  CW_OK; CW_ENOMEM (no message); or CW_ESINK for a value that
** its column's type refuses (message in s->err).  On failure s->data is
** left as it was.
*/
int cw__pgsink_addrow(cw_sink *s, const cw_field *f, const char *file,
                      unsigned long line);

/*
** Append to 'out' the rows of the 'len' bytes at 'd' from byte '*off' on,
** each with its sequence number (1 for the first row of the batch;
** '*seq' counts them) added as for the staging table of 's', until 'out'
** holds at least 'upto' bytes or the whole rows end (a row cut short by
** 'len' is left); move '*off' past the rows done.  The data is rows
** without sequence numbers, as made by cw__pgsink_addrow() for a direct
** batch.  CW_OK or CW_ENOMEM.
*/
int cw__pgsink_addseq(const cw_sink *s, const char *d, size_t len, size_t *off,
                      unsigned long long *seq, cw_buf *out, size_t upto);

/* Write the file:line of row 'i' of the batch ("-" when unknown) into
** 'out' of 'n' bytes (only ever for a message). */
void cw__pgsink_rowwhere(const cw_sink *s, size_t i, char *out, size_t n);

#endif /* CW_SINKPG_H */
