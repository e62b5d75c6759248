/*
** source_sqlite.c -- the SQLite source: streams the rows of one prepared
** SELECT ("sqlite:PATH#TABLE_OR_QUERY") from a read-only connection, in
** constant memory.  Values come as text, SQL NULL as NULL; the position of
** a row is its number.  Owns the connection and a copy of the header.
*/
#include "source.h"

#include <string.h>

#include <sqlite3.h>

#define BUSY_MS 5000 /* how long to wait for a writer to finish */

struct cw_source {
    sqlite3 *db;       /* read-only connection */
    sqlite3_stmt *st;  /* the SELECT */
    char *path;        /* database path, for messages */
    size_t ncols;      /* result columns */
    char **names;      /* their names */
    const char **vals; /* the current row's values (NULL: SQL NULL) */
    size_t *lens;      /* and their lengths */
    unsigned long row; /* rows returned so far */
    int done;          /* the statement has finished */
    cw_err err;        /* last error */
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

/* 1 when 'what' names a table: letters, digits, '_' and '.' only. */
static int istable(const char *what)
{
    for (const char *p = what; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
            return 0;
    return 1;
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
    if (s->path == NULL || (istable(what) ? table_query(&q, what)
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
    s->ncols = (size_t)sqlite3_column_count(s->st);
    s->names = cw__alloc(s->ncols * sizeof *s->names);
    s->vals = cw__alloc(s->ncols * sizeof *s->vals);
    s->lens = cw__alloc(s->ncols * sizeof *s->lens);
    if (s->names == NULL || s->vals == NULL || s->lens == NULL) {
        cw__free(s->names);
        s->names = NULL;
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < s->ncols; i++)
        s->names[i] = NULL;
    for (size_t i = 0; i < s->ncols; i++) {
        const char *n = sqlite3_column_name(s->st, (int)i);

        if (n == NULL || (s->names[i] = cw__strdup(n)) == NULL) {
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

static size_t sq_ncols(const cw_source *s)
{
    return s->ncols;
}

static const char *sq_colname(const cw_source *s, size_t i)
{
    return i < s->ncols ? s->names[i] : NULL;
}

/* Step to the next row and take every value as text. */
static int sq_next(cw_source *s)
{
    int rc;

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
        return cw__fail(&s->err, rc == SQLITE_NOMEM ? CW_ENOMEM : CW_EIO,
                        "sqlite:%s: row %lu: %s", s->path, s->row + 1,
                        sqlite3_errmsg(s->db));
    }
    s->row++;
    for (size_t i = 0; i < s->ncols; i++) {
        int c = (int)i;

        if (sqlite3_column_type(s->st, c) == SQLITE_NULL) {
            s->vals[i] = NULL;
            s->lens[i] = 0;
            continue;
        }
        s->vals[i] = (const char *)sqlite3_column_text(s->st, c);
        if (s->vals[i] == NULL) {
            s->done = 1;
            return cw__fail(&s->err, CW_ENOMEM,
                            "sqlite:%s: row %lu: out of memory", s->path,
                            s->row);
        }
        s->lens[i] = (size_t)sqlite3_column_bytes(s->st, c);
    }
    return CW_ROW;
}

static size_t sq_nfields(const cw_source *s)
{
    return s->row > 0 && !s->done ? s->ncols : 0;
}

static const char *sq_field(const cw_source *s, size_t i, size_t *len)
{
    if (i >= sq_nfields(s)) {
        if (len != NULL)
            *len = 0;
        return NULL;
    }
    if (len != NULL)
        *len = s->lens[i];
    return s->vals[i];
}

static unsigned long sq_line(const cw_source *s)
{
    return s->row;
}

static const char *sq_code(const cw_source *s)
{
    return s->err.code != CW_OK ? "E_DB" : "";
}

static unsigned long sq_errcol(const cw_source *s)
{
    (void)s;
    return 0;
}

static const char *sq_errmsg(const cw_source *s)
{
    return s->err.msg;
}

static void sq_close(cw_source *s)
{
    if (s == NULL)
        return;
    sqlite3_finalize(s->st);
    sqlite3_close(s->db);
    for (size_t i = 0; s->names != NULL && i < s->ncols; i++)
        cw__free(s->names[i]);
    cw__free(s->names);
    cw__free(s->vals);
    cw__free(s->lens);
    cw__free(s->path);
    cw__free(s);
}

const struct cw_source_type cw_source_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .ncols = sq_ncols,
    .colname = sq_colname,
    .next = sq_next,
    .nfields = sq_nfields,
    .field = sq_field,
    .line = sq_line,
    .code = sq_code,
    .errmsg = sq_errmsg,
    .errcol = sq_errcol,
    .close = sq_close,
};
