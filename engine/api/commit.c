/*
** commit.c -- the outputs of a recipe run: checks that its files are
** distinct, makes the output directory (removing the temp files of dead
** runs), opens the files, tables and rejects file, and commits them all
** or nothing.
*/
#include "api/runint.h"
#include "api/runledger.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 1 when output 'o' is written to a file (not a table or a callback). */
static int isfile(const output *o)
{
    return o->table == NULL && o->rowfn == NULL;
}

/* 1 when output 'o' is written to a database table. */
static int istable(const output *o)
{
    return o->table != NULL && o->rowfn == NULL;
}

/* ==== Checking the names of the run's files ==== */

/* One file a run writes, for the collision checks. */
typedef struct claim {
    char *what; /* "outputs.NAME", "the rejects file", ... (owned) */
    char *path; /* the path as shown (owned) */
    char *dir;  /* its directory, resolved (owned); "" for the output
                   directory before one is given */
    char *base; /* its file name, inside 'path' */
    int split;  /* 1: its parts have names cw__writer_is_part() knows */
} claim;

/*
** The directory 'dir' resolved: "@DEVICE:INODE" when it exists, else its
** path made absolute with '.' and '..' components taken out, so that two
** spellings of one directory compare equal.  NULL when out of memory.
*/
static char *resolve_dir(const char *dir)
{
    char cwd[4096];
    cw_buf b = {0};
    const char *p = dir;
    struct stat st;

    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (cw__buf_printf(&b, "@%llu:%llu", (unsigned long long)st.st_dev,
                           (unsigned long long)st.st_ino) != CW_OK)
            return NULL;
        return b.p;
    }
    if (dir[0] != '/' && getcwd(cwd, sizeof cwd) != NULL &&
        cw__buf_printf(&b, "%s", strcmp(cwd, "/") == 0 ? "" : cwd) != CW_OK)
        return NULL;
    while (*p != '\0') {
        size_t n = strcspn(p, "/");

        if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (b.len > 0 && b.p[--b.len] != '/')
                ;
            if (b.p != NULL)
                b.p[b.len] = '\0';
        } else if (n > 0 && !(n == 1 && p[0] == '.') &&
                   cw__buf_printf(&b, "/%.*s", (int)n, p) != CW_OK) {
            cw__buf_free(&b);
            return NULL;
        }
        p += n + (p[n] == '/');
    }
    return b.p != NULL ? b.p : cw__strdup("/");
}

/* Add the file 'path' ('dir' NULL: resolve its own directory) called
** 'what' to the 'n' claims at '*c'. */
static int add_claim(claim **c, size_t *n, const char *what, const char *path,
                     const char *dir, int split)
{
    size_t cap = *n;
    claim *g = cw__grow(*c, &cap, *n + 1, sizeof *g);
    claim *k;
    const char *slash = strrchr(path, '/');

    if (g == NULL)
        return CW_ENOMEM;
    *c = g;
    k = &g[*n];
    *k = (claim){cw__strdup(what), cw__strdup(path), NULL, NULL, split};
    (*n)++;
    if (k->what == NULL || k->path == NULL)
        return CW_ENOMEM;
    k->base = slash != NULL ? k->path + (slash - path) + 1 : k->path;
    if (dir != NULL)
        k->dir = cw__strdup(dir);
    else if (slash == NULL)
        k->dir = resolve_dir(".");
    else {
        char *d = cw__strndup(path, slash == path ? 1 : (size_t)(slash - path));

        k->dir = d != NULL ? resolve_dir(d) : NULL;
        cw__free(d);
    }
    return k->dir != NULL ? CW_OK : CW_ENOMEM;
}

/*
** Claim the files of the run: its output files (not those bound to a
** callback), and with 'all' the rejects file, the SQLite database of its
** tables and the reserved files.  Without an output directory (a recipe being
*loaded or
** checked), outputs and the default rejects file and database share the
** directory "".
*/
static int claim_all(cw_run *r, int all, claim **c, size_t *n)
{
    const char *dir = r->outdir != NULL ? NULL : "";
    const char *sep = r->outdir != NULL ? "/" : "";
    const char *od = r->outdir != NULL ? r->outdir : "";
    int tables = 0, rc = CW_OK;
    cw_buf b = {0}, path = {0};

    for (size_t k = 0; k < r->nout && rc == CW_OK; k++) {
        output *o = &r->out[k];

        tables |= istable(o);
        if (!isfile(o))
            continue;
        b.len = path.len = 0;
        if (cw__buf_printf(&b, "outputs.%s", o->name) != CW_OK ||
            cw__buf_printf(&path, "%s%s%s", od, sep, o->path) != CW_OK) {
            rc = CW_ENOMEM;
            break;
        }
        rc = add_claim(c, n, b.p, path.p, dir,
                       o->opts.max_bytes > 0 || o->opts.max_distinct > 0);
    }
    if (all && rc == CW_OK) {
        path.len = 0;
        if (r->rejects != NULL)
            rc = add_claim(c, n, "the rejects file", r->rejects, NULL, 0);
        else if (cw__buf_printf(&path, "%s%srejects.csv", od, sep) != CW_OK)
            rc = CW_ENOMEM;
        else
            rc = add_claim(c, n, "the rejects file", path.p, dir, 0);
    }
    if (all && tables && rc == CW_OK) {
        path.len = 0;
        if (r->database == NULL &&
            cw__buf_printf(&path, "%s%scrosswalk.db", od, sep) != CW_OK)
            rc = CW_ENOMEM;
        else if (r->database == NULL)
            rc = add_claim(c, n, "the database", path.p, dir, 0);
        else if (strncmp(r->database, "sqlite:", 7) == 0)
            rc = add_claim(c, n, "the database", r->database + 7, NULL, 0);
    }
    for (size_t i = 0; all && rc == CW_OK && i < r->nreserved; i += 2)
        rc = add_claim(c, n, r->reserved[i + 1], r->reserved[i], NULL, 0);
    cw__buf_free(&b);
    cw__buf_free(&path);
    return rc;
}

/* Fail when claim 'a' is not a plain file name or when 'a' and 'b' (NULL
** for none) may be the same file. */
static int collide(cw_run *r, const claim *a, const claim *b)
{
    if (b == NULL) {
        if (a->base[0] != '\0' && strcmp(a->base, ".") != 0 &&
            strcmp(a->base, "..") != 0)
            return CW_OK;
        return cw__fail(&r->err, CW_EUSAGE,
                        "%s: %s: path '%s' is not a file name", r->recipe,
                        a->what, a->path);
    }
    if (strcmp(a->dir, b->dir) != 0)
        return CW_OK;
    if (strcmp(a->base, b->base) == 0)
        return cw__fail(&r->err, CW_EUSAGE,
                        "%s: %s and %s would both write '%s'", r->recipe,
                        a->what, b->what, b->path);
    if (a->split && cw__writer_is_part(b->base, a->base))
        return cw__fail(&r->err, CW_EUSAGE,
                        "%s: %s and the parts of %s would both write '%s'",
                        r->recipe, b->what, a->what, b->path);
    if (b->split && cw__writer_is_part(a->base, b->base))
        return cw__fail(&r->err, CW_EUSAGE,
                        "%s: %s and the parts of %s would both write '%s'",
                        r->recipe, a->what, b->what, a->path);
    return CW_OK;
}

/*
** Check that the run's files are distinct (see claim_all() for which):
** every one a plain file name, no two the same file, no split output's
** part names taken by another.  Writes nothing.
*/
int cw__run_check_names(cw_run *r, int all)
{
    claim *c = NULL;
    size_t n = 0;
    int rc = claim_all(r, all, &c, &n);

    if (rc != CW_OK)
        rc = cw__fail(&r->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && rc == CW_OK; i++) {
        rc = collide(r, &c[i], NULL);
        for (size_t j = 0; j < i && rc == CW_OK; j++)
            rc = collide(r, &c[j], &c[i]);
    }
    for (size_t i = 0; i < n; i++) {
        cw__free(c[i].what);
        cw__free(c[i].path);
        cw__free(c[i].dir);
    }
    cw__free(c);
    return rc;
}

int cw_run_reserve(cw_run *r, const char *path, const char *what)
{
    size_t cap = r->nreserved;
    char **p = cw__grow(r->reserved, &cap, r->nreserved + 2, sizeof *p);

    if (p == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    r->reserved = p;
    p[r->nreserved] = cw__strdup(path);
    p[r->nreserved + 1] = cw__strdup(what);
    if (p[r->nreserved] == NULL || p[r->nreserved + 1] == NULL) {
        cw__free(p[r->nreserved]);
        cw__free(p[r->nreserved + 1]);
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    }
    r->nreserved += 2;
    return CW_OK;
}

int cw_run_check_files(cw_run *r)
{
    if (!r->loaded)
        return cw__fail(&r->err, CW_EUSAGE, "load the recipe first");
    return cw__run_check_names(r, 1);
}

/* ==== Opening ==== */

/* Create directory 'dir' and its missing parents, as mkdir -p does. */
static int mkdirs(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);

    if (n == 0 || n >= sizeof path)
        return -1;
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return -1;
        path[i] = i < n ? '/' : '\0';
    }
    return 0;
}

/*
** Report, as a warning, the temp files of dead processes removed from
** the output directory: 'n' of them, the first called 'first'.
*/
static void report_swept(cw_run *r, size_t n, const char *first)
{
    char msg[400];
    cw_problem p = {r->outdir, 0, 0, NULL, "W_STALE_TEMP", msg, 1};

    snprintf(msg, sizeof msg,
             "removed %zu temp file%s left by %s no longer exist%s (%s%s)", n,
             n == 1 ? "" : "s",
             n == 1 ? "a crosswalk process that" : "crosswalk processes that",
             n == 1 ? "s" : "", first, n > 1 ? ", ..." : "");
    r->sum.warnings++;
    if (r->onproblem != NULL)
        r->onproblem(r->onproblem_ud, &p);
}

/*
** Check that the run's files are distinct, then the output directory,
** creating it and its parents if missing; remove the temp files dead
** runs left in it (not in a dry run, which writes nothing).
*/
int cw__run_outdir(cw_run *r)
{
    struct stat st;
    char first[256];
    size_t n;
    int rc;

    if (r->outdir == NULL)
        return cw__fail(&r->err, CW_EUSAGE, "no output directory given");
    if ((rc = cw__run_check_names(r, 1)) != CW_OK)
        return rc;
    if (stat(r->outdir, &st) != 0 && mkdirs(r->outdir) != 0)
        return cw__fail(&r->err, CW_EIO, "%s: %s", r->outdir, strerror(errno));
    if (stat(r->outdir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cw__fail(&r->err, CW_EIO, "%s: not a directory", r->outdir);
    if (!r->dryrun && (n = cw__writer_sweep(r->outdir, first, sizeof first)))
        report_swept(r, n, first);
    return CW_OK;
}

/* Join the output directory and a file name into 'b'. */
static int joinpath(cw_buf *b, const char *dir, const char *name)
{
    b->len = 0;
    return cw__buf_printf(b, "%s/%s", dir, name);
}

/*
** Open the database table of output 'o' in the run's database (default
** sqlite:OUTDIR/crosswalk.db), creating it from the output's columns:
** their schema types, and the schema's key for upserts.
*/
static int open_table(cw_run *r, output *o, cw_buf *scratch)
{
    cw_sinkcol *cols = cw__alloc(o->ncols * sizeof *cols);
    int rc;

    if (cols == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < o->ncols; i++) {
        cols[i] = (cw_sinkcol){o->cols[i], CW_T_TEXT, 0};
        if (o->spec[i] != NULL)
            cols[i].type = o->spec[i]->type;
        for (size_t k = 0; o->schema != NULL && k < o->schema->nkey; k++)
            if (o->spec[i] != NULL &&
                strcmp(o->schema->key[k], o->spec[i]->name) == 0)
                cols[i].key = 1;
    }
    scratch->len = 0;
    if (r->database == NULL &&
        cw__buf_printf(scratch, "sqlite:%s/crosswalk.db", r->outdir) != CW_OK) {
        cw__free(cols);
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    }
    rc = cw__table_open(r->database ? r->database : scratch->p, o->table, cols,
                        o->ncols, o->mode, &o->db, &r->err);
    cw__free(cols);
    return rc;
}

/* Open every declared output: a file in the output directory, a
** database table, or the room a callback output's rows need. */
int cw__run_open_outputs(cw_run *r)
{
    cw_buf path = {0};
    int rc;

    for (size_t k = 0; k < r->nout; k++) {
        output *o = &r->out[k];

        if (o->rowfn != NULL) {
            o->rowvals = cw__alloc(o->ncols * sizeof *o->rowvals);
            o->rowlens = cw__alloc(o->ncols * sizeof *o->rowlens);
            if (o->rowvals == NULL || o->rowlens == NULL) {
                cw__buf_free(&path);
                return cw__fail(&r->err, CW_ENOMEM, "out of memory");
            }
            continue;
        }
        if (o->table != NULL) {
            if ((rc = open_table(r, o, &path)) != CW_OK) {
                cw__buf_free(&path);
                return rc;
            }
            continue;
        }
        if (joinpath(&path, r->outdir, o->path) != CW_OK) {
            cw__buf_free(&path);
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
        }
        /* A ledger asks which part each row went to as it is written:
        ** no writer thread then, which would write it later. */
        if (cw__lrun_active(r))
            o->opts.thread = -1;
        rc = cw__writer_open(path.p, (const char *const *)o->cols, o->ncols,
                             &o->opts, &o->out, &r->err);
        if (rc != CW_OK) {
            cw__buf_free(&path);
            return rc;
        }
    }
    cw__buf_free(&path);
    return CW_OK;
}

int cw__run_open_rejects(cw_run *r)
{
    cw_buf path = {0};
    int rc;

    if (r->rejects == NULL) {
        if (joinpath(&path, r->outdir, "rejects.csv") != CW_OK)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
        r->rejects = path.p;
    }
    rc = cw__writer_open(r->rejects, (const char *const *)r->rejcols,
                         r->nrejcols, NULL, &r->rej, &r->err);
    return rc;
}

/* ==== Committing ==== */

/* Note the committed (or planned) file or table 'path' of 'rows' rows. */
static int record_part(cw_run *r, const char *path, unsigned long long rows)
{
    size_t cap = r->nparts;
    char **p = cw__grow(r->parts, &cap, r->nparts + 1, sizeof *p);
    unsigned long long *pr;

    if (p == NULL)
        return CW_ENOMEM;
    r->parts = p;
    cap = r->nparts;
    pr = cw__grow(r->partrows, &cap, r->nparts + 1, sizeof *pr);
    if (pr == NULL)
        return CW_ENOMEM;
    r->partrows = pr;
    if ((p[r->nparts] = cw__strdup(path)) == NULL)
        return CW_ENOMEM;
    pr[r->nparts++] = rows;
    return CW_OK;
}

/* Close every output and the rejects file: what was not committed is
** rolled back, and temp files are removed. */
void cw__run_close_outputs(cw_run *r)
{
    for (size_t k = 0; k < r->nout; k++) {
        cw__writer_close(r->out[k].out);
        r->out[k].out = NULL;
        cw__table_close(&r->out[k].db);
    }
    cw__writer_close(r->rej);
    r->rej = NULL;
}

/*
** Commit every output and the rejects file (or, in a dry run, only note
** the names they would have).  What is committed is listed as a part,
** even when a later commit fails: the summary must not claim that nothing
** was committed when some of it was.
*/
/* Keep entry 'j' of the parts noted by cw__run_commit() in the list (at
** '*w', the next kept place) or drop it. */
static void keep_part(cw_run *r, size_t j, size_t *w, int keep)
{
    if (!keep) {
        cw__free(r->parts[j]);
        return;
    }
    r->parts[*w] = r->parts[j];
    r->partrows[(*w)++] = r->partrows[j];
}

/* Drop the noted parts from 'j' on: they were not committed. */
static void drop_parts(cw_run *r, size_t j, size_t w)
{
    while (j < r->nparts)
        keep_part(r, j++, &w, 0);
    r->nparts = w;
}

/* Commit everything (cw__run_commit() without the ledger's last step). */
static int commit_all(cw_run *r)
{
    size_t failed = r->nout, first = r->nparts, j, w;
    int rc = CW_OK;

    /* Files first get all that can fail (space, fsync, a directory in the
    ** way) behind them; then the database transactions; then the files
    ** are renamed, which leaves little to fail after a commit. */
    for (size_t k = 0; k < r->nout; k++) {
        cw_writer *o = r->out[k].out;

        if (isfile(&r->out[k]) && (rc = cw__writer_prepare(o)) != CW_OK)
            return cw__fail(&r->err, rc, "%s", cw__writer_errmsg(o));
    }
    if (r->rej != NULL && (rc = cw__writer_prepare(r->rej)) != CW_OK)
        return cw__fail(&r->err, rc, "%s", cw__writer_errmsg(r->rej));
    /* A ledger records the rows now, while nothing is committed (it may
    ** also drop outputs that got no row: they have no writer then). */
    if ((rc = cw__lrun_record(r)) != CW_OK)
        return rc;
    /* Note every table, file and callback output now, while running out
    ** of memory still commits nothing; what then fails to commit is
    ** dropped from the list, so nothing needs memory once something is
    ** in. */
    for (size_t k = 0; k < r->nout && rc == CW_OK; k++) {
        output *o = &r->out[k];
        char name[300];

        if (!istable(o))
            continue;
        snprintf(name, sizeof name, "%s table %s", o->db.type->name, o->table);
        rc = record_part(r, name, o->db.type->rows(o->db.s));
    }
    for (size_t k = 0; k < r->nout && rc == CW_OK; k++) {
        cw_writer *o = r->out[k].out;
        size_t n = isfile(&r->out[k]) && o != NULL ? cw__writer_nparts(o) : 0;

        for (size_t i = 0; i < n && rc == CW_OK; i++) {
            unsigned long long rows;
            const char *path = cw__writer_part(o, i, &rows);

            rc = record_part(r, path, rows);
        }
    }
    for (size_t k = 0; k < r->nout && rc == CW_OK; k++) {
        output *o = &r->out[k];
        char name[300];

        if (o->rowfn == NULL)
            continue;
        snprintf(name, sizeof name, "<callback:%s>", o->name);
        rc = record_part(r, name, o->rows);
    }
    if (rc != CW_OK) {
        drop_parts(r, first, first);
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < r->nout && rc == CW_OK; k++) {
        output *o = &r->out[k];

        if (istable(o) && !r->dryrun &&
            (rc = o->db.type->commit(o->db.s)) != CW_OK)
            failed = k;
    }
    /* A sink sharing a transaction is in only once the last one of the
    ** transaction has committed it: ask each. */
    j = w = first;
    for (size_t k = 0; k < r->nout; k++) {
        output *o = &r->out[k];
        int in;

        if (!istable(o))
            continue;
        in = r->dryrun ? 1 : o->db.type->committed(o->db.s);
        if (in < 0)
            r->sum.commit_unknown = 1;
        keep_part(r, j++, &w, in > 0);
    }
    if (rc != CW_OK) {
        output *o = &r->out[failed];

        drop_parts(r, j, w);
        return cw__fail(&r->err, rc, "%s", o->db.type->errmsg(o->db.s));
    }
    for (size_t k = 0; k < r->nout; k++) {
        cw_writer *o = r->out[k].out;
        size_t n, in;

        if (!isfile(&r->out[k]) || o == NULL)
            continue;
        rc = r->dryrun ? CW_OK : cw__writer_commit(o);
        /* After a failed rename, the parts renamed before it are in. */
        n = cw__writer_nparts(o);
        in = rc == CW_OK ? n : cw__writer_nrenamed(o);
        for (size_t i = 0; i < n; i++)
            keep_part(r, j++, &w, i < in);
        if (rc != CW_OK) {
            drop_parts(r, j, w);
            return cw__fail(&r->err, rc, "%s", cw__writer_errmsg(o));
        }
    }
    /* A callback output's rows were delivered as they passed. */
    for (size_t k = 0; k < r->nout; k++)
        if (r->out[k].rowfn != NULL)
            keep_part(r, j++, &w, 1);
    r->nparts = w;
    if (r->rej != NULL && !r->dryrun) {
        rc = cw__writer_commit(r->rej);
        if (rc != CW_OK)
            return cw__fail(&r->err, rc, "%s", cw__writer_errmsg(r->rej));
    }
    if (r->dryrun)
        cw__run_close_outputs(r); /* nothing is committed: the temp files go */
    return CW_OK;
}

int cw__run_commit(cw_run *r)
{
    int rc = commit_all(r);

    /* The ledger's files: pending when renamed into place, else failed. */
    cw__lrun_finish(r, rc == CW_OK);
    return rc;
}
