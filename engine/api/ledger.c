/*
** ledger.c -- a delivery ledger open for its commands (cw_ledger_*):
** its files and watermarks, read when it is opened and after each
** change, and confirming or releasing a file.  The tables are
** ledger/store.c's.
*/
#include "crosswalk.h"

#include "core/cw.h"
#include "ledger/store.h"

#include <string.h>

struct cw_ledger {
    cw_lstore *st;        /* the ledger, open and locked */
    cw_ledgerfile *files; /* its files (their strings owned) */
    size_t nfiles, fcap;
    cw_ledgermark *marks; /* its watermarks */
    size_t nmarks, mcap;
    char **strs; /* the strings of both */
    size_t nstrs, scap;
    int force;  /* cw_ledger_force() */
    cw_err err; /* the last error */
};

/* A copy of 's' in '*at' (NULL for NULL), owned by 'l'. */
static int keep(cw_ledger *l, const char *s, const char **at)
{
    char **g;

    *at = NULL;
    if (s == NULL)
        return CW_OK;
    g = cw__grow(l->strs, &l->scap, l->nstrs + 1, sizeof *g);
    if (g == NULL)
        return CW_ENOMEM;
    l->strs = g;
    if ((g[l->nstrs] = cw__strdup(s)) == NULL)
        return CW_ENOMEM;
    *at = g[l->nstrs++];
    return CW_OK;
}

static void clear(cw_ledger *l)
{
    for (size_t i = 0; i < l->nstrs; i++)
        cw__free(l->strs[i]);
    l->nstrs = l->nfiles = l->nmarks = 0;
}

static int add_file(void *ud, const cw_lfile *f)
{
    cw_ledger *l = ud;
    cw_ledgerfile *g = cw__grow(l->files, &l->fcap, l->nfiles + 1, sizeof *g);
    cw_ledgerfile *n;

    if (g == NULL)
        return CW_ENOMEM;
    l->files = g;
    n = &g[l->nfiles++];
    memset(n, 0, sizeof *n);
    n->rows = f->rows;
    n->run = f->run;
    if (keep(l, f->path, &n->path) != CW_OK ||
        keep(l, f->state, &n->state) != CW_OK ||
        keep(l, f->scope, &n->output) != CW_OK ||
        keep(l, f->written, &n->written) != CW_OK ||
        keep(l, f->changed, &n->changed) != CW_OK)
        return CW_ENOMEM;
    return CW_OK;
}

static int add_mark(void *ud, const cw_lmark *m)
{
    cw_ledger *l = ud;
    cw_ledgermark *g = cw__grow(l->marks, &l->mcap, l->nmarks + 1, sizeof *g);
    cw_ledgermark *n;

    if (g == NULL)
        return CW_ENOMEM;
    l->marks = g;
    n = &g[l->nmarks++];
    memset(n, 0, sizeof *n);
    n->run = m->run;
    n->usable = m->usable;
    if (keep(l, m->scope, &n->input) != CW_OK ||
        keep(l, m->col, &n->column) != CW_OK ||
        keep(l, m->value, &n->value) != CW_OK)
        return CW_ENOMEM;
    return CW_OK;
}

/* Read the files and watermarks again. */
static int reload(cw_ledger *l)
{
    int rc;

    clear(l);
    rc = cw__lstore_files(l->st, add_file, l);
    if (rc == CW_OK)
        rc = cw__lstore_marks(l->st, add_mark, l);
    if (rc != CW_OK)
        return cw__fail(&l->err, rc, "%s",
                        rc == CW_ENOMEM ? "out of memory"
                                        : cw__lstore_errmsg(l->st));
    return CW_OK;
}

int cw_ledger_new(const char *target, cw_ledger **out, cw_err *err)
{
    cw_ledger *l = cw__alloc(sizeof *l);
    int rc;

    *out = NULL;
    if (l == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    memset(l, 0, sizeof *l);
    rc = cw__lstore_open(target, 0, &l->st, err);
    if (rc == CW_OK && (rc = reload(l)) != CW_OK)
        cw__errcopy(err, &l->err);
    if (rc != CW_OK) {
        cw_ledger_free(l);
        return rc;
    }
    *out = l;
    return CW_OK;
}

size_t cw_ledger_nfiles(const cw_ledger *l)
{
    return l->nfiles;
}

int cw_ledger_file(const cw_ledger *l, size_t i, cw_ledgerfile *out)
{
    if (i >= l->nfiles)
        return CW_EUSAGE;
    *out = l->files[i];
    return CW_OK;
}

size_t cw_ledger_nmarks(const cw_ledger *l)
{
    return l->nmarks;
}

int cw_ledger_mark(const cw_ledger *l, size_t i, cw_ledgermark *out)
{
    if (i >= l->nmarks)
        return CW_EUSAGE;
    *out = l->marks[i];
    return CW_OK;
}

/* Confirm or release the file at 'path'. */
static int settle(cw_ledger *l, const char *path, int release,
                  cw_ledgerfile *out)
{
    cw_lfile f;
    int rc = cw__lstore_settle(l->st, path, release, l->force, &f);

    memset(out, 0, sizeof *out);
    if (rc != CW_OK)
        return cw__fail(&l->err, rc, "%s", cw__lstore_errmsg(l->st));
    if ((rc = reload(l)) != CW_OK)
        return rc;
    for (size_t i = 0; i < l->nfiles; i++)
        if (l->files[i].path != NULL && f.path != NULL &&
            strcmp(l->files[i].path, f.path) == 0 && l->files[i].run == f.run) {
            *out = l->files[i];
        }
    return CW_OK;
}

int cw_ledger_confirm(cw_ledger *l, const char *path, cw_ledgerfile *out)
{
    return settle(l, path, 0, out);
}

int cw_ledger_release(cw_ledger *l, const char *path, cw_ledgerfile *out)
{
    return settle(l, path, 1, out);
}

void cw_ledger_force(cw_ledger *l, int on)
{
    l->force = on != 0;
}

const char *cw_ledger_target(const cw_ledger *l)
{
    return cw__lstore_shown(l->st);
}

const char *cw_ledger_errmsg(const cw_ledger *l)
{
    return l->err.msg;
}

void cw_ledger_free(cw_ledger *l)
{
    if (l == NULL)
        return;
    cw__lstore_close(l->st);
    clear(l);
    cw__free(l->strs);
    cw__free(l->files);
    cw__free(l->marks);
    cw__free(l);
}
