/*
** load.c -- cw_load: files into typed database tables.  Recognises each
** file's schema from its header, checks values as a recipe input is
** checked, writes rows through the database sinks (one transaction per
** database) and keeps the run's accounting.  Owns its sources, sinks,
** schemas and rejects writers.
*/
#include "crosswalk.h"

#include "api/home.h"
#include "core/msg.h"
#include "csv/csvwrite.h"
#include "csv/decode.h"
#include "io/sink.h"
#include "io/source.h"
#include "values/schema.h"

#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const meta[] = {"_file", "_line", "_column", "_code",
                                   "_message"};
#define NMETA 5

typedef struct table table;

/* One input. */
typedef struct lfile {
    char *path;              /* its name: as given, without a connection
                                string (cw__input_name) */
    cw_input in;             /* its source, open during the load */
    const cw_schema *schema; /* its schema (owned by the load), or NULL */
    size_t ncols;            /* header width */
    size_t *map;             /* header column -> table column */
    table *t;                /* the table it goes to */
} lfile;

/* One target table and everything written to it. */
struct table {
    char *name;                  /* table name */
    const cw_schema *schema;     /* borrowed from the load, or NULL */
    size_t ncols;                /* columns */
    char **cols;                 /* canonical names */
    const cw_colspec **spec;     /* their schema columns, or NULL each */
    int *key;                    /* 1 for a key column */
    char *keylist;               /* "a, b", or NULL */
    enum cw_sinkmode mode;       /* how it is written */
    cw_table db;                 /* the open sink */
    cw_field *vals;              /* values of the row being written */
    cw_field *orig;              /* the row as read, in table order */
    cw_buf *scratch;             /* per-column conversion space */
    char *rejpath;               /* rejects file */
    cw_writer *rej;              /* its writer, opened at the first reject */
    cw_field *rejrow;            /* a rejects row: ncols + NMETA */
    unsigned long long rows;     /* rows written */
    unsigned long long rejected; /* rows rejected */
    int committed;               /* sink's committed(): 1, 0 or -1 */
    int nocheck;                 /* no schema column: rows go to the
                                    sink as read, once keys have values */
};

struct cw_load {
    cw_err err;                 /* last error */
    char *home;                 /* directory with schemas/ */
    char *target;               /* "sqlite:PATH" without "#TABLE" */
    char *ttable;               /* "#TABLE" of the target, or NULL */
    char *schema;               /* forced schema name, "none", or NULL */
    char *table;                /* forced table name, or NULL */
    char *rejects;              /* rejects path, or NULL */
    int mode;                   /* enum cw_sinkmode, or -1: default */
    char **keys;                /* key columns given */
    size_t nkeys;               /* count of 'keys' */
    char **paths;               /* inputs */
    size_t npaths;              /* count of 'paths' */
    cw_problem_fn fn;           /* rejected rows go here */
    void *ud;                   /* its argument */
    cw_progress_fn onprogress;  /* progress callback, or NULL */
    void *onprogress_ud;        /* its argument */
    volatile sig_atomic_t stop; /* set by cw_load_interrupt() */
    int executed;               /* cw_load_exec() was called */
    int strict;                 /* a malformed record stops the load */
    cw_dialect dialect;         /* of every CSV file ('enc' owned) */
    char *enc;                  /* its encoding, or NULL */
    cw_schema **cands;          /* schemas loaded for recognition */
    size_t ncands;              /* count of 'cands' */
    lfile *files;               /* one per path */
    table *tables;              /* distinct tables */
    size_t ntables;             /* count of 'tables' */
    cw_summary sum;             /* accounting */
    cw_buf line;                /* scratch: a line number as text */
    cw_buf msg;                 /* scratch: a message with extra fields */
    const lfile *cur;           /* the file being read */
    unsigned long curline;      /* the line of its current row */
    char stopped_at[512];       /* "file:line" of an abort */
};

/* ==== Configuration ==== */

int cw_load_new(cw_load **out, cw_err *err)
{
    cw_load *l = cw__alloc(sizeof *l);

    *out = NULL;
    if (l == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    memset(l, 0, sizeof *l);
    l->mode = -1;
    *out = l;
    return CW_OK;
}

/* Replace the string '*slot' by a copy of 'v'. */
static int setstr(cw_load *l, char **slot, const char *v, size_t len)
{
    char *c = cw__strndup(v, len);

    if (c == NULL)
        return cw__fail(&l->err, CW_ENOMEM, "out of memory");
    cw__free(*slot);
    *slot = c;
    return CW_OK;
}

/* Append a copy of 'v' to the list '*v'/'*n'. */
static int addstr(cw_load *l, char ***v, size_t *n, const char *s)
{
    size_t cap = *n;
    char **nv = cw__grow(*v, &cap, *n + 1, sizeof *nv);

    if (nv == NULL)
        return cw__fail(&l->err, CW_ENOMEM, "out of memory");
    *v = nv;
    if ((nv[*n] = cw__strdup(s)) == NULL)
        return cw__fail(&l->err, CW_ENOMEM, "out of memory");
    (*n)++;
    return CW_OK;
}

int cw_load_home(cw_load *l, const char *dir)
{
    if (dir == NULL) {
        cw__free(l->home);
        l->home = NULL;
        return CW_OK;
    }
    return setstr(l, &l->home, dir, strlen(dir));
}

int cw_load_into(cw_load *l, const char *target)
{
    const char *hash = strrchr(target, '#');
    size_t n = hash != NULL ? (size_t)(hash - target) : strlen(target);
    int rc;

    if (strncmp(target, "sqlite:", 7) != 0 &&
        strncmp(target, "postgres:", 9) != 0 && !cw__target_pguri(target))
        return cw__target_refuse(&l->err, target,
                                 "sqlite:PATH[#TABLE], postgres:CONNINFO"
                                 "[#TABLE] or postgresql://...[#TABLE]");
    if (hash != NULL && hash[1] == '\0') {
        char shown[256];

        cw_redact(shown, sizeof shown, target);
        return cw__fail(&l->err, CW_EUSAGE,
                        "'%.60s': a table name is expected after '#'", shown);
    }
    if ((rc = setstr(l, &l->target, target, n)) != CW_OK)
        return rc;
    if (hash == NULL) {
        cw__free(l->ttable);
        l->ttable = NULL;
        return CW_OK;
    }
    return setstr(l, &l->ttable, hash + 1, strlen(hash + 1));
}

int cw_load_file(cw_load *l, const char *path)
{
    return addstr(l, &l->paths, &l->npaths, path);
}

int cw_load_schema(cw_load *l, const char *name)
{
    return setstr(l, &l->schema, name, strlen(name));
}

int cw_load_table(cw_load *l, const char *name)
{
    if (name[0] == '\0')
        return cw__fail(&l->err, CW_EUSAGE, "the table name is empty");
    return setstr(l, &l->table, name, strlen(name));
}

int cw_load_mode(cw_load *l, const char *mode)
{
    int m = cw__sinkmode(mode);

    if (m < 0)
        return cw__fail(&l->err, CW_EUSAGE,
                        "unknown mode '%.40s' (use create, append, replace "
                        "or upsert)",
                        mode);
    l->mode = m;
    return CW_OK;
}

int cw_load_key(cw_load *l, const char *column)
{
    if (column[0] == '\0')
        return cw__fail(&l->err, CW_EUSAGE, "a key column name is empty");
    return addstr(l, &l->keys, &l->nkeys, column);
}

int cw_load_rejects(cw_load *l, const char *path)
{
    return setstr(l, &l->rejects, path, strlen(path));
}

int cw_load_strict(cw_load *l, int on)
{
    l->strict = on != 0;
    return CW_OK;
}

int cw_load_dialect(cw_load *l, const cw_dialect *d)
{
    cw_dialect none = {0};
    char *enc = NULL;
    int rc;

    if (d == NULL)
        d = &none;
    if ((rc = cw__dialect_check(d, &l->err)) != CW_OK)
        return rc;
    if (d->encoding != NULL && (enc = cw__strdup(d->encoding)) == NULL)
        return cw__fail(&l->err, CW_ENOMEM, "out of memory");
    cw__free(l->enc);
    l->enc = enc;
    l->dialect = *d;
    l->dialect.encoding = enc;
    return CW_OK;
}

void cw_load_on_problem(cw_load *l, cw_problem_fn fn, void *ud)
{
    l->fn = fn;
    l->ud = ud;
}

void cw_load_on_progress(cw_load *l, cw_progress_fn fn, void *ud)
{
    l->onprogress = fn;
    l->onprogress_ud = ud;
}

void cw_load_interrupt(cw_load *l)
{
    l->stop = 1;
}

const char *cw_load_errmsg(const cw_load *l)
{
    return l->err.msg;
}

/* ==== Recognising schemas ==== */

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names ("tool/format") of every schema under home/schemas, sorted. */
static int list_schemas(cw_load *l, char ***names, size_t *n)
{
    char dir[4096], sub[4096];
    struct dirent *e, *g;
    DIR *d, *t;
    int rc = CW_OK;

    if ((size_t)snprintf(dir, sizeof dir, "%s/schemas", l->home) >=
            sizeof dir ||
        (d = opendir(dir)) == NULL)
        return cw__fail(&l->err, CW_EUSAGE,
                        "%s: no schemas to recognise files with (use "
                        "--schema)",
                        dir);
    while (rc == CW_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >=
                sizeof sub ||
            (t = opendir(sub)) == NULL)
            continue;
        while (rc == CW_OK && (g = readdir(t)) != NULL) {
            size_t len = strlen(g->d_name);
            char name[600];

            if (g->d_name[0] == '.' || len < 5 ||
                strcmp(g->d_name + len - 4, ".lua") != 0)
                continue;
            if ((size_t)snprintf(name, sizeof name, "%s/%.*s", e->d_name,
                                 (int)(len - 4), g->d_name) < sizeof name)
                rc = addstr(l, names, n, name);
        }
        closedir(t);
    }
    closedir(d);
    if (rc == CW_OK && *n > 1)
        qsort(*names, *n, sizeof **names, cmpstr);
    return rc;
}

/* Load the candidate schemas: the forced one, or every one under home. */
static int load_candidates(cw_load *l)
{
    char **names = NULL;
    size_t n = 0;
    int rc = CW_OK;

    if (l->schema != NULL && strcmp(l->schema, "none") == 0)
        return CW_OK;
    if (l->schema != NULL)
        rc = addstr(l, &names, &n, l->schema);
    else
        rc = list_schemas(l, &names, &n);
    l->cands = rc == CW_OK ? cw__alloc((n ? n : 1) * sizeof *l->cands) : NULL;
    if (rc == CW_OK && l->cands == NULL)
        rc = cw__fail(&l->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; rc == CW_OK && i < n; i++) {
        cw_schema *s;
        cw_err e;
        int st = cw__schema_load(l->home, names[i], &s, &e);

        if (st == CW_OK)
            l->cands[l->ncands++] = s;
        else if (st == CW_ENOMEM || l->schema != NULL)
            rc = cw__errcopy(&l->err, &e); /* a broken candidate is skipped */
    }
    for (size_t i = 0; i < n; i++)
        cw__free(names[i]);
    cw__free(names);
    return rc;
}

/* The schema column that header 'name' is, or -1. */
static long findcol(const cw_schema *s, const char *name)
{
    return cw__schema_find(s, name, strlen(name));
}

/* Fail: the header 'names' of file 'f' lacks the required column
** 'missing' of schema 's'; name the close header names. */
static int missing_column(cw_load *l, const lfile *f, const cw_schema *s,
                          const char *missing, const char **names)
{
    cw_buf b = {0};
    char hint[200];
    int rc =
        cw__buf_printf(&b, "%s:1: missing required column '%s' of schema %s",
                       f->path, missing, s->name);

    cw__input_hint(&f->in, hint, sizeof hint);
    if (rc == CW_OK && hint[0] != '\0')
        rc = cw__buf_printf(&b, "; %s", hint);
    else if (rc == CW_OK)
        rc = cw__schema_missing_hint(&b, s, &missing, 1, names, f->ncols);
    if (rc == CW_OK)
        rc = cw__fail(&l->err, CW_EUSAGE, "%s", b.p);
    else
        rc = cw__fail(&l->err, CW_ENOMEM, "out of memory");
    cw__buf_free(&b);
    return rc;
}

/*
** The schema of file 'f': the forced one (its required columns must be
** there), or the one 'crosswalk inspect' reports, found from the header
** alone: of the schemas whose required columns are all present and that
** know at least half the header, the one that knows the most columns,
** then misses the fewest of its own, then comes first by name.  NULL when
** none qualifies.  (cw_inspect_new() itself is not called: it reads the
** whole file to count rows, a second pass over every input.)
*/
static int recognise(cw_load *l, lfile *f)
{
    const cw_schema *best = NULL;
    cw_fit top = {0};
    const char **names = cw__alloc((f->ncols ? f->ncols : 1) * sizeof *names);
    int rc = CW_OK;

    if (names == NULL)
        return cw__fail(&l->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < f->ncols; i++)
        names[i] = f->in.type->colname(f->in.s, i);
    for (size_t k = 0; k < l->ncands; k++) {
        const cw_schema *s = l->cands[k];
        unsigned char *taken = cw__alloc(s->ncols ? s->ncols : 1);
        cw_fit m;

        if (taken == NULL) {
            rc = cw__fail(&l->err, CW_ENOMEM, "out of memory");
            break;
        }
        cw__schema_fit(s, names, f->ncols, taken, NULL, &m);
        if (l->schema != NULL) { /* forced: the one candidate */
            for (size_t c = 0; m.missing_required > 0 && c < s->ncols; c++)
                if (!taken[c] && s->cols[c].required) {
                    rc = missing_column(l, f, s, s->cols[c].name, names);
                    break;
                }
            cw__free(taken);
            best = s;
            break;
        }
        cw__free(taken);
        /* Candidates are sorted by name: the first of equals stays. */
        if (m.ok && (best == NULL || cw__fit_cmp(&m, &top) < 0)) {
            best = s;
            top = m;
        }
    }
    cw__free(names);
    f->schema = rc == CW_OK ? best : NULL;
    return rc;
}

/*
** Refuse to load as one text column a file that no schema knows and
** whose header is one column holding another delimiter, when none was
** given: surely a delimiter to give.
*/
static int one_column(cw_load *l, const lfile *f)
{
    char hint[200];

    if (l->schema != NULL || f->schema != NULL || l->dialect.delimiter != 0 ||
        cw__input_hint(&f->in, hint, sizeof hint)[0] == '\0')
        return CW_OK;
    return cw__fail(&l->err, CW_EUSAGE, "%s:1: no schema knows the header; %s",
                    f->path, hint);
}

/* ==== Tables ==== */

/* The default table name of file 'f' into '*out' (owned by the caller). */
static int default_table(cw_load *l, const lfile *f, char **out)
{
    const char *base, *dot;

    *out = NULL;
    if (l->table != NULL || l->ttable != NULL) {
        const char *n = l->table != NULL ? l->table : l->ttable;

        return setstr(l, out, n, strlen(n));
    }
    if (f->schema != NULL) {
        const char *slash = strrchr(f->schema->name, '/');

        base = slash != NULL ? slash + 1 : f->schema->name;
        return setstr(l, out, base, strlen(base));
    }
    base = strrchr(f->path, '/');
    base = base != NULL ? base + 1 : f->path;
    dot = strrchr(base, '.');
    if (strchr(f->path, ':') != NULL || strcmp(f->path, "-") == 0 ||
        dot == base || base[0] == '\0')
        return cw__fail(&l->err, CW_EUSAGE,
                        "%s: no schema recognised and no table name to take "
                        "from the file name (use --table NAME)",
                        f->path);
    return setstr(l, out, base,
                  dot != NULL ? (size_t)(dot - base) : strlen(base));
}

/* The canonical name and schema column of header column 'i' of 'f'. */
static const char *canon(const lfile *f, size_t i, const cw_colspec **spec)
{
    const char *h = f->in.type->colname(f->in.s, i);
    long c = f->schema != NULL ? findcol(f->schema, h) : -1;

    *spec = c >= 0 ? &f->schema->cols[c] : NULL;
    return c >= 0 ? f->schema->cols[c].name : h;
}

/* Index of column 'name' in table 't', or -1. */
static long tcol(const table *t, const char *name)
{
    for (size_t j = 0; j < t->ncols; j++)
        if (strcmp(t->cols[j], name) == 0)
            return (long)j;
    return -1;
}

/* Make the columns of a new table 't' from file 'f'. */
static int table_init(cw_load *l, table *t, lfile *f)
{
    size_t n = f->ncols;

    t->schema = f->schema;
    t->cols = cw__alloc(n * sizeof *t->cols);
    t->spec = cw__alloc(n * sizeof *t->spec);
    t->key = cw__alloc(n * sizeof *t->key);
    t->vals = cw__alloc(n * sizeof *t->vals);
    t->orig = cw__alloc(n * sizeof *t->orig);
    t->scratch = cw__alloc(n * sizeof *t->scratch);
    t->rejrow = cw__alloc((n + NMETA) * sizeof *t->rejrow);
    if (t->cols == NULL || t->spec == NULL || t->key == NULL ||
        t->vals == NULL || t->orig == NULL || t->scratch == NULL ||
        t->rejrow == NULL)
        return cw__fail(&l->err, CW_ENOMEM, "out of memory");
    for (size_t j = 0; j < n; j++) {
        t->cols[j] = NULL;
        t->key[j] = 0;
        t->scratch[j] = (cw_buf){0};
    }
    t->ncols = n;
    for (size_t j = 0; j < n; j++) {
        const char *c = canon(f, j, &t->spec[j]);

        for (size_t k = 0; k < j; k++)
            if (strcmp(t->cols[k], c) == 0)
                return cw__fail(&l->err, CW_EUSAGE,
                                "%s:1: columns %zu and %zu are both '%s'",
                                f->path, k + 1, j + 1, c);
        if ((t->cols[j] = cw__strdup(c)) == NULL)
            return cw__fail(&l->err, CW_ENOMEM, "out of memory");
    }
    return CW_OK;
}

/* Map the header of 'f' onto table 't'; the columns must be the same. */
static int table_join(cw_load *l, table *t, lfile *f, const char *first)
{
    if (f->schema != t->schema || f->ncols != t->ncols)
        goto differ;
    for (size_t i = 0; i < f->ncols; i++) {
        const cw_colspec *spec;
        long j = tcol(t, canon(f, i, &spec));

        if (j < 0)
            goto differ;
        for (size_t k = 0; k < i; k++)
            if (f->map[k] == (size_t)j)
                goto differ;
        f->map[i] = (size_t)j;
    }
    return CW_OK;
differ:
    return cw__fail(&l->err, CW_EUSAGE,
                    "%s: its columns (or schema) differ from those of %s, "
                    "which also loads into table \"%s\" (use --table)",
                    f->path, first, t->name);
}

/* Choose the key columns and mode of 't'. */
static int table_key(cw_load *l, table *t)
{
    cw_buf b = {0};
    size_t nkey = 0;

    if (l->nkeys > 0) {
        for (size_t k = 0; k < l->nkeys; k++) {
            long j = tcol(t, l->keys[k]);

            if (j < 0 && t->schema != NULL) {
                long c = findcol(t->schema, l->keys[k]);

                j = c >= 0 ? tcol(t, t->schema->cols[c].name) : -1;
            }
            if (j < 0)
                return cw__fail(&l->err, CW_EUSAGE,
                                "key column '%s' is not a column of table "
                                "\"%s\"",
                                l->keys[k], t->name);
            t->key[j] = 1;
        }
    } else if (t->schema != NULL && t->schema->nkey > 0) {
        size_t k;

        for (k = 0; k < t->schema->nkey; k++)
            if (tcol(t, t->schema->key[k]) < 0)
                break;
        for (size_t i = 0; k == t->schema->nkey && i < t->schema->nkey; i++)
            t->key[tcol(t, t->schema->key[i])] = 1;
    }
    for (size_t j = 0; j < t->ncols; j++) {
        if (!t->key[j])
            continue;
        if ((nkey++ > 0 && cw__buf_adds(&b, ", ") != CW_OK) ||
            cw__buf_adds(&b, t->cols[j]) != CW_OK) {
            cw__buf_free(&b);
            return cw__fail(&l->err, CW_ENOMEM, "out of memory");
        }
    }
    t->keylist = b.p;
    if (l->mode >= 0)
        t->mode = (enum cw_sinkmode)l->mode;
    else
        t->mode = nkey > 0 ? CW_MODE_UPSERT : CW_MODE_CREATE;
    if (t->mode == CW_MODE_UPSERT && nkey == 0)
        return cw__fail(&l->err, CW_EUSAGE,
                        "table \"%s\": upsert needs a key (the schema has "
                        "none for these columns; use --key COLUMN)",
                        t->name);
    return CW_OK;
}

/* The rejects path of 't': "rejects-TABLE.csv", or --rejects with
** "-TABLE" before its extension when there are several tables. */
static int table_rejpath(cw_load *l, table *t)
{
    const char *base = l->rejects != NULL ? l->rejects : "rejects.csv";
    const char *slash = strrchr(base, '/');
    const char *dot = strrchr(slash != NULL ? slash + 1 : base, '.');
    size_t stem = dot != NULL && dot != (slash ? slash + 1 : base)
                      ? (size_t)(dot - base)
                      : strlen(base);
    cw_buf b = {0};
    int rc = CW_OK;

    if (l->rejects != NULL && l->ntables == 1)
        return setstr(l, &t->rejpath, base, strlen(base));
    rc = cw__buf_add(&b, base, stem);
    if (rc == CW_OK)
        rc = cw__buf_addc(&b, '-');
    for (const char *p = t->name; rc == CW_OK && *p; p++) {
        char c = *p;

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            c = '_';
        rc = cw__buf_addc(&b, c);
    }
    if (rc == CW_OK)
        rc = cw__buf_adds(&b, base + stem);
    if (rc != CW_OK) {
        cw__buf_free(&b);
        return cw__fail(&l->err, CW_ENOMEM, "out of memory");
    }
    cw__free(t->rejpath);
    t->rejpath = b.p;
    return CW_OK;
}

/* Open every file, recognise its schema and group the files by table. */
static int plan(cw_load *l)
{
    int rc;

    if ((l->files = cw__alloc(l->npaths * sizeof *l->files)) == NULL)
        return cw__fail(&l->err, CW_ENOMEM, "out of memory");
    memset(l->files, 0, l->npaths * sizeof *l->files);
    if ((l->tables = cw__alloc(l->npaths * sizeof *l->tables)) == NULL)
        return cw__fail(&l->err, CW_ENOMEM, "out of memory");
    memset(l->tables, 0, l->npaths * sizeof *l->tables);
    if ((rc = load_candidates(l)) != CW_OK)
        return rc;
    for (size_t i = 0; i < l->npaths; i++) {
        lfile *f = &l->files[i];
        char *name = NULL;
        table *t = NULL;

        if ((f->path = cw__input_name(l->paths[i])) == NULL)
            return cw__fail(&l->err, CW_ENOMEM, "out of memory");
        if ((rc = cw__input_openspec(
                 &(cw_inputspec){l->paths[i], NULL, NULL, &l->dialect},
                 l->strict ? 0 : CW_INPUT_RESYNC, &f->in, &l->err)) != CW_OK)
            return rc;
        f->ncols = f->in.type->ncols(f->in.s);
        if (f->ncols == 0)
            return cw__fail(&l->err, CW_EUSAGE, "%s: no columns", f->path);
        f->map = cw__alloc(f->ncols * sizeof *f->map);
        if (f->map == NULL)
            return cw__fail(&l->err, CW_ENOMEM, "out of memory");
        for (size_t j = 0; j < f->ncols; j++)
            f->map[j] = j;
        if ((rc = recognise(l, f)) != CW_OK ||
            (rc = one_column(l, f)) != CW_OK ||
            (rc = default_table(l, f, &name)) != CW_OK)
            return rc;
        for (size_t k = 0; k < l->ntables; k++) /* as SQL compares names */
            if (cw__eqi(l->tables[k].name, strlen(l->tables[k].name), name,
                        strlen(name)))
                t = &l->tables[k];
        if (t != NULL) {
            cw__free(name);
            f->t = t;
            for (size_t k = 0; k < i; k++)
                if (l->files[k].t == t) {
                    rc = table_join(l, t, f, l->files[k].path);
                    break;
                }
            if (rc != CW_OK)
                return rc;
            continue;
        }
        t = &l->tables[l->ntables++];
        t->name = name;
        f->t = t;
        if ((rc = table_init(l, t, f)) != CW_OK)
            return rc;
    }
    for (size_t k = 0; k < l->ntables; k++)
        if ((rc = table_key(l, &l->tables[k])) != CW_OK ||
            (rc = table_rejpath(l, &l->tables[k])) != CW_OK)
            return rc;
    return CW_OK;
}

/* Open the sink of every table. */
static int open_sinks(cw_load *l)
{
    for (size_t k = 0; k < l->ntables; k++) {
        table *t = &l->tables[k];
        cw_sinkcol *sc = cw__alloc(t->ncols * sizeof *sc);
        int rc;

        if (sc == NULL)
            return cw__fail(&l->err, CW_ENOMEM, "out of memory");
        for (size_t j = 0; j < t->ncols; j++)
            sc[j] = (cw_sinkcol){t->cols[j],
                                 t->spec[j] ? t->spec[j]->type : CW_T_TEXT,
                                 t->key[j]};
        t->nocheck = 1;
        for (size_t j = 0; j < t->ncols; j++)
            if (t->spec[j] != NULL)
                t->nocheck = 0;
        rc = cw__table_open(l->target, t->name, sc, t->ncols, t->mode, &t->db,
                            &l->err);
        cw__free(sc);
        if (rc != CW_OK)
            return rc;
    }
    return CW_OK;
}

/* ==== Rows ==== */

/* Send the current row of 'f' (in t->orig) to the rejects file of its
** table, and report it. */
static int reject(cw_load *l, lfile *f, unsigned long line, unsigned long col,
                  const char *column, const char *code, const char *msg)
{
    table *t = f->t;
    char shown[CW_MSG_MAX + 1]; /* 'msg' escaped and cut */
    size_t slen = cw_safe_text(shown, sizeof shown, msg, strlen(msg));
    cw_problem p = {f->path, line, col, column, code, shown, 0};
    size_t n = t->ncols;
    int rc;

    l->sum.rejected++;
    t->rejected++;
    if (l->fn != NULL)
        l->fn(l->ud, &p);
    if (t->rej == NULL) {
        const char **cols = cw__alloc((n + NMETA) * sizeof *cols);

        if (cols == NULL)
            return cw__fail(&l->err, CW_ENOMEM, "out of memory");
        for (size_t j = 0; j < n; j++)
            cols[j] = t->cols[j];
        for (size_t j = 0; j < NMETA; j++)
            cols[n + j] = meta[j];
        rc = cw__writer_open(t->rejpath, cols, n + NMETA, NULL, &t->rej,
                             &l->err);
        cw__free(cols);
        if (rc != CW_OK)
            return rc;
    }
    l->line.len = 0;
    if (cw__buf_printf(&l->line, "%lu", line) != CW_OK)
        return cw__fail(&l->err, CW_ENOMEM, "out of memory");
    for (size_t j = 0; j < n; j++)
        t->rejrow[j] = t->orig[j];
    t->rejrow[n] = (cw_field){f->path, strlen(f->path)};
    t->rejrow[n + 1] = (cw_field){l->line.p, l->line.len};
    t->rejrow[n + 2] =
        (cw_field){column ? column : "", column ? strlen(column) : 0};
    t->rejrow[n + 3] = (cw_field){code, strlen(code)};
    t->rejrow[n + 4] = (cw_field){shown, slen};
    rc = cw__writer_write(t->rej, t->rejrow);
    if (rc != CW_OK)
        return cw__fail(&l->err, rc, "%s", cw__writer_errmsg(t->rej));
    return CW_OK;
}

/* 1 when the integer text 's' (already checked) fits in 64 bits. */
static int fits64(const char *s, size_t len)
{
    static const char max[] = "9223372036854775807";
    int neg = len > 0 && s[0] == '-';
    size_t i = len > 0 && (s[0] == '-' || s[0] == '+');
    size_t n;

    while (i + 1 < len && s[i] == '0')
        i++;
    n = len - i;
    if (n != sizeof max - 1)
        return n < sizeof max - 1;
    if (neg && memcmp(s + i, "9223372036854775808", n) == 0)
        return 1;
    return memcmp(s + i, max, n) <= 0;
}

/* The 1-based field number in 'f' of table column 'j'. */
static unsigned long filecol(const lfile *f, size_t j)
{
    for (size_t i = 0; i < f->ncols; i++)
        if (f->map[i] == j)
            return (unsigned long)i + 1;
    return 0;
}

/* Reject the row of 'f' for its blank key column 'j'; -1. */
static int nokey(cw_load *l, lfile *f, unsigned long line, size_t j, int *rc)
{
    table *t = f->t;
    char msg[120];

    snprintf(msg, sizeof msg, "column '%.60s': a key column needs a value",
             t->cols[j]);
    *rc = reject(l, f, line, filecol(f, j), t->cols[j], "E_REQUIRED", msg);
    return -1;
}

/* Check the row in t->orig against the schema and key; fill t->vals (a
** table without schema columns writes t->orig as it is).  Returns 0, or
** -1 after rejecting it ('*rc' then set). */
static int check(cw_load *l, lfile *f, unsigned long line, int *rc)
{
    table *t = f->t;

    if (t->nocheck) {
        for (size_t j = 0; j < t->ncols; j++)
            if (t->key[j] && (t->orig[j].p == NULL ||
                              cw__blank(t->orig[j].p, t->orig[j].len)))
                return nokey(l, f, line, j, rc);
        return 0;
    }
    for (size_t j = 0; j < t->ncols; j++) {
        const cw_colspec *c = t->spec[j];
        cw_field v = t->orig[j];
        cw_verdict vd;

        if (c != NULL && cw__schema_check(c, v.p, v.len, &t->scratch[j], &v.p,
                                          &v.len, &vd) != 0) {
            *rc =
                reject(l, f, line, filecol(f, j), t->cols[j], vd.code, vd.msg);
            return -1;
        }
        if (t->key[j] && (v.p == NULL || cw__blank(v.p, v.len)))
            return nokey(l, f, line, j, rc);
        if (c != NULL && c->type == CW_T_INTEGER && v.p != NULL &&
            !cw__blank(v.p, v.len) && !fits64(v.p, v.len)) {
            snprintf(vd.msg, sizeof vd.msg,
                     "column '%.60s': integer out of range: '%.*s'", t->cols[j],
                     v.len > 40 ? 40 : (int)v.len, v.p);
            *rc = reject(l, f, line, filecol(f, j), t->cols[j], "E_INTEGER",
                         vd.msg);
            return -1;
        }
        t->vals[j] = v;
    }
    return 0;
}

/* Tell the progress callback how far the files are read, all of them
** together: 'done' 1 once the last one is read to its end. */
static void progress(cw_load *l, int done)
{
    cw_progress p = {l->sum.read, 0, 0, done};
    int sized = 1;

    for (size_t i = 0; i < l->npaths; i++) {
        const cw_input *in = &l->files[i].in;
        unsigned long long size = 0;

        if (in->s != NULL && in->type->bytes != NULL)
            p.bytes += in->type->bytes(in->s, &size);
        p.total += size;
        sized = sized && size > 0;
    }
    if (!sized)
        p.total = 0;
    l->onprogress(l->onprogress_ud, &p);
}

/* Stream every row of 'f' into its table. */
static int load_file(cw_load *l, lfile *f)
{
    const struct cw_source_type *st = f->in.type;
    table *t = f->t;
    int rc = CW_OK;

    for (;;) {
        unsigned long line;
        size_t nf;
        int s;

        if (l->stop)
            return cw__fail(&l->err, CW_EINTR, "interrupted");
        s = st->next(f->in.s);
        if (s == CW_DONE)
            return CW_OK;
        line = st->line(f->in.s);
        l->cur = f;
        l->curline = line;
        if (s != CW_ROW && s != CW_EINVALID)
            return cw__fail(&l->err, s, "%s", st->errmsg(f->in.s));
        l->sum.read++;
        nf = st->nfields(f->in.s);
        for (size_t i = 0; i < f->ncols; i++) {
            cw_field *o = &t->orig[f->map[i]];

            o->len = 0;
            o->p = i < nf ? st->field(f->in.s, i, &o->len) : NULL;
        }
        if (s == CW_EINVALID) {
            unsigned long col = st->errcol(f->in.s);
            const char *msg = cw__input_errmsg(&f->in, f->ncols, &l->msg);

            if (msg == NULL)
                return cw__fail(&l->err, CW_ENOMEM, "out of memory");
            rc = reject(l, f, line, col,
                        col > 0 && col <= f->ncols ? t->cols[f->map[col - 1]]
                                                   : NULL,
                        st->code(f->in.s), msg);
        } else if (check(l, f, line, &rc) == 0) {
            rc = t->db.type->write(t->db.s, t->nocheck ? t->orig : t->vals,
                                   f->path, line);
            if (rc != CW_OK)
                return cw__fail(&l->err, rc, "%s", t->db.type->errmsg(t->db.s));
            t->rows++;
            l->sum.written++;
        }
        if (rc != CW_OK)
            return rc;
        if (l->onprogress != NULL && l->sum.read % CW_PROGRESS_ROWS == 0)
            progress(l, 0);
    }
}

/* Write the rejects files out, commit the tables, then rename the
** rejects files into place.  Each table then knows whether it is in,
** for the summary, even when a commit fails. */
static int commit(cw_load *l)
{
    size_t failed = l->ntables;
    int rc = CW_OK;

    for (size_t k = 0; k < l->ntables; k++) {
        table *t = &l->tables[k];

        if (t->rej != NULL && (rc = cw__writer_prepare(t->rej)) != CW_OK)
            return cw__fail(&l->err, rc, "%s", cw__writer_errmsg(t->rej));
    }
    for (size_t k = 0; k < l->ntables && rc == CW_OK; k++) {
        table *t = &l->tables[k];

        if ((rc = t->db.type->commit(t->db.s)) != CW_OK)
            failed = k;
    }
    for (size_t k = 0; k < l->ntables; k++) {
        table *t = &l->tables[k];

        t->committed = t->db.type->committed(t->db.s);
        if (t->committed < 0)
            l->sum.commit_unknown = 1;
    }
    if (rc != CW_OK) {
        table *t = &l->tables[failed];

        return cw__fail(&l->err, rc, "%s", t->db.type->errmsg(t->db.s));
    }
    for (size_t k = 0; k < l->ntables; k++) {
        table *t = &l->tables[k];

        rc = t->rej != NULL ? cw__writer_commit(t->rej) : CW_OK;
        if (rc != CW_OK)
            return cw__fail(&l->err, rc, "%s", cw__writer_errmsg(t->rej));
    }
    return CW_OK;
}

int cw_load_exec(cw_load *l)
{
    int rc;

    if (l->executed)
        return cw__fail(&l->err, CW_EUSAGE, "a load executes once");
    l->executed = 1;
    if (l->target == NULL || l->npaths == 0)
        return cw__fail(&l->err, CW_EUSAGE, "%s",
                        l->npaths == 0 ? "no file to load"
                                       : "no target given (--into)");
    if (l->home == NULL) {
        const char *home = cw__home();

        if ((rc = setstr(l, &l->home, home, strlen(home))) != CW_OK)
            return rc;
    }
    rc = plan(l);
    if (rc == CW_OK)
        rc = open_sinks(l);
    for (size_t i = 0; rc == CW_OK && i < l->npaths; i++) {
        rc = load_file(l, &l->files[i]);
        if (l->onprogress != NULL && (rc != CW_OK || i + 1 == l->npaths))
            progress(l, rc == CW_OK);
    }
    if (rc == CW_OK && l->sum.read != l->sum.written + l->sum.rejected)
        rc = cw__fail(&l->err, CW_EUSAGE,
                      "internal error: accounting does not add up");
    if (rc == CW_OK)
        rc = commit(l);
    if (rc == CW_OK) {
        for (size_t k = 0; k < l->ntables; k++)
            if (l->tables[k].rej != NULL && l->sum.rejects == NULL)
                l->sum.rejects = l->tables[k].rejpath;
        l->sum.noutputs = l->ntables;
    } else {
        unsigned long long done = l->sum.written + l->sum.rejected;

        l->sum.unprocessed = l->sum.read > done ? l->sum.read - done : 0;
        if (l->cur != NULL)
            snprintf(l->stopped_at, sizeof l->stopped_at, "%s:%lu",
                     l->cur->path, l->curline);
        /* Roll back: close every sink and rejects writer uncommitted. */
        for (size_t k = 0; k < l->ntables; k++) {
            cw__table_close(&l->tables[k].db);
            cw__writer_close(l->tables[k].rej);
            l->tables[k].rej = NULL;
        }
    }
    for (size_t i = 0; l->files != NULL && i < l->npaths; i++)
        cw__input_close(&l->files[i].in);
    return rc;
}

/* ==== Results ==== */

void cw_load_summary(const cw_load *l, cw_summary *out)
{
    *out = l->sum;
    out->stopped_at = l->stopped_at[0] ? l->stopped_at : NULL;
}

size_t cw_load_ntables(const cw_load *l)
{
    return l->ntables;
}

int cw_load_info(const cw_load *l, size_t i, cw_loadinfo *out)
{
    static const char *const modes[] = {"create", "append", "replace",
                                        "upsert"};
    const table *t;

    if (i >= l->ntables)
        return CW_EUSAGE;
    t = &l->tables[i];
    out->table = t->name;
    out->schema = t->schema != NULL ? t->schema->name : NULL;
    out->mode = modes[t->mode];
    out->key = t->keylist;
    out->rejects = t->rejected > 0 ? t->rejpath : NULL;
    out->rows = t->rows;
    out->rejected = t->rejected;
    out->committed = t->committed;
    return CW_OK;
}

static void freestrs(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        cw__free(v[i]);
    cw__free(v);
}

void cw_load_free(cw_load *l)
{
    if (l == NULL)
        return;
    for (size_t k = 0; k < l->ntables; k++) {
        table *t = &l->tables[k];

        cw__table_close(&t->db);
        cw__writer_close(t->rej);
        for (size_t j = 0; t->scratch != NULL && j < t->ncols; j++)
            cw__buf_free(&t->scratch[j]);
        freestrs(t->cols, t->ncols);
        cw__free(t->name);
        cw__free(t->spec);
        cw__free(t->key);
        cw__free(t->keylist);
        cw__free(t->vals);
        cw__free(t->orig);
        cw__free(t->scratch);
        cw__free(t->rejpath);
        cw__free(t->rejrow);
    }
    for (size_t i = 0; l->files != NULL && i < l->npaths; i++) {
        cw__input_close(&l->files[i].in);
        cw__free(l->files[i].map);
        cw__free(l->files[i].path);
    }
    for (size_t k = 0; k < l->ncands; k++)
        cw__schema_free(l->cands[k]);
    cw__free(l->cands);
    cw__free(l->enc);
    cw__free(l->files);
    cw__free(l->tables);
    freestrs(l->paths, l->npaths);
    freestrs(l->keys, l->nkeys);
    cw__buf_free(&l->line);
    cw__buf_free(&l->msg);
    cw__free(l->home);
    cw__free(l->target);
    cw__free(l->ttable);
    cw__free(l->schema);
    cw__free(l->table);
    cw__free(l->rejects);
    cw__free(l);
}
