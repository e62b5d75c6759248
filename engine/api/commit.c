/*
** commit.c -- the outputs of a recipe run: makes the output directory,
** opens the files, tables and rejects file, and commits them all or
** nothing.
*/
#include "api/runint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

/* Check the output directory, creating it and its parents if missing. */
int cw__run_outdir(cw_run *r)
{
    struct stat st;

    if (r->outdir == NULL)
        return cw__fail(&r->err, CW_EUSAGE, "no output directory given");
    if (stat(r->outdir, &st) != 0 && mkdirs(r->outdir) != 0)
        return cw__fail(&r->err, CW_EIO, "%s: %s", r->outdir, strerror(errno));
    if (stat(r->outdir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cw__fail(&r->err, CW_EIO, "%s: not a directory", r->outdir);
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

/* Open every declared output: a file in the output directory, or a
** database table. */
int cw__run_open_outputs(cw_run *r)
{
    cw_buf path = {0};
    int rc;

    for (size_t k = 0; k < r->nout; k++) {
        output *o = &r->out[k];

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

int cw__run_commit(cw_run *r)
{
    size_t failed = r->nout, first = r->nparts, j, w;
    int rc = CW_OK;

    /* Files first get all that can fail (space, fsync, a directory in the
    ** way) behind them; then the database transactions; then the files
    ** are renamed, which leaves little to fail after a commit. */
    for (size_t k = 0; k < r->nout; k++) {
        cw_writer *o = r->out[k].out;

        if (r->out[k].table == NULL && (rc = cw__writer_prepare(o)) != CW_OK)
            return cw__fail(&r->err, rc, "%s", cw__writer_errmsg(o));
    }
    if (r->rej != NULL && (rc = cw__writer_prepare(r->rej)) != CW_OK)
        return cw__fail(&r->err, rc, "%s", cw__writer_errmsg(r->rej));
    /* Note every table and file now, while running out of memory still
    ** commits nothing; what then fails to commit is dropped from the list,
    ** so nothing needs memory once something is in. */
    for (size_t k = 0; k < r->nout && rc == CW_OK; k++) {
        output *o = &r->out[k];
        char name[300];

        if (o->table == NULL)
            continue;
        snprintf(name, sizeof name, "%s table %s", o->db.type->name, o->table);
        rc = record_part(r, name, o->db.type->rows(o->db.s));
    }
    for (size_t k = 0; k < r->nout && rc == CW_OK; k++) {
        cw_writer *o = r->out[k].out;
        size_t n = r->out[k].table == NULL ? cw__writer_nparts(o) : 0;

        for (size_t i = 0; i < n && rc == CW_OK; i++) {
            unsigned long long rows;
            const char *path = cw__writer_part(o, i, &rows);

            rc = record_part(r, path, rows);
        }
    }
    if (rc != CW_OK) {
        drop_parts(r, first, first);
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < r->nout && rc == CW_OK; k++) {
        output *o = &r->out[k];

        if (o->table != NULL && !r->dryrun &&
            (rc = o->db.type->commit(o->db.s)) != CW_OK)
            failed = k;
    }
    /* A sink sharing a transaction is in only once the last one of the
    ** transaction has committed it: ask each. */
    j = w = first;
    for (size_t k = 0; k < r->nout; k++) {
        output *o = &r->out[k];
        int in;

        if (o->table == NULL)
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

        if (r->out[k].table != NULL)
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
