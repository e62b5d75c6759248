/*
** recipe.c -- configuring a recipe run and loading its recipe: the
** setters, the declared parameters, inputs and outputs, and freeing a run.
*/
#include "api/runint.h"

#include "api/home.h"
#include "api/runledger.h"

#include "core/check.h"
#include "csv/decode.h"

#include <stdio.h>
#include <string.h>

/* ==== Configuration ==== */

int cw_run_new(cw_run **out, cw_err *err)
{
    cw_run *r = cw__alloc(sizeof *r);

    *out = NULL;
    if (r == NULL)
        return cw__fail(err, CW_ENOMEM, "cannot allocate a run");
    *r = (cw_run){0};
    *out = r;
    return CW_OK;
}

static int setstr(cw_run *r, char **dst, const char *s)
{
    char *copy = cw__strdup(s);

    if (copy == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    cw__free(*dst);
    *dst = copy;
    return CW_OK;
}

int cw_run_param(cw_run *r, const char *key, const char *value)
{
    size_t cap = r->nparams;
    char **p;

    if (r->loaded)
        return cw__fail(&r->err, CW_EUSAGE,
                        "parameters must be set before the recipe is loaded");
    for (size_t i = 0; i < r->nparams; i += 2)
        if (strcmp(r->params[i], key) == 0)
            return setstr(r, &r->params[i + 1], value);
    p = cw__grow(r->params, &cap, r->nparams + 2, sizeof *p);
    if (p == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    r->params = p;
    p[r->nparams] = cw__strdup(key);
    p[r->nparams + 1] = cw__strdup(value);
    if (p[r->nparams] == NULL || p[r->nparams + 1] == NULL) {
        cw__free(p[r->nparams]);
        cw__free(p[r->nparams + 1]);
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    }
    r->nparams += 2;
    return CW_OK;
}

int cw_run_home(cw_run *r, const char *dir)
{
    if (dir == NULL) {
        cw__free(r->home);
        r->home = NULL;
        return CW_OK;
    }
    return setstr(r, &r->home, dir);
}

int cw_run_limits(cw_run *r, unsigned long long instructions, size_t memory)
{
    r->limits.instructions = instructions;
    r->limits.memory = memory;
    return CW_OK;
}

int cw_run_workers(cw_run *r, unsigned workers)
{
    if (workers > CW_WORKERS_MAX)
        return cw__fail(&r->err, CW_EUSAGE,
                        "workers must be between 1 and %d (0: one per core)",
                        CW_WORKERS_MAX);
    r->workers = workers;
    return CW_OK;
}

int cw_run_max_seconds(cw_run *r, double seconds)
{
    if (!(seconds >= 0) || seconds > 1e9)
        return cw__fail(&r->err, CW_EUSAGE,
                        "the deadline must be between 0 and 1e9 seconds");
    r->limits.seconds = seconds;
    return CW_OK;
}

int cw_run_outdir(cw_run *r, const char *dir)
{
    return setstr(r, &r->outdir, dir);
}

int cw_run_database(cw_run *r, const char *target)
{
    return setstr(r, &r->database, target);
}

int cw_run_rejects(cw_run *r, const char *path)
{
    return setstr(r, &r->rejects, path);
}

int cw_run_dryrun(cw_run *r, int on)
{
    r->dryrun = on != 0;
    return CW_OK;
}

int cw_run_strict(cw_run *r, int on)
{
    r->strict = on != 0;
    return CW_OK;
}

void cw_run_on_problem(cw_run *r, cw_problem_fn fn, void *ud)
{
    r->onproblem = fn;
    r->onproblem_ud = ud;
}

void cw_run_on_progress(cw_run *r, cw_progress_fn fn, void *ud)
{
    r->onprogress = fn;
    r->onprogress_ud = ud;
}

void cw_run_interrupt(cw_run *r)
{
    r->stop = 1;
}

const char *cw_run_errmsg(const cw_run *r)
{
    return r->err.msg;
}

static void freestrs(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        cw__free(v[i]);
    cw__free(v);
}

static void output_free(output *o)
{
    cw__free(o->name);
    cw__free(o->where);
    cw__free(o->splitcol);
    cw__free(o->path);
    cw__free(o->schema_name);
    cw__schema_free(o->schema);
    freestrs(o->cols, o->ncols);
    cw__free(o->idx);
    cw__free(o->spec);
    cw__free(o->vals);
    if (o->scratch != NULL)
        for (size_t i = 0; i < o->ncols; i++)
            cw__buf_free(&o->scratch[i]);
    cw__free(o->scratch);
    cw__writer_close(o->out);
    cw__table_close(&o->db);
    cw__free(o->table);
    freestrs(o->efforts, o->nefforts);
    cw__free(o->rowvals);
    cw__free(o->rowlens);
    cw__buf_free(&o->rowbuf);
}

void cw_run_free(cw_run *r)
{
    if (r == NULL)
        return;
    cw__lrun_free(r);
    if (r->src_open)
        cw__input_close(&r->src);
    cw__writer_close(r->rej);
    for (size_t i = 0; i < r->nin; i++) {
        cw__free(r->in[i].name);
        cw__free(r->in[i].schema_name);
        cw__schema_free(r->in[i].schema);
        cw__free(r->in[i].path);
        cw__free(r->in[i].enc_decl);
        cw__free(r->in[i].enc_set);
    }
    cw__free(r->in);
    cw__free(r->enc_all);
    for (size_t i = 0; i < r->nout; i++)
        output_free(&r->out[i]);
    cw__free(r->out);
    cw__plan_free(r->plan);
    cw__node_free(r->tree);
    cw__lua_close(r->lua);
    cw__layout_free(r->layout);
    freestrs(r->params, r->nparams);
    freestrs(r->reserved, r->nreserved);
    freestrs(r->rejcols, r->nrejcols);
    freestrs(r->parts, r->nparts);
    cw__free(r->partrows);
    cw__free(r->rejrow);
    cw__buf_free(&r->rejline);
    cw__buf_free(&r->msg);
    cw__buf_free(&r->checkbuf);
    cw__free(r->home);
    cw__free(r->recipe);
    cw__free(r->recipefile);
    cw__free(r->recipedir);
    cw__free(r->outdir);
    cw__free(r->mainname);
    cw__free(r->database);
    cw__free(r->rejects);
    cw__free(r);
}

/* ==== Loading the recipe ==== */

/* Fail with "recipe: what" and CW_EUSAGE. */
static int recipe_error(cw_run *r, const char *what, const char *a)
{
    return cw__fail(&r->err, CW_EUSAGE, "%s: %s%s%s%s", r->recipe, what,
                    a ? " '" : "", a ? a : "", a ? "'" : "");
}

/* Check that table 'n' has only the keys in 'allowed'. */
static int onlykeys(cw_run *r, const cw_node *n, const char *where,
                    const char *const *allowed)
{
    return cw__check_keys(n, allowed, "key", &r->err, "%s: %s", r->recipe,
                          where);
}

/* The one-character value of key 'key' of 'd' in '*c' (0 when absent). */
static int load_char(cw_run *r, const cw_node *d, const char *key,
                     const char *where, char *c)
{
    const cw_node *n = cw__node_get(d, key);

    *c = 0;
    if (n == NULL)
        return CW_OK;
    if (n->type != CW_NODE_STR || strlen(n->str) != 1)
        return cw__fail(&r->err, CW_EUSAGE,
                        "%s: %s: '%s' must be one character (\"\\t\" for a "
                        "tab)",
                        r->recipe, where, key);
    *c = n->str[0];
    return CW_OK;
}

/* The 'stray_quotes' of 'd' ("keep" or "reject") in '*v' (0 when absent). */
static int load_stray(cw_run *r, const cw_node *d, const char *where, char *v)
{
    const cw_node *n = cw__node_get(d, "stray_quotes");

    *v = 0;
    if (n == NULL)
        return CW_OK;
    if (n->type == CW_NODE_STR && strcmp(n->str, "keep") == 0)
        *v = CW_STRAY_KEEP;
    else if (n->type == CW_NODE_STR && strcmp(n->str, "reject") == 0)
        *v = CW_STRAY_REJECT;
    else
        return cw__fail(&r->err, CW_EUSAGE,
                        "%s: %s: 'stray_quotes' must be \"keep\" (a quote "
                        "inside an unquoted field is data) or \"reject\" (the "
                        "default: E_QUOTE)%s%s%s",
                        r->recipe, where,
                        n->type == CW_NODE_STR ? ", not \"" : "",
                        n->type == CW_NODE_STR ? n->str : "",
                        n->type == CW_NODE_STR ? "\"" : "");
    return CW_OK;
}

/* The dialect of input 'in' declared in 'd' (delimiter, quote, encoding,
** stray_quotes). */
static int load_dialect(cw_run *r, input *in, const char *where,
                        const cw_node *d)
{
    const char *enc = cw__node_str(d, "encoding", NULL);
    cw_err e;
    int rc;

    if ((rc = load_char(r, d, "delimiter", where, &in->decl.delimiter)) !=
            CW_OK ||
        (rc = load_char(r, d, "quote", where, &in->decl.quote)) != CW_OK ||
        (rc = load_stray(r, d, where, &in->decl.stray_quotes)) != CW_OK)
        return rc;
    if (cw__node_get(d, "encoding") != NULL && enc == NULL)
        return cw__fail(&r->err, CW_EUSAGE,
                        "%s: %s: 'encoding' must be a string", r->recipe,
                        where);
    if (enc != NULL && (in->enc_decl = cw__strdup(enc)) == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    in->decl.encoding = in->enc_decl;
    if (cw__dialect_check(&in->decl, &e) != CW_OK)
        return cw__fail(&r->err, CW_EUSAGE, "%s: %s: %s", r->recipe, where,
                        e.msg);
    in->use = in->decl;
    in->spec.dialect = &in->use;
    return CW_OK;
}

static int load_inputs(cw_run *r, const cw_node *ins)
{
    static const char *const keys[] = {"schema",       "main",  "doc",
                                       "delimiter",    "quote", "encoding",
                                       "stray_quotes", "since", NULL};
    size_t nmain = 0;

    if (ins == NULL || ins->type != CW_NODE_TABLE || ins->nkeys == 0)
        return recipe_error(r, "'inputs' must name at least one input", NULL);
    r->in = cw__alloc(ins->nkeys * sizeof *r->in);
    if (r->in == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < ins->nkeys; i++) {
        const cw_node *d = ins->vals[i];
        input *in = &r->in[i];
        const char *sname;
        const cw_node *m;
        char where[200];
        int rc;

        *in = (input){0};
        r->nin = i + 1;
        snprintf(where, sizeof where, "inputs.%s", ins->keys[i]);
        if (d->type != CW_NODE_TABLE)
            return recipe_error(r, "an input is a table, see", where);
        if ((rc = onlykeys(r, d, where, keys)) != CW_OK)
            return rc;
        in->name = cw__strdup(ins->keys[i]);
        if (in->name == NULL)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
        if ((rc = load_dialect(r, in, where, d)) != CW_OK)
            return rc;
        m = cw__node_get(d, "main");
        in->main = m != NULL && m->type == CW_NODE_BOOL && m->b;
        nmain += in->main;
        sname = cw__node_str(d, "schema", NULL);
        if (sname != NULL) {
            if ((in->schema_name = cw__strdup(sname)) == NULL)
                return cw__fail(&r->err, CW_ENOMEM, "out of memory");
            rc = cw__schema_load_in(r->recipedir, r->home, sname, &in->schema,
                                    &r->err);
            if (rc != CW_OK)
                return rc;
        }
    }
    if (r->nin == 1 && nmain == 0) {
        r->in[0].main = 1;
        nmain = 1;
    }
    if (nmain != 1)
        return recipe_error(
            r,
            "exactly one input must be marked main = true (it is streamed; "
            "the others are lookup tables)",
            NULL);
    for (size_t i = 0; i < r->nin; i++)
        if (r->in[i].main)
            r->main = &r->in[i];
    return CW_OK;
}

/* Set the formulas policy of output 'o' from its 'formulas' key 'f' (or
** NULL): by default, warn when the schema's files are opened in
** spreadsheets. */
static int load_formulas(cw_run *r, output *o, const char *where,
                         const cw_node *f)
{
    int p;

    o->formulas = o->schema != NULL && o->schema->spreadsheet ? CW_FORMULAS_WARN
                                                              : CW_FORMULAS_OFF;
    if (f == NULL)
        return CW_OK;
    if (f->type != CW_NODE_STR)
        return cw__fail(
            &r->err, CW_EUSAGE,
            "%s: %s: 'formulas' must be a string (valid: " CW_FORMULAS_NAMES
            ")",
            r->recipe, where);
    p = cw__formulas_policy(f->str);
    if (p < 0)
        return cw__fail(
            &r->err, CW_EUSAGE,
            "%s: %s: unknown formulas policy '%s' (valid: " CW_FORMULAS_NAMES
            ")",
            r->recipe, where, f->str);
    o->formulas = p;
    return CW_OK;
}

/* Set the column whose distinct values output 'o' caps: the schema's
** (Organizer's Effort Name), then the recipe's split.distinct, the
** smaller cap winning. */
static void split_column(output *o)
{
    o->opts.split_col = -1;
    o->opts.max_distinct = 0;
    for (size_t i = 0; i < o->ncols; i++) {
        if (o->schema != NULL && o->schema->distinct_col != NULL &&
            strcmp(o->cols[i], o->schema->distinct_col) == 0) {
            o->opts.split_col = (long)i;
            o->opts.max_distinct = o->schema->distinct_max;
        }
    }
    for (size_t i = 0; o->splitcol != NULL && i < o->ncols; i++) {
        if (strcmp(o->cols[i], o->splitcol) == 0) {
            o->opts.split_col = (long)i;
            if (o->opts.max_distinct == 0 || o->splitmax < o->opts.max_distinct)
                o->opts.max_distinct = o->splitmax;
        }
    }
}

/* 1 when column 'c' of schema 's' is one of its key columns. */
static int iskey(const cw_schema *s, const char *c)
{
    for (size_t k = 0; s != NULL && k < s->nkey; k++)
        if (strcmp(s->key[k], c) == 0)
            return 1;
    return 0;
}

/* An upsert updates on the schema's key: output 'o' must write it. */
static int check_key(cw_run *r, const output *o)
{
    if (o->table == NULL || o->mode != CW_MODE_UPSERT || o->schema == NULL)
        return CW_OK;
    for (size_t k = 0; k < o->schema->nkey; k++) {
        size_t i = 0;

        while (i < o->ncols && strcmp(o->cols[i], o->schema->key[k]) != 0)
            i++;
        if (i == o->ncols)
            return cw__fail(&r->err, CW_EUSAGE,
                            "%s: %s: mode 'upsert' updates rows on the key "
                            "of schema %s, but its column '%s' is not among "
                            "the output's columns",
                            r->recipe, o->where, o->schema_name,
                            o->schema->key[k]);
    }
    return CW_OK;
}

/* Fail: output 'o' names column 'c', which its schema does not have. */
static int not_in_schema(cw_run *r, const output *o, const char *c)
{
    const cw_schema *s = o->schema;
    const char **names = cw__alloc((s->ncols ? s->ncols : 1) * sizeof *names);
    cw_buf b = {0};
    int rc;

    if (names == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->ncols; i++)
        names[i] = s->cols[i].name;
    rc = cw__buf_printf(&b, "%s: %s: column '%s' is not in schema %s",
                        r->recipe, o->where, c, o->schema_name);
    if (rc == CW_OK)
        rc = cw__names_hint(&b, names, s->ncols, c);
    cw__free(names);
    if (rc == CW_OK)
        rc = cw__fail(&r->err, CW_EUSAGE, "%s", b.p);
    else
        rc = cw__fail(&r->err, CW_ENOMEM, "out of memory");
    cw__buf_free(&b);
    return rc;
}

/* Fill 'o' from the output declaration 'd'. */
static int load_output(cw_run *r, output *o, const char *name, const cw_node *d)
{
    static const char *const keys[] = {
        "path",   "table",   "mode",     "schema", "columns",
        "format", "split",   "formulas", "doc",    "delimiter",
        "key",    "changed", NULL};
    cw_dialect dl = {0};
    const char *path, *table, *sname, *fmt, *mode;
    const cw_node *cols, *split;
    char where[200];
    int rc;

    snprintf(where, sizeof where, "outputs.%s", name);
    if (d->type != CW_NODE_TABLE)
        return recipe_error(r, "an output is a table, see", where);
    if ((rc = onlykeys(r, d, where, keys)) != CW_OK)
        return rc;
    cw__writeopts_default(&o->opts);
    if ((o->name = cw__strdup(name)) == NULL ||
        (o->where = cw__strdup(where)) == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    path = cw__node_str(d, "path", NULL);
    table = cw__node_str(d, "table", NULL);
    if ((path == NULL) == (table == NULL) ||
        (path != NULL && (path[0] == '\0' || strchr(path, '/') != NULL)))
        return recipe_error(r,
                            "needs either 'path', a file name inside the "
                            "output directory (no '/'), or 'table', a "
                            "database table:",
                            where);
    if (path != NULL && (o->path = cw__strdup(path)) == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    if (table != NULL && (o->table = cw__strdup(table)) == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    mode = cw__node_str(d, "mode", NULL);
    o->mode = CW_MODE_APPEND;
    if (mode != NULL && cw__sinkmode(mode) < 0)
        return recipe_error(r,
                            "mode must be create, append, replace or upsert "
                            "in",
                            where);
    if (mode != NULL)
        o->mode = (enum cw_sinkmode)cw__sinkmode(mode);
    fmt = cw__node_str(d, "format", "csv");
    if (strcmp(fmt, "ndjson") == 0)
        o->opts.format = CW_FMT_NDJSON;
    else if (strcmp(fmt, "csv") != 0)
        return recipe_error(r, "format must be csv or ndjson in", where);
    if ((rc = load_char(r, d, "delimiter", where, &dl.delimiter)) != CW_OK)
        return rc;
    if (dl.delimiter != 0 && o->opts.format != CW_FMT_CSV)
        return recipe_error(r, "'delimiter' is for csv outputs:", where);
    if (cw__dialect_check(&dl, &r->err) != CW_OK)
        return cw__fail(&r->err, CW_EUSAGE, "%s: %s: %s", r->recipe, where,
                        cw_run_errmsg(r));
    if (dl.delimiter != 0)
        o->opts.delim = dl.delimiter;
    sname = cw__node_str(d, "schema", NULL);
    if (sname != NULL) {
        if ((o->schema_name = cw__strdup(sname)) == NULL)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
        if ((rc = cw__schema_load_in(r->recipedir, r->home, sname, &o->schema,
                                     &r->err)) != CW_OK)
            return rc;
    }
    if ((rc = load_formulas(r, o, where, cw__node_get(d, "formulas"))) != CW_OK)
        return rc;
    cols = cw__node_get(d, "columns");
    if (cols != NULL) {
        if (cols->type != CW_NODE_TABLE || cols->narr == 0 || cols->nkeys > 0)
            return recipe_error(r, "'columns' must list column names in",
                                where);
        o->ncols = cols->narr;
    } else if (o->schema != NULL) {
        o->ncols = o->schema->ncols;
        o->autocols = 1;
    } else {
        return recipe_error(r, "needs 'columns' or a 'schema':", where);
    }
    o->cols = cw__alloc(o->ncols * sizeof *o->cols);
    o->idx = cw__alloc(o->ncols * sizeof *o->idx);
    o->spec = cw__alloc(o->ncols * sizeof *o->spec);
    o->vals = cw__alloc(o->ncols * sizeof *o->vals);
    o->scratch = cw__alloc(o->ncols * sizeof *o->scratch);
    if (o->cols == NULL || o->idx == NULL || o->spec == NULL ||
        o->vals == NULL || o->scratch == NULL) {
        cw__free(o->cols);
        o->cols = NULL;
        o->ncols = 0;
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < o->ncols; i++) {
        o->cols[i] = NULL;
        o->scratch[i] = (cw_buf){0};
    }
    for (size_t i = 0; i < o->ncols; i++) {
        const char *c;
        long s;

        if (cols != NULL) {
            if (cols->arr[i]->type != CW_NODE_STR)
                return recipe_error(r, "column names must be strings in",
                                    where);
            c = cols->arr[i]->str;
        } else {
            c = o->schema->cols[i].name;
        }
        if ((o->cols[i] = cw__strdup(c)) == NULL ||
            cw__layout_intern(r->layout, c, strlen(c), &o->idx[i]) != CW_OK)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
        o->spec[i] = NULL;
        if (o->schema != NULL) {
            s = cw__schema_find(o->schema, c, strlen(c));
            if (s < 0 && !cw__schema_prefixed(o->schema, c, strlen(c)))
                return not_in_schema(r, o, c);
            o->spec[i] = s >= 0 ? &o->schema->cols[s] : NULL;
        }
    }
    /* Splitting: the schema's limits, then the recipe's. */
    if (o->schema != NULL && o->schema->max_bytes > 0)
        o->opts.max_bytes = o->schema->max_bytes - 1;
    split = cw__node_get(d, "split");
    if (split != NULL) {
        const cw_node *mb = cw__node_get(split, "max_bytes");
        const cw_node *dist = cw__node_get(split, "distinct");

        if (mb != NULL && mb->type == CW_NODE_NUM && mb->num > 0 &&
            (o->opts.max_bytes == 0 ||
             (unsigned long long)mb->num < o->opts.max_bytes))
            o->opts.max_bytes = (unsigned long long)mb->num;
        if (dist != NULL) {
            const char *dc = cw__node_str(dist, "column", NULL);
            const cw_node *mx = cw__node_get(dist, "max");
            size_t i;

            for (i = 0; dc != NULL && i < o->ncols; i++)
                if (strcmp(o->cols[i], dc) == 0)
                    break;
            if (dc == NULL || i == o->ncols || mx == NULL ||
                mx->type != CW_NODE_NUM || mx->num < 1)
                return recipe_error(r,
                                    "split.distinct needs an output column "
                                    "and max >= 1 in",
                                    where);
            if ((o->splitcol = cw__strdup(dc)) == NULL)
                return cw__fail(&r->err, CW_ENOMEM, "out of memory");
            o->splitmax = (size_t)mx->num;
        }
    }
    split_column(o);
    return check_key(r, o);
}

/* ==== Names ==== */

/* 1 when output 'o' without 'columns' writes its column 'i' whatever the
** recipe sets: a required or key column of its schema, or the column it
** splits on. */
static int always(const output *o, size_t i)
{
    return (o->spec[i] != NULL && o->spec[i]->required) ||
           iskey(o->schema, o->cols[i]) ||
           (o->splitcol != NULL && strcmp(o->splitcol, o->cols[i]) == 0);
}

/* Keep the columns of output 'o' (without 'columns') that it always
** writes or that the recipe gives a value. */
static void prune(cw_run *r, output *o)
{
    size_t n = 0;
    const char *fn;

    for (size_t i = 0; i < o->ncols; i++) {
        if (!always(o, i) && cw__plan_has(r->plan, o->idx[i], &fn) != 1) {
            cw__free(o->cols[i]);
            continue;
        }
        o->cols[n] = o->cols[i];
        o->idx[n] = o->idx[i];
        o->spec[n] = o->spec[i];
        n++;
    }
    o->ncols = n;
    split_column(o);
}

int cw__run_resolve(cw_run *r, const cw_namesrc *src)
{
    cw_nameread *reads;
    size_t n = 0, cap = 0;
    int rc;

    for (size_t k = 0; k < r->nout; k++)
        cap += r->out[k].ncols;
    reads = cw__alloc((cap ? cap : 1) * sizeof *reads);
    if (reads == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    for (size_t k = 0; k < r->nout; k++) {
        const output *o = &r->out[k];

        for (size_t i = 0; i < o->ncols; i++)
            if (!o->autocols || always(o, i))
                reads[n++] = (cw_nameread){o->idx[i], o->where};
    }
    rc = cw__plan_resolve(r->plan, src, reads, n, &r->err);
    cw__free(reads);
    for (size_t k = 0; k < r->nout && rc == CW_OK; k++) {
        output *o = &r->out[k];
        const char *fn;

        if (!o->autocols)
            continue;
        (void)cw__plan_has(r->plan, 0, &fn);
        if (fn != NULL)
            return cw__fail(&r->err, CW_EUSAGE,
                            "%s: %s has no 'columns', and %s has no 'sets': "
                            "which of the columns of schema %s the recipe "
                            "sets cannot be known; list the output's "
                            "'columns', or the columns the function sets in "
                            "the step's 'sets'",
                            r->recipe, o->where, fn, o->schema_name);
        if (src->run)
            prune(r, o);
    }
    return rc;
}

/* The main input's schema, for resolving names when the recipe is
** checked: its columns by their canonical names, and the columns of a
** family its prefixes name. */
static int schema_has(void *ud, const char *name)
{
    const cw_schema *s = ((cw_run *)ud)->main->schema;

    for (size_t i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0)
            return 1;
    return cw__schema_prefixed(s, name, strlen(name));
}

static const char *schema_column(void *ud, size_t i)
{
    const cw_schema *s = ((cw_run *)ud)->main->schema;

    return i < s->ncols ? s->cols[i].name : NULL;
}

static const char *schema_canonical(void *ud, const char *name)
{
    const cw_schema *s = ((cw_run *)ud)->main->schema;
    long k = cw__schema_find(s, name, strlen(name));

    return k >= 0 && strcmp(s->cols[k].name, name) != 0 ? s->cols[k].name
                                                        : NULL;
}

static const cw_schema *input_schema(void *ud, const char *name)
{
    cw_run *r = ud;

    for (size_t i = 0; i < r->nin; i++)
        if (strcmp(r->in[i].name, name) == 0)
            return r->in[i].schema;
    return NULL;
}

int cw_run_check(cw_run *r)
{
    cw_buf what = {0};
    cw_namesrc src = {.ud = r,
                      .has = schema_has,
                      .column = schema_column,
                      .canonical = schema_canonical,
                      .lookup_schema = input_schema,
                      .what = "the main input",
                      .guess = 1};
    int rc;

    if (!r->loaded)
        return cw__fail(&r->err, CW_EUSAGE, "load the recipe first");
    /* Without a schema any name may be the input's: only the names read
    ** after a group are checked. */
    src.any = r->main->schema == NULL;
    if (!src.any) {
        if (cw__buf_printf(&what, "schema %s (input '%s')",
                           r->main->schema_name, r->main->name) != CW_OK)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
        src.what = what.p;
    }
    rc = cw__run_resolve(r, &src);
    cw__buf_free(&what);
    if (rc != CW_OK)
        return rc;
    return cw_run_check_files(r);
}

/* Check --set keys against the recipe's declared 'params'. */
static int check_params(cw_run *r, const cw_node *decl)
{
    for (size_t i = 0; i < r->nparams; i += 2) {
        if (cw__node_get(decl, r->params[i]) == NULL) {
            cw_buf valid = {0};

            for (size_t k = 0; decl != NULL && k < decl->nkeys; k++)
                cw__buf_printf(&valid, "%s%s", k ? ", " : "", decl->keys[k]);
            cw__fail(&r->err, CW_EUSAGE,
                     "%s: unknown parameter '%s' (the recipe takes: %s)",
                     r->recipe, r->params[i],
                     valid.p ? valid.p : "no parameters");
            cw__buf_free(&valid);
            return CW_EUSAGE;
        }
    }
    return CW_OK;
}

/*
** A sandboxed state for the run's recipe, and the tree of what the
** recipe returns, loaded in it with the run's limits and parameters
** ('shown' names the recipe folder in messages).  '*x' is set even on
** failure (NULL when no state was made): the caller closes it.
*/
static int loadstate(cw_run *r, const char *shown, cw_lua **x, cw_node **tree,
                     cw_err *err)
{
    cw_buf luadir = {0};
    int rc = CW_OK;

    *x = NULL;
    *tree = NULL;
    if (cw__buf_printf(&luadir, "%s/lua", r->home) != CW_OK)
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
    if (rc == CW_OK)
        rc = cw__lua_open(&r->limits, luadir.p, x, err);
    if (rc == CW_OK && r->recipedir != NULL)
        rc = cw__lua_recipedir(*x, r->recipedir, shown, err);
    cw__buf_free(&luadir);
    if (rc == CW_OK)
        rc = cw__lua_loadfile(*x, r->recipefile, (const char *const *)r->params,
                              r->nparams / 2, tree, err);
    return rc;
}

int cw__run_workerstate(void *ud, cw_lua **x, cw_node **tree, cw_err *err)
{
    cw_run *r = ud;

    return loadstate(r, cw__lua_recipeshown(r->lua), x, tree, err);
}

int cw_run_load(cw_run *r, const char *path)
{
    static const char *const keys[] = {"name",   "description", "params",
                                       "inputs", "steps",       "outputs",
                                       "ledger", NULL};
    cw_recipeloc loc;
    const cw_node *outs;
    int rc;

    if (r->loaded || r->recipe != NULL)
        return cw__fail(&r->err, CW_EUSAGE, "a run loads one recipe");
    if (r->home == NULL && (rc = setstr(r, &r->home, cw__home())) != CW_OK)
        return rc;
    if ((rc = setstr(r, &r->recipe, path)) != CW_OK)
        return rc;
    /* A file, a recipe folder, or a name in the home (home.c). */
    rc = cw__recipe_find(r->home, path, &loc, &r->err);
    if (rc == CW_OK)
        rc = setstr(r, &r->recipefile, loc.file.p);
    if (rc == CW_OK && loc.folder.p != NULL)
        rc = setstr(r, &r->recipedir, loc.folder.p);
    if (rc == CW_OK)
        rc = loadstate(r, loc.shown.p, &r->lua, &r->tree, &r->err);
    cw__recipeloc_free(&loc);
    if (rc != CW_OK)
        return rc;
    if ((rc = onlykeys(r, r->tree, "recipe", keys)) != CW_OK ||
        (rc = check_params(r, cw__node_get(r->tree, "params"))) != CW_OK)
        return rc;
    if (cw__layout_new(&r->layout) != CW_OK)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    if ((rc = load_inputs(r, cw__node_get(r->tree, "inputs"))) != CW_OK)
        return rc;
    rc = cw__plan_compile(cw__node_get(r->tree, "steps"), r->recipe, r->layout,
                          r->lua, 0, &r->plan, &r->err);
    if (rc != CW_OK)
        return rc;
    for (size_t i = 0; i < cw__plan_ninputs(r->plan); i++) {
        const char *name = cw__plan_input(r->plan, i);
        size_t k;

        for (k = 0; k < r->nin; k++)
            if (strcmp(r->in[k].name, name) == 0)
                break;
        if (k == r->nin)
            return recipe_error(r, "a lookup reads an undeclared input", name);
        if (r->in[k].main)
            return recipe_error(r, "a lookup cannot read the main input", name);
    }
    outs = cw__node_get(r->tree, "outputs");
    if (outs == NULL || outs->type != CW_NODE_TABLE || outs->nkeys == 0)
        return recipe_error(r, "'outputs' must name at least one output", NULL);
    r->out = cw__alloc(outs->nkeys * sizeof *r->out);
    if (r->out == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < outs->nkeys; i++) {
        r->out[i] = (output){0};
        r->nout = i + 1;
        rc = load_output(r, &r->out[i], outs->keys[i], outs->vals[i]);
        if (rc != CW_OK)
            return rc;
    }
    if ((rc = cw__run_check_names(r, 0)) != CW_OK ||
        (rc = cw__lrun_decl(r)) != CW_OK)
        return rc;
    r->loaded = 1;
    return CW_OK;
}

/* Find the input called 'name' (NULL: the main input), not bound yet, to
** bind it to a path or a reader. */
static int bindable_input(cw_run *r, const char *name, input **out)
{
    cw_buf valid = {0};
    int rc;

    if (!r->loaded)
        return cw__fail(&r->err, CW_EUSAGE, "load the recipe first");
    for (size_t i = 0; i < r->nin; i++) {
        input *in = &r->in[i];

        if ((name == NULL && in->main) ||
            (name != NULL && strcmp(in->name, name) == 0)) {
            if (in->path != NULL)
                return cw__fail(&r->err, CW_EUSAGE, "input '%s' is given twice",
                                in->name);
            *out = in;
            return CW_OK;
        }
    }
    for (size_t i = 0; i < r->nin; i++)
        cw__buf_printf(&valid, "%s%s", i ? ", " : "", r->in[i].name);
    rc = cw__fail(&r->err, CW_EUSAGE,
                  "the recipe has no input '%s' (its inputs: %s)", name,
                  valid.p ? valid.p : "");
    cw__buf_free(&valid);
    return rc;
}

static int settle(cw_run *r, input *in);

int cw_run_input(cw_run *r, const char *name, const char *path)
{
    input *in;
    int rc;

    if ((rc = bindable_input(r, name, &in)) != CW_OK ||
        (rc = setstr(r, &in->path, path)) != CW_OK)
        return rc;
    in->spec = (cw_inputspec){in->path, NULL, NULL, &in->use};
    return settle(r, in);
}

int cw_run_input_reader(cw_run *r, const char *name, cw_read_fn fn, void *ud)
{
    size_t nread = 0;
    cw_buf shown = {0};
    input *in;
    int rc;

    if ((rc = bindable_input(r, name, &in)) != CW_OK)
        return rc;
    if (fn == NULL)
        return cw__fail(&r->err, CW_EUSAGE, "input '%s': no reader function",
                        in->name);
    /* A reader is read once: by the main loop or by one lookup step. */
    for (size_t i = 0; i < cw__plan_ninputs(r->plan); i++)
        nread += strcmp(cw__plan_input(r->plan, i), in->name) == 0;
    if (nread > 1)
        return cw__fail(&r->err, CW_EUSAGE,
                        "input '%s' is read by %zu lookup steps: a reader can "
                        "feed only one (give a path)",
                        in->name, nread);
    if (cw__buf_printf(&shown, "<reader:%s>", in->name) != CW_OK)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    in->path = shown.p;
    in->spec = (cw_inputspec){in->path, fn, ud, &in->use};
    return settle(r, in);
}

/* Copy the set fields of 'from' over 'to'. */
static void overlay(cw_dialect *to, const cw_dialect *from)
{
    if (from->delimiter != 0)
        to->delimiter = from->delimiter;
    if (from->quote != 0)
        to->quote = from->quote;
    if (from->encoding != NULL)
        to->encoding = from->encoding;
    if (from->stray_quotes != 0)
        to->stray_quotes = from->stray_quotes;
}

/*
** Merge the dialect input 'in' is read in: the recipe's, then the one
** given for every CSV input (not for a database input), then the one
** given for it.  CW_OK, or CW_EUSAGE when the merge cannot work.
*/
static int settle(cw_run *r, input *in)
{
    cw_err e;

    in->use = in->decl;
    if (in->path == NULL || in->spec.read != NULL || cw__input_iscsv(in->path))
        overlay(&in->use, &r->dialect_all);
    overlay(&in->use, &in->set);
    if (cw__dialect_check(&in->use, &e) != CW_OK)
        return cw__fail(&r->err, CW_EUSAGE, "input '%s': %s", in->name, e.msg);
    return CW_OK;
}

int cw_run_input_dialect(cw_run *r, const char *name, const cw_dialect *d)
{
    cw_dialect *to = &r->dialect_all, was;
    char **enc = &r->enc_all, *old, *copy = NULL;
    int rc = CW_OK;

    if (!r->loaded)
        return cw__fail(&r->err, CW_EUSAGE, "load the recipe first");
    if (d == NULL)
        return CW_OK;
    if (name != NULL) {
        size_t i;

        for (i = 0; i < r->nin && strcmp(r->in[i].name, name) != 0; i++)
            ;
        if (i == r->nin)
            return bindable_input(r, name, &(input *){NULL});
        to = &r->in[i].set;
        enc = &r->in[i].enc_set;
    }
    if (d->encoding != NULL && (copy = cw__strdup(d->encoding)) == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    was = *to;
    old = *enc;
    overlay(to, d);
    if (copy != NULL)
        to->encoding = *enc = copy;
    for (size_t i = 0; i < r->nin && rc == CW_OK; i++)
        if (name == NULL || strcmp(r->in[i].name, name) == 0)
            rc = settle(r, &r->in[i]);
    if (rc != CW_OK) { /* as it was */
        *to = was;
        *enc = old;
        cw__free(copy);
        for (size_t i = 0; i < r->nin; i++)
            settle(r, &r->in[i]);
        return rc;
    }
    if (copy != NULL)
        cw__free(old);
    return CW_OK;
}

int cw_run_output_callback(cw_run *r, const char *name, cw_row_fn fn, void *ud)
{
    cw_buf valid = {0};
    int rc;

    if (!r->loaded)
        return cw__fail(&r->err, CW_EUSAGE, "load the recipe first");
    for (size_t k = 0; k < r->nout; k++) {
        output *o = &r->out[k];

        if (name == NULL || strcmp(o->name, name) != 0)
            continue;
        if (fn == NULL)
            return cw__fail(&r->err, CW_EUSAGE,
                            "outputs.%s: no row callback function", o->name);
        if (o->rowfn != NULL)
            return cw__fail(&r->err, CW_EUSAGE,
                            "outputs.%s is given a callback twice", o->name);
        o->rowfn = fn;
        o->rowud = ud;
        return CW_OK;
    }
    for (size_t k = 0; k < r->nout; k++)
        cw__buf_printf(&valid, "%s%s", k ? ", " : "", r->out[k].name);
    rc = cw__fail(&r->err, CW_EUSAGE,
                  "the recipe has no output '%s' (its outputs: %s)",
                  name ? name : "(null)", valid.p ? valid.p : "");
    cw__buf_free(&valid);
    return rc;
}

size_t cw_run_ninputs(const cw_run *r)
{
    return r->nin;
}

const char *cw_run_input_name(const cw_run *r, size_t i, int *ismain)
{
    if (i >= r->nin)
        return NULL;
    if (ismain != NULL)
        *ismain = r->in[i].main;
    return r->in[i].name;
}
