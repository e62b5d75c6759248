/*
** source_sqlite.c -- the SQLite source: streams the rows of one prepared
** SELECT ("sqlite:PATH#TABLE_OR_QUERY") from a read-only connection, in
** constant memory.  Values come as text, SQL NULL as NULL; the position of
** a row is its number.  Owns the connection and a copy of the header.
*/
#include "db/sqlite.h"
#include "io/source.h"

#include <string.h>

#include <sqlite3.h>

#define BUSY_MS 5000 /* how long to wait for a writer to finish */

struct cw_source {
    cw_dbrow r;       /* columns, current row, last error: first */
    sqlite3 *db;      /* read-only connection */
    sqlite3_stmt *st; /* the SELECT */
    char *path;       /* database path, for messages */
    int done;         /* the statement has finished */
};

/* The status for a SQLite result code. */
static int status_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return CW_ENOMEM;
    case SQLITE_ERROR:
        return CW_EUSAGE; /* no such table, a syntax error, ... */
    default:
        return CW_EIO;
    }
}

/* "SELECT * FROM "a"."b"" for the table 'what' ("a.b" or "b"). */
static int table_query(cw_buf *b, const char *what)
{
    int rc = cw__buf_adds(b, "SELECT * FROM \"");

    for (const char *p = what; rc == CW_OK && *p; p++)
        rc = *p == '.' ? cw__buf_adds(b, "\".\"") : cw__buf_addc(b, *p);
    return rc == CW_OK ? cw__buf_addc(b, '"') : rc;
}

static void sq_close(cw_source *s);

static int sq_open(const char *location, cw_source **out, cw_err *err)
{
    const char *hash = strrchr(location, '#'), *what, *tail = NULL;
    cw_buf q = {0};
    cw_source *s;
    int rc;

    *out = NULL;
    if (hash == NULL || hash == location || hash[1] == '\0')
        return cw__fail(err, CW_EUSAGE,
                        "sqlite:%s: name a table or a query after '#' "
                        "(sqlite:PATH#TABLE_OR_QUERY)",
                        location);
    what = hash + 1;
    cw__sqlite_setup();
    s = cw__alloc(sizeof *s);
    if (s == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->path = cw__strndup(location, (size_t)(hash - location));
    if (s->path == NULL ||
        (cw__dbrow_istable(what) ? table_query(&q, what)
                                 : cw__buf_adds(&q, what)) != CW_OK) {
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
        goto fail;
    }
    rc = sqlite3_open_v2(s->path, &s->db,
                         SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_extended_result_codes(s->db, 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(s->db, BUSY_MS);
    if (rc != SQLITE_OK) {
        rc = cw__fail(err, rc == SQLITE_NOMEM ? CW_ENOMEM : CW_EIO,
                      "sqlite:%s: %s", s->path,
                      s->db != NULL ? sqlite3_errmsg(s->db)
                                    : sqlite3_errstr(rc));
        goto fail;
    }
    rc = sqlite3_prepare_v2(s->db, q.p, -1, &s->st, &tail);
    if (rc != SQLITE_OK) {
        rc = cw__fail(err, status_of(rc), "sqlite:%s: %s", s->path,
                      sqlite3_errmsg(s->db));
        goto fail;
    }
    while (tail != NULL && (*tail == ' ' || *tail == '\t' || *tail == '\n' ||
                            *tail == '\r' || *tail == ';'))
        tail++;
    if (s->st == NULL || (tail != NULL && *tail != '\0') ||
        sqlite3_column_count(s->st) == 0) {
        rc = cw__fail(err, CW_EUSAGE,
                      "sqlite:%s: '%.80s' is not one query returning rows",
                      s->path, what);
        goto fail;
    }
    if (cw__dbrow_alloc(&s->r, (size_t)sqlite3_column_count(s->st)) != CW_OK) {
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < s->r.ncols; i++) {
        const char *n = sqlite3_column_name(s->st, (int)i);

        if (n == NULL || (s->r.names[i] = cw__strdup(n)) == NULL) {
            rc = cw__fail(err, CW_ENOMEM, "out of memory");
            goto fail;
        }
    }
    cw__buf_free(&q);
    *out = s;
    return CW_OK;

fail:
    cw__buf_free(&q);
    sq_close(s);
    return rc;
}

/* Step to the next row and take every value as text. */
static int sq_next(cw_source *s)
{
    int rc;

    s->r.have = 0;
    if (s->done)
        return CW_DONE;
    rc = sqlite3_step(s->st);
    if (rc == SQLITE_DONE) {
        s->done = 1;
        sqlite3_reset(s->st); /* ends the read transaction */
        return CW_DONE;
    }
    if (rc != SQLITE_ROW) {
        s->done = 1;
        return cw__fail(&s->r.err, rc == SQLITE_NOMEM ? CW_ENOMEM : CW_EIO,
                        "sqlite:%s: row %lu: %s", s->path, s->r.nrow + 1,
                        sqlite3_errmsg(s->db));
    }
    s->r.nrow++;
    for (size_t i = 0; i < s->r.ncols; i++) {
        int c = (int)i;

        if (sqlite3_column_type(s->st, c) == SQLITE_NULL) {
            s->r.vals[i] = NULL;
            s->r.lens[i] = 0;
            continue;
        }
        s->r.vals[i] = (const char *)sqlite3_column_text(s->st, c);
        if (s->r.vals[i] == NULL) {
            s->done = 1;
            return cw__fail(&s->r.err, CW_ENOMEM,
                            "sqlite:%s: row %lu: out of memory", s->path,
                            s->r.nrow);
        }
        s->r.lens[i] = (size_t)sqlite3_column_bytes(s->st, c);
    }
    s->r.have = 1;
    return CW_ROW;
}

static void sq_close(cw_source *s)
{
    if (s == NULL)
        return;
    sqlite3_finalize(s->st);
    sqlite3_close(s->db);
    cw__dbrow_free(&s->r);
    cw__free(s->path);
    cw__free(s);
}

const struct cw_source_type cw_source_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .ncols = cw__dbrow_ncols,
    .colname = cw__dbrow_colname,
    .next = sq_next,
    .nfields = cw__dbrow_nfields,
    .field = cw__dbrow_field,
    .line = cw__dbrow_line,
    .code = cw__dbrow_code,
    .errmsg = cw__dbrow_errmsg,
    .errcol = cw__dbrow_errcol,
    .close = sq_close,
};
