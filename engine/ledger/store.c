/*
** store.c -- the delivery ledger's tables (store.h), over a SQLite or
** PostgreSQL connection (db/ledgerdb.h).  The SQL is the same for both:
** parameters are $1, $2, ..., and every value is text.
*/
#define _XOPEN_SOURCE 700 /* realpath */

#include "ledger/store.h"

#include "core/msg.h"
#include "db/ledgerdb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BATCH 200 /* rows sent in one INSERT */

enum { T_ROWS, T_RUNS, T_FILES, T_MARKS, T_DEPS, T_N };

struct cw_lstore {
    const struct cw_ldb_type *type; /* the kind of database */
    cw_ldb *db;                     /* the connection, locked */
    char *shown;                    /* the target, password hidden */
    char *base;                     /* the table's own name, unquoted */
    char *t[T_N];                   /* the tables' names, quoted */
    char *ix;                       /* the index statement */
    char *batchsql;                 /* the INSERT of BATCH rows */
    int intx;                       /* the run's transaction is open */
    unsigned long long nextfile;    /* the last file number given */
    cw_buf sql;                     /* SQL being built */
    cw_buf qrows;                   /* queued rows: 5 strings each */
    size_t nq;                      /* rows queued */
    cw_buf r1, r2;                  /* strings returned to the caller */
    cw_lfile f;                     /* a file returned to the caller */
    cw_buf fbuf;                    /* its strings */
    unsigned long long kept;        /* reconciled files found in place */
    unsigned long long dropped;     /* and not found */
    cw_err err;                     /* the last error */
};

/* ==== Helpers ==== */

static int nomem(cw_lstore *s)
{
    return cw__fail(&s->err, CW_ENOMEM, "out of memory");
}

/* Copy the connection's last error to 's'. */
static int dberr(cw_lstore *s, int rc)
{
    return cw__fail(&s->err, rc, "%s", s->type->errmsg(s->db));
}

/* Run 'sql' with the 'n' parameters 'p', each row to 'fn' (may be NULL). */
static int q(cw_lstore *s, const char *sql, const char *const *p, size_t n,
             cw_ldb_row_fn fn, void *ud)
{
    int rc = s->type->query(s->db, sql, p, n, fn, ud);

    if (rc == CW_ENOMEM)
        return nomem(s);
    return rc != CW_OK ? dberr(s, rc) : CW_OK;
}

/* 'fmt' with the tables' names (%1$s ... in order T_ROWS ... T_DEPS) into
** the scratch SQL; NULL when out of memory. */
static const char *sqlf(cw_lstore *s, const char *fmt)
{
    s->sql.len = 0;
    for (const char *p = fmt; *p != '\0'; p++) {
        int rc;

        if (p[0] == '@' && p[1] >= '0' && p[1] < '0' + T_N) {
            rc = cw__buf_adds(&s->sql, s->t[p[1] - '0']);
            p++;
        } else {
            rc = cw__buf_addc(&s->sql, *p);
        }
        if (rc != CW_OK)
            return NULL;
    }
    return s->sql.p;
}

/* Run the statement 'fmt' (tables named @0 to @4) with parameters. */
static int qf(cw_lstore *s, const char *fmt, const char *const *p, size_t n,
              cw_ldb_row_fn fn, void *ud)
{
    const char *sql = sqlf(s, fmt);

    if (sql == NULL)
        return nomem(s);
    return q(s, sql, p, n, fn, ud);
}

/* The time now, UTC, as "YYYY-MM-DDTHH:MM:SSZ". */
static void now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void u64(char out[24], unsigned long long v)
{
    snprintf(out, 24, "%llu", v);
}

/* A row callback keeping the first value as a number. */
static int first_u64(void *ud, const char *const *v, size_t n)
{
    *(unsigned long long *)ud =
        n > 0 && v[0] != NULL ? strtoull(v[0], NULL, 10) : 0;
    return CW_OK;
}

/* A row callback keeping the first value of the first row in a buffer
** (and noting that there was a row). */
typedef struct onestr {
    cw_buf *b;
    int found;
} onestr;

static int first_str(void *ud, const char *const *v, size_t n)
{
    onestr *o = ud;

    if (o->found++)
        return CW_OK;
    o->b->len = 0;
    if (n > 0 && v[0] != NULL && cw__buf_adds(o->b, v[0]) != CW_OK)
        return CW_ENOMEM;
    return cw__buf_addc(o->b, '\0') == CW_OK ? CW_OK : CW_ENOMEM;
}

/* ==== Opening ==== */

/* 1 when 'name' is a plain table name: letters, digits, '_', at most one
** '.' between two parts (a PostgreSQL schema). */
static int table_name(const char *name, int dots)
{
    int n = 0, part = 0;

    for (const char *p = name; *p != '\0'; p++) {
        if (*p == '.' && part > 0 && n < dots) {
            n++;
            part = 0;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
        part++;
    }
    return part > 0 && strlen(name) < 60;
}

/* Name the tables after 'name' ("t" or "schema.t"). */
static int name_tables(cw_lstore *s, const char *name)
{
    static const char *const suffix[T_N] = {"", "_runs", "_files", "_marks",
                                            "_deps"};
    const char *dot = strchr(name, '.');
    cw_buf b = {0};

    s->base = cw__strdup(dot != NULL ? dot + 1 : name);
    if (s->base == NULL)
        return CW_ENOMEM;
    for (int i = 0; i < T_N; i++) {
        b = (cw_buf){0};
        if ((dot != NULL && cw__buf_printf(&b, "\"%.*s\".", (int)(dot - name),
                                           name) != CW_OK) ||
            cw__buf_printf(&b, "\"%s%s\"", s->base, suffix[i]) != CW_OK) {
            cw__buf_free(&b);
            return CW_ENOMEM;
        }
        s->t[i] = b.p;
    }
    /* The rows are looked up by scope and key; by file only when a run
    ** fails or is settled, rarely enough to scan (an index costs every
    ** insert). */
    b = (cw_buf){0};
    if (cw__buf_printf(&b,
                       "CREATE INDEX IF NOT EXISTS \"%s_key\" ON %s "
                       "(scope, key_text)",
                       s->base, s->t[T_ROWS]) != CW_OK) {
        cw__buf_free(&b);
        return CW_ENOMEM;
    }
    s->ix = b.p;
    return CW_OK;
}

/*
** Split 'target' into its kind, the connection (a copy in '*conn') and
** the table name ('*table', pointing into 'target', or the default).
*/
static int parse_target(const char *target, const struct cw_ldb_type **type,
                        char **conn, const char **table, cw_err *err)
{
    const char *rest = target, *hash;
    int pg = 0;

    if (cw__target_pguri(target)) {
        pg = 1;
    } else if (strncmp(target, "postgres:", 9) == 0) {
        pg = 1;
        rest = target + 9;
    } else if (strncmp(target, "sqlite:", 7) == 0) {
        rest = target + 7;
    } else if (cw__target_conninfo(target) || strchr(target, ':') != NULL) {
        return cw__target_refuse(err, target,
                                 "sqlite:PATH[#TABLE], a file path, "
                                 "postgres:CONNINFO[#TABLE] or a "
                                 "postgresql:// URI");
    }
    *type = pg ? &cw_ldb_postgres : &cw_ldb_sqlite;
    *table = "crosswalk_ledger";
    hash = strrchr(rest, '#');
    if (hash != NULL && table_name(hash + 1, pg)) {
        *table = hash + 1;
    } else if (hash != NULL && !pg) {
        return cw__fail(err, CW_EUSAGE,
                        "ledger %s: '%.60s' after '#' is not a table name "
                        "(letters, digits and '_')",
                        target, hash + 1);
    } else {
        hash = NULL;
    }
    *conn = hash != NULL ? cw__strndup(rest, (size_t)(hash - rest))
                         : cw__strdup(rest);
    return *conn != NULL ? CW_OK : cw__fail(err, CW_ENOMEM, "out of memory");
}

/* Create the tables when missing, in one transaction. */
static int create(cw_lstore *s)
{
    static const char *const ddl[] = {
        "CREATE TABLE IF NOT EXISTS @1 (run BIGINT PRIMARY KEY, recipe TEXT "
        "NOT NULL, started TEXT NOT NULL, finished TEXT, state TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS @2 (file BIGINT PRIMARY KEY, run BIGINT "
        "NOT NULL, scope TEXT NOT NULL, part BIGINT NOT NULL, path TEXT NOT "
        "NULL, nrows BIGINT NOT NULL, state TEXT NOT NULL, dev TEXT, ino "
        "TEXT, size TEXT, mtime TEXT, written TEXT, changed TEXT)",
        "CREATE TABLE IF NOT EXISTS @0 (scope TEXT NOT NULL, key_text TEXT "
        "NOT NULL, hash TEXT NOT NULL, content TEXT NOT NULL, file BIGINT NOT "
        "NULL)",
        "CREATE TABLE IF NOT EXISTS @3 (run BIGINT NOT NULL, scope TEXT NOT "
        "NULL, col TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run, "
        "scope, col))",
        "CREATE TABLE IF NOT EXISTS @4 (run BIGINT NOT NULL, file BIGINT NOT "
        "NULL, PRIMARY KEY (run, file))",
    };
    int lost, rc = s->type->begin(s->db);

    if (rc != CW_OK)
        return dberr(s, rc);
    for (size_t i = 0; rc == CW_OK && i < sizeof ddl / sizeof *ddl; i++)
        rc = qf(s, ddl[i], NULL, 0, NULL, NULL);
    if (rc == CW_OK)
        rc = q(s, s->ix, NULL, 0, NULL, NULL);
    if (rc != CW_OK) {
        s->type->rollback(s->db);
        return rc;
    }
    if ((rc = s->type->commit(s->db, &lost)) != CW_OK)
        return dberr(s, rc);
    return CW_OK;
}

/* Fail unless the ledger's tables exist (a command never creates one). */
static int exists(cw_lstore *s)
{
    int rc = qf(s, "SELECT count(*) FROM @1", NULL, 0, NULL, NULL);

    if (rc != CW_OK)
        return cw__fail(&s->err, CW_EUSAGE,
                        "%s: no ledger there (table %s: %s)", s->shown,
                        s->t[T_RUNS], cw__msg_nopos(s->type->errmsg(s->db)));
    return CW_OK;
}

static int reconcile(cw_lstore *s);

int cw__lstore_open(const char *target, int flags, cw_lstore **out, cw_err *err)
{
    const struct cw_ldb_type *type = NULL;
    const char *table = NULL;
    char *conn = NULL, shown[512];
    cw_lstore *s;
    int rc;

    *out = NULL;
    if (target == NULL || target[0] == '\0')
        return cw__fail(err, CW_EUSAGE, "no ledger named");
    if ((rc = parse_target(target, &type, &conn, &table, err)) != CW_OK)
        return rc;
    s = cw__alloc(sizeof *s);
    if (s == NULL) {
        cw__free(conn);
        return cw__fail(err, CW_ENOMEM, "out of memory");
    }
    memset(s, 0, sizeof *s);
    s->type = type;
    cw_redact(shown, sizeof shown, target);
    if ((s->shown = cw__strdup(shown)) == NULL ||
        name_tables(s, table) != CW_OK) {
        cw__free(conn);
        cw__lstore_close(s);
        return cw__fail(err, CW_ENOMEM, "out of memory");
    }
    if ((flags & CW_LSTORE_MAYBE) && !(flags & CW_LSTORE_CREATE) &&
        type == &cw_ldb_sqlite && access(conn, F_OK) != 0) {
        cw__free(conn); /* no file: no ledger yet */
        cw__lstore_close(s);
        return CW_OK;
    }
    rc = type->open(conn, flags & CW_LSTORE_CREATE, &s->db, &s->err);
    cw__free(conn);
    if (rc == CW_OK && (rc = type->lock(s->db, table)) != CW_OK)
        dberr(s, rc);
    if (rc == CW_OK)
        rc = (flags & CW_LSTORE_CREATE) ? create(s) : exists(s);
    if (rc == CW_EUSAGE && (flags & CW_LSTORE_MAYBE) &&
        s->err.code == CW_EUSAGE && strstr(s->err.msg, "no ledger") != NULL) {
        cw__lstore_close(s); /* no tables: no ledger yet */
        return CW_OK;
    }
    if (rc == CW_OK && !(flags & CW_LSTORE_LOOK))
        rc = reconcile(s);
    if (rc != CW_OK) {
        cw__errcopy(err, &s->err);
        cw__lstore_close(s);
        return rc;
    }
    *out = s;
    return CW_OK;
}

void cw__lstore_close(cw_lstore *s)
{
    if (s == NULL)
        return;
    if (s->db != NULL)
        s->type->close(s->db);
    for (int i = 0; i < T_N; i++)
        cw__free(s->t[i]);
    cw__free(s->ix);
    cw__free(s->batchsql);
    cw__free(s->base);
    cw__free(s->shown);
    cw__buf_free(&s->sql);
    cw__buf_free(&s->qrows);
    cw__buf_free(&s->r1);
    cw__buf_free(&s->r2);
    cw__buf_free(&s->fbuf);
    cw__free(s);
}

const char *cw__lstore_shown(const cw_lstore *s)
{
    return s->shown;
}

const char *cw__lstore_errmsg(const cw_lstore *s)
{
    return s->err.msg;
}

int cw__lstore_errcode(const cw_lstore *s)
{
    return s->err.code;
}

void cw__lstore_reconciled(const cw_lstore *s, unsigned long long *kept,
                           unsigned long long *dropped)
{
    *kept = s->kept;
    *dropped = s->dropped;
}

/* ==== Files ==== */

/* The columns of TABLE_files that make a cw_lfile, in order. */
#define FILECOLS                                                               \
    "file, run, scope, path, state, nrows, written, changed, dev, ino, "       \
    "size, mtime"

static void lfile_of(cw_lfile *f, const char *const *v, size_t n)
{
    memset(f, 0, sizeof *f);
    if (n < 12)
        return;
    f->id = v[0] != NULL ? strtoull(v[0], NULL, 10) : 0;
    f->run = v[1] != NULL ? strtoull(v[1], NULL, 10) : 0;
    f->scope = v[2];
    f->path = v[3];
    f->state = v[4];
    f->rows = v[5] != NULL ? strtoull(v[5], NULL, 10) : 0;
    f->written = v[6];
    f->changed = v[7];
    f->dev = v[8];
    f->ino = v[9];
    f->size = v[10];
    f->mtime = v[11];
}

typedef struct files_ud {
    cw_lfile_fn fn;
    void *ud;
} files_ud;

static int files_row(void *ud, const char *const *v, size_t n)
{
    files_ud *u = ud;
    cw_lfile f;

    lfile_of(&f, v, n);
    return u->fn(u->ud, &f);
}

int cw__lstore_files(cw_lstore *s, cw_lfile_fn fn, void *ud)
{
    files_ud u = {fn, ud};

    return qf(s, "SELECT " FILECOLS " FROM @2 ORDER BY file", NULL, 0,
              files_row, &u);
}

/* Keep a copy of the file in 'v' in s->f (strings in s->fbuf). */
static int keep_file(void *ud, const char *const *v, size_t n)
{
    cw_lstore *s = ud;
    size_t off[12];
    cw_lfile f;

    if (n < 12 || s->f.path != NULL)
        return CW_OK; /* the first row only */
    s->fbuf.len = 0;
    for (size_t i = 0; i < 12; i++) {
        off[i] = s->fbuf.len;
        if (v[i] != NULL && (cw__buf_adds(&s->fbuf, v[i]) != CW_OK ||
                             cw__buf_addc(&s->fbuf, '\0') != CW_OK))
            return CW_ENOMEM;
        if (v[i] == NULL)
            off[i] = (size_t)-1;
    }
    {
        const char *w[12];

        for (size_t i = 0; i < 12; i++)
            w[i] = off[i] == (size_t)-1 ? NULL : s->fbuf.p + off[i];
        lfile_of(&f, w, 12);
    }
    s->f = f;
    return CW_OK;
}

/* The identity of the file at 'path' as the ledger records it: device,
** inode, size and modification time, as text.  0, or -1 (errno set). */
static int identity(const char *path, char dev[24], char ino[24], char size[24],
                    char mtime[40])
{
    struct stat st;

    if (stat(path, &st) != 0)
        return -1;
    u64(dev, (unsigned long long)st.st_dev);
    u64(ino, (unsigned long long)st.st_ino);
    snprintf(size, 24, "%lld", (long long)st.st_size);
    snprintf(mtime, 40, "%lld.%09ld", (long long)st.st_mtim.tv_sec,
             (long)st.st_mtim.tv_nsec);
    return 0;
}

/* 1 when the file at 'path' is the one whose identity 'f' records. */
static int same_file(const char *path, const char *dev, const char *ino,
                     const char *size, const char *mtime)
{
    char d[24], i[24], z[24], m[40];

    if (dev == NULL || ino == NULL || size == NULL || mtime == NULL ||
        identity(path, d, i, z, m) != 0)
        return 0;
    return strcmp(d, dev) == 0 && strcmp(i, ino) == 0 && strcmp(z, size) == 0 &&
           strcmp(m, mtime) == 0;
}

/* ==== Reconciling ==== */

/* The runs a crash left writing, and their files. */
typedef struct pend {
    unsigned long long *runs;
    size_t nruns, cap;
    cw_lnewfile *files;
    char **strs; /* owned strings of 'files' (path, dev, ino, size,
                    mtime) */
    size_t nfiles, fcap;
} pend;

static int pend_run(void *ud, const char *const *v, size_t n)
{
    pend *p = ud;
    unsigned long long *g;

    if (n < 1 || v[0] == NULL)
        return CW_OK;
    g = cw__grow(p->runs, &p->cap, p->nruns + 1, sizeof *g);
    if (g == NULL)
        return CW_ENOMEM;
    p->runs = g;
    g[p->nruns++] = strtoull(v[0], NULL, 10);
    return CW_OK;
}

static int pend_file(void *ud, const char *const *v, size_t n)
{
    pend *p = ud;
    size_t cap = p->fcap;
    cw_lnewfile *g;
    char **s;

    if (n < 6 || v[0] == NULL)
        return CW_OK;
    g = cw__grow(p->files, &cap, p->nfiles + 1, sizeof *g);
    if (g == NULL)
        return CW_ENOMEM;
    p->files = g;
    cap = p->fcap;
    s = cw__grow(p->strs, &cap, 5 * (p->nfiles + 1), sizeof *s);
    if (s == NULL)
        return CW_ENOMEM;
    p->strs = s;
    p->fcap = p->nfiles + 1;
    for (size_t i = 0; i < 5; i++)
        if ((s[5 * p->nfiles + i] = cw__strdup(v[i + 1] ? v[i + 1] : "")) ==
            NULL) {
            while (i-- > 0)
                cw__free(s[5 * p->nfiles + i]);
            return CW_ENOMEM;
        }
    g[p->nfiles] = (cw_lnewfile){
        strtoull(v[0], NULL, 10), s[5 * p->nfiles],     0,
        s[5 * p->nfiles + 1],     s[5 * p->nfiles + 2], s[5 * p->nfiles + 3],
        s[5 * p->nfiles + 4]};
    p->nfiles++;
    return CW_OK;
}

static void pend_clear(pend *p)
{
    for (size_t i = 0; i < 5 * p->nfiles; i++)
        cw__free(p->strs[i]);
    p->nfiles = 0;
}

/*
** Settle the runs a crash (or a lost connection) left writing: their
** files that are in place become pending, the others failed.
*/
static int reconcile(cw_lstore *s)
{
    pend p = {0};
    int rc = qf(s, "SELECT run FROM @1 WHERE state = 'writing' ORDER BY run",
                NULL, 0, pend_run, &p);

    for (size_t r = 0; rc == CW_OK && r < p.nruns; r++) {
        char run[24];
        const char *par[1] = {run};
        int *in, all = 1;

        u64(run, p.runs[r]);
        pend_clear(&p);
        rc = qf(s,
                "SELECT file, path, dev, ino, size, mtime FROM @2 WHERE run "
                "= $1 AND state = 'writing' ORDER BY file",
                par, 1, pend_file, &p);
        if (rc != CW_OK)
            break;
        in = cw__alloc((p.nfiles ? p.nfiles : 1) * sizeof *in);
        if (in == NULL) {
            rc = nomem(s);
            break;
        }
        for (size_t i = 0; i < p.nfiles; i++) {
            const cw_lnewfile *f = &p.files[i];

            in[i] = same_file(f->path, f->dev, f->ino, f->size, f->mtime);
            all &= in[i];
            if (in[i])
                s->kept++;
            else
                s->dropped++;
        }
        rc = cw__lstore_run_finish(s, p.runs[r], p.files, in, p.nfiles, all);
        cw__free(in);
    }
    pend_clear(&p);
    cw__free(p.strs);
    cw__free(p.files);
    cw__free(p.runs);
    return rc;
}

/* ==== Reading ==== */

typedef struct live_ud {
    cw_lrow_fn fn;
    void *ud;
} live_ud;

static int live_row(void *ud, const char *const *v, size_t n)
{
    live_ud *u = ud;

    if (n < 3 || v[0] == NULL || v[1] == NULL || v[2] == NULL)
        return CW_OK;
    return u->fn(u->ud, v[0], v[1], strtoull(v[2], NULL, 10));
}

int cw__lstore_live(cw_lstore *s, const char *scope, int writing, cw_lrow_fn fn,
                    void *ud)
{
    const char *p[1] = {scope};
    live_ud u = {fn, ud};

    return qf(s,
              writing ? "SELECT t.key_text, t.hash, t.file FROM @0 t JOIN @2 f "
                        "ON f.file = t.file WHERE t.scope = $1 AND f.state IN "
                        "('pending', 'confirmed', 'writing') ORDER BY t.file"
                      : "SELECT t.key_text, t.hash, t.file FROM @0 t JOIN @2 f "
                        "ON f.file = t.file WHERE t.scope = $1 AND f.state IN "
                        "('pending', 'confirmed') ORDER BY t.file",
              p, 1, live_row, &u);
}

typedef struct two {
    cw_lstore *s;
    int found;
} two;

static int keep_two(void *ud, const char *const *v, size_t n)
{
    two *t = ud;

    if (t->found++ || n < 2)
        return CW_OK;
    t->s->r1.len = t->s->r2.len = 0;
    if (cw__buf_adds(&t->s->r1, v[0] ? v[0] : "") != CW_OK ||
        cw__buf_addc(&t->s->r1, '\0') != CW_OK ||
        cw__buf_adds(&t->s->r2, v[1] ? v[1] : "") != CW_OK ||
        cw__buf_addc(&t->s->r2, '\0') != CW_OK)
        return CW_ENOMEM;
    return CW_OK;
}

static int flush_rows(cw_lstore *s);

int cw__lstore_previous(cw_lstore *s, const char *scope, const char *key,
                        const char **rowtext, const char **path)
{
    const char *p[2] = {scope, key};
    two t = {s, 0};
    int rc = flush_rows(s);

    *rowtext = *path = NULL;
    if (rc == CW_OK)
        rc = qf(s,
                "SELECT t.content, f.path FROM @0 t JOIN @2 f ON f.file = "
                "t.file WHERE t.scope = $1 AND t.key_text = $2 AND f.state IN "
                "('pending', 'confirmed', 'writing') ORDER BY t.file DESC",
                p, 2, keep_two, &t);
    if (rc == CW_OK && t.found) {
        *rowtext = s->r1.p;
        *path = s->r2.p;
    }
    return rc;
}

/* The condition that a run's watermark may be used: the run is done and
** every file it waits for is confirmed. */
#define USABLE                                                                 \
    "r.state = 'done' AND NOT EXISTS (SELECT 1 FROM @4 d JOIN @2 f ON "        \
    "f.file = d.file WHERE d.run = m.run AND f.state <> 'confirmed')"

int cw__lstore_mark(cw_lstore *s, const char *scope, const char *col,
                    const char **value)
{
    const char *p[2] = {scope, col};
    onestr o = {&s->r1, 0};
    int rc = qf(s,
                "SELECT m.value FROM @3 m JOIN @1 r ON r.run = m.run WHERE "
                "m.scope = $1 AND m.col = $2 AND " USABLE
                " ORDER BY m.run DESC LIMIT 1",
                p, 2, first_str, &o);

    *value = rc == CW_OK && o.found ? s->r1.p : NULL;
    return rc;
}

typedef struct marks_ud {
    cw_lmark_fn fn;
    void *ud;
} marks_ud;

static int marks_row(void *ud, const char *const *v, size_t n)
{
    marks_ud *u = ud;
    cw_lmark m;

    if (n < 5)
        return CW_OK;
    m.run = v[0] != NULL ? strtoull(v[0], NULL, 10) : 0;
    m.scope = v[1];
    m.col = v[2];
    m.value = v[3];
    m.usable = v[4] != NULL && strcmp(v[4], "1") == 0;
    return u->fn(u->ud, &m);
}

int cw__lstore_marks(cw_lstore *s, cw_lmark_fn fn, void *ud)
{
    marks_ud u = {fn, ud};

    return qf(s,
              "SELECT m.run, m.scope, m.col, m.value, CASE WHEN " USABLE
              " THEN 1 ELSE 0 END FROM @3 m JOIN @1 r ON r.run = m.run "
              "WHERE r.state = 'done' ORDER BY m.scope, m.col, m.run",
              NULL, 0, marks_row, &u);
}

/* ==== A run ==== */

int cw__lstore_run_begin(cw_lstore *s, const char *recipe,
                         unsigned long long *run)
{
    char id[24], at[32];
    const char *p[3] = {id, recipe, at};
    int rc = s->type->begin(s->db);

    if (rc != CW_OK)
        return dberr(s, rc);
    s->intx = 1;
    *run = 0;
    rc = qf(s, "SELECT COALESCE(MAX(run), 0) + 1 FROM @1", NULL, 0, first_u64,
            run);
    if (rc == CW_OK)
        rc = qf(s, "SELECT COALESCE(MAX(file), 0) FROM @2", NULL, 0, first_u64,
                &s->nextfile);
    u64(id, *run);
    now(at);
    if (rc == CW_OK)
        rc = qf(s,
                "INSERT INTO @1 (run, recipe, started, state) VALUES ($1, $2, "
                "$3, 'writing')",
                p, 3, NULL, NULL);
    if (rc != CW_OK)
        cw__lstore_run_abort(s);
    return rc;
}

int cw__lstore_file_new(cw_lstore *s, unsigned long long run, const char *scope,
                        size_t part, unsigned long long *file)
{
    char id[24], r[24], pt[24];
    const char *p[4] = {id, r, scope, pt};

    *file = ++s->nextfile;
    u64(id, *file);
    u64(r, run);
    u64(pt, (unsigned long long)part);
    return qf(s,
              "INSERT INTO @2 (file, run, scope, part, path, nrows, state) "
              "VALUES ($1, $2, $3, $4, '', 0, 'writing')",
              p, 4, NULL, NULL);
}

/* Append the INSERT of 'n' rows to 'b'. */
static int insert_sql(const cw_lstore *s, cw_buf *b, size_t n)
{
    int rc = cw__buf_printf(b,
                            "INSERT INTO %s (scope, key_text, hash, content, "
                            "file) VALUES ",
                            s->t[T_ROWS]);

    for (size_t i = 0; rc == CW_OK && i < n; i++)
        rc = cw__buf_printf(b, "%s($%zu, $%zu, $%zu, $%zu, $%zu)",
                            i ? ", " : "", 5 * i + 1, 5 * i + 2, 5 * i + 3,
                            5 * i + 4, 5 * i + 5);
    return rc;
}

/* Send the queued rows in one INSERT. */
static int flush_rows(cw_lstore *s)
{
    const char **p;
    const char *at, *sql;
    int rc = CW_OK;

    if (s->nq == 0)
        return CW_OK;
    p = cw__alloc(5 * s->nq * sizeof *p);
    if (p == NULL)
        return nomem(s);
    at = s->qrows.p;
    for (size_t i = 0; i < 5 * s->nq; i++) {
        p[i] = at;
        at += strlen(at) + 1;
    }
    /* The full batch's text is made once (and its statement kept). */
    if (s->nq == BATCH && s->batchsql == NULL) {
        cw_buf b = {0};

        if (insert_sql(s, &b, BATCH) != CW_OK) {
            cw__buf_free(&b);
            cw__free(p);
            return nomem(s);
        }
        s->batchsql = b.p;
    }
    s->sql.len = 0;
    if (s->nq == BATCH)
        sql = s->batchsql;
    else
        sql = insert_sql(s, &s->sql, s->nq) == CW_OK ? s->sql.p : NULL;
    rc = sql != NULL ? q(s, sql, p, 5 * s->nq, NULL, NULL) : nomem(s);
    cw__free(p);
    s->nq = 0;
    s->qrows.len = 0;
    return rc;
}

int cw__lstore_row(cw_lstore *s, const char *scope, const char *key,
                   const char *hash, const char *rowtext,
                   unsigned long long file)
{
    char id[24];
    const char *v[5] = {scope, key, hash, rowtext, id};

    u64(id, file);
    for (size_t i = 0; i < 5; i++)
        if (cw__buf_add(&s->qrows, v[i], strlen(v[i]) + 1) != CW_OK)
            return nomem(s);
    if (++s->nq >= BATCH)
        return flush_rows(s);
    return CW_OK;
}

/* A pending file of another run at a path: its run and rows. */
typedef struct clash {
    unsigned long long run, rows;
    int found;
} clash;

static int clash_row(void *ud, const char *const *v, size_t n)
{
    clash *c = ud;

    if (c->found++ || n < 2)
        return CW_OK;
    c->run = v[0] != NULL ? strtoull(v[0], NULL, 10) : 0;
    c->rows = v[1] != NULL ? strtoull(v[1], NULL, 10) : 0;
    return CW_OK;
}

int cw__lstore_run_record(cw_lstore *s, unsigned long long run,
                          const cw_lnewfile *files, size_t nfiles,
                          const char *const *marks, size_t nmarks,
                          const char *const *scopes, size_t nscopes)
{
    char id[24], at[32];
    int lost, rc = flush_rows(s);

    u64(id, run);
    now(at);
    for (size_t i = 0; rc == CW_OK && i < nfiles; i++) {
        const char *p[2] = {files[i].path, id};
        clash c = {0, 0, 0};

        rc = qf(s,
                "SELECT run, nrows FROM @2 WHERE path = $1 AND state = "
                "'pending' AND run <> $2 ORDER BY file DESC",
                p, 2, clash_row, &c);
        if (rc == CW_OK && c.found)
            rc =
                cw__fail(&s->err, CW_EUSAGE,
                         "%s holds %llu rows that run %llu wrote and that "
                         "are not confirmed as imported yet; this run would "
                         "replace it: import it and run 'crosswalk ledger "
                         "confirm %s --ledger %s' (or 'crosswalk ledger "
                         "release ...' if it will not be imported), or write "
                         "to another --out-dir",
                         files[i].path, c.rows, c.run, files[i].path, s->shown);
    }
    for (size_t i = 0; rc == CW_OK && i < nfiles; i++) {
        char fid[24], rows[24];
        const char *p[8] = {
            fid,          files[i].path, rows,           files[i].dev,
            files[i].ino, files[i].size, files[i].mtime, at};

        u64(fid, files[i].id);
        u64(rows, files[i].rows);
        rc = qf(s,
                "UPDATE @2 SET path = $2, nrows = $3, dev = $4, ino = $5, "
                "size = $6, mtime = $7, written = $8 WHERE file = $1",
                p, 8, NULL, NULL);
    }
    for (size_t i = 0; rc == CW_OK && i < nmarks; i++) {
        const char *p[4] = {id, marks[3 * i], marks[3 * i + 1],
                            marks[3 * i + 2]};

        rc = qf(s,
                "INSERT INTO @3 (run, scope, col, value) VALUES ($1, $2, "
                "$3, $4)",
                p, 4, NULL, NULL);
    }
    /* What the watermarks wait for: the run's own files and the files
    ** whose rows it left out as pending. */
    if (rc == CW_OK && nmarks > 0)
        rc = qf(s,
                "INSERT INTO @4 (run, file) SELECT run, file FROM @2 WHERE "
                "run = $1",
                (const char *const[]){id}, 1, NULL, NULL);
    for (size_t i = 0; rc == CW_OK && nmarks > 0 && i < nscopes; i++) {
        const char *p[2] = {id, scopes[i]};

        rc = qf(s,
                "INSERT INTO @4 (run, file) SELECT CAST($1 AS BIGINT), file "
                "FROM @2 WHERE "
                "state = 'pending' AND scope = $2",
                p, 2, NULL, NULL);
    }
    if (rc != CW_OK) {
        cw__lstore_run_abort(s);
        return rc;
    }
    s->intx = 0;
    if ((rc = s->type->commit(s->db, &lost)) != CW_OK)
        return dberr(s, rc);
    return CW_OK;
}

int cw__lstore_run_finish(cw_lstore *s, unsigned long long run,
                          const cw_lnewfile *files, const int *in,
                          size_t nfiles, int ok)
{
    static const char *const forget[] = {
        "DELETE FROM @0 WHERE file IN (SELECT file FROM @2 WHERE run = $1)",
        "DELETE FROM @2 WHERE run = $1", "DELETE FROM @3 WHERE run = $1",
        "DELETE FROM @4 WHERE run = $1", "DELETE FROM @1 WHERE run = $1"};
    char id[24], at[32];
    size_t nin = 0;
    int lost, rc;

    u64(id, run);
    now(at);
    for (size_t i = 0; i < nfiles; i++)
        nin += in[i] != 0;
    if ((rc = s->type->begin(s->db)) != CW_OK)
        return dberr(s, rc);
    if (nin == 0 && !ok) { /* as if the run had never been */
        for (size_t i = 0; rc == CW_OK && i < sizeof forget / sizeof *forget;
             i++)
            rc = qf(s, forget[i], (const char *const[]){id}, 1, NULL, NULL);
    }
    for (size_t i = 0; rc == CW_OK && (nin > 0 || ok) && i < nfiles; i++) {
        char fid[24];
        const char *p[2] = {fid, at};

        u64(fid, files[i].id);
        if (!in[i])
            rc = qf(s, "DELETE FROM @0 WHERE file = $1", p, 1, NULL, NULL);
        if (rc == CW_OK)
            rc = qf(s,
                    in[i] ? "UPDATE @2 SET state = 'pending', changed = $2 "
                            "WHERE file = $1"
                          : "UPDATE @2 SET state = 'failed', changed = $2 "
                            "WHERE file = $1",
                    p, 2, NULL, NULL);
    }
    if (rc == CW_OK && (nin > 0 || ok)) {
        const char *p[3] = {id, ok ? "done" : "failed", at};

        rc = qf(s, "UPDATE @1 SET state = $2, finished = $3 WHERE run = $1", p,
                3, NULL, NULL);
    }
    if (rc != CW_OK) {
        s->type->rollback(s->db);
        return rc;
    }
    if ((rc = s->type->commit(s->db, &lost)) != CW_OK)
        return dberr(s, rc);
    return CW_OK;
}

void cw__lstore_run_abort(cw_lstore *s)
{
    s->nq = 0;
    s->qrows.len = 0;
    if (s->intx)
        s->type->rollback(s->db);
    s->intx = 0;
}

/* ==== Confirm and release ==== */

char *cw__lstore_abspath(const char *path)
{
    char real[CW_PATH_MAX];
    const char *slash = strrchr(path, '/');
    cw_buf b = {0};
    int rc;

    if (realpath(path, real) != NULL)
        return cw__strdup(real);
    if (slash != NULL) {
        char *dir =
            cw__strndup(path, slash == path ? 1 : (size_t)(slash - path));
        int ok = dir != NULL && realpath(dir, real) != NULL;

        cw__free(dir);
        rc = ok ? cw__buf_printf(&b, "%s/%s", strcmp(real, "/") ? real : "",
                                 slash + 1)
                : cw__buf_adds(&b, path);
    } else if (getcwd(real, sizeof real) != NULL) {
        rc = cw__buf_printf(&b, "%s/%s", strcmp(real, "/") ? real : "", path);
    } else {
        rc = cw__buf_adds(&b, path);
    }
    return rc == CW_OK ? b.p : NULL;
}

int cw__lstore_settle(cw_lstore *s, const char *path, int release, int force,
                      cw_lfile *f)
{
    static const char by_path[] =
        "SELECT " FILECOLS " FROM @2 WHERE path = $1 AND state <> 'failed' "
        "ORDER BY CASE state WHEN 'pending' THEN 0 ELSE 1 END, file DESC";
    static const char by_id[] =
        "SELECT " FILECOLS " FROM @2 WHERE dev = $1 AND ino = $2 AND size = "
        "$3 AND mtime = $4 AND state IN ('pending', 'confirmed', "
        "'released') ORDER BY file DESC";
    char dev[24], ino[24], size[24], mtime[40], id[24], at[32];
    char *abs = cw__lstore_abspath(path);
    const char *want = release ? "released" : "confirmed";
    int rc;

    memset(f, 0, sizeof *f);
    s->f.path = NULL;
    if (abs == NULL)
        return nomem(s);
    rc = qf(s, by_path, (const char *const[]){abs}, 1, keep_file, s);
    if (rc == CW_OK && s->f.path == NULL &&
        identity(abs, dev, ino, size, mtime) == 0)
        rc = qf(s, by_id, (const char *const[]){dev, ino, size, mtime}, 4,
                keep_file, s);
    if (rc == CW_OK && s->f.path == NULL)
        rc = cw__fail(&s->err, CW_EUSAGE,
                      "%s: no file of the ledger %s is there ('crosswalk "
                      "ledger status' lists them)",
                      abs, s->shown);
    cw__free(abs);
    if (rc != CW_OK)
        return rc;
    *f = s->f;
    if (strcmp(f->state, want) == 0)
        return CW_OK; /* already so */
    if (strcmp(f->state, "pending") != 0)
        return cw__fail(&s->err, CW_EUSAGE,
                        "%s is %s%s; only a pending file can be %s", f->path,
                        f->state,
                        strcmp(f->state, "confirmed") == 0
                            ? " (imported: released, its rows would go "
                              "out twice)"
                            : "",
                        want);
    if (!release && !force && access(f->path, F_OK) == 0 &&
        !same_file(f->path, f->dev, f->ino, f->size, f->mtime))
        return cw__fail(&s->err, CW_EUSAGE,
                        "%s is not the file run %llu wrote: it was replaced "
                        "or changed since (by another run, or saved by a "
                        "spreadsheet); the ledger would record the %llu rows "
                        "the run wrote, not what the file holds now; when "
                        "the file imported is the run's, edited, confirm "
                        "with --force",
                        f->path, f->run, f->rows);
    u64(id, f->id);
    now(at);
    {
        const char *p[3] = {id, want, at};
        int lost;

        if ((rc = s->type->begin(s->db)) != CW_OK)
            return dberr(s, rc);
        rc = qf(s, "UPDATE @2 SET state = $2, changed = $3 WHERE file = $1", p,
                3, NULL, NULL);
        if (rc != CW_OK) {
            s->type->rollback(s->db);
            return rc;
        }
        if ((rc = s->type->commit(s->db, &lost)) != CW_OK)
            return dberr(s, rc);
    }
    s->f.path = NULL;
    rc = qf(s, "SELECT " FILECOLS " FROM @2 WHERE file = $1",
            (const char *const[]){id}, 1, keep_file, s);
    if (rc == CW_OK)
        *f = s->f;
    return rc;
}
