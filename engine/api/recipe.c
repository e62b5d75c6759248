/*
** recipe.c -- configuring a recipe run and loading its recipe: the
** setters, the declared parameters, inputs and outputs, and freeing a run.
*/
#include "api/runint.h"

#include "api/home.h"

#include "core/check.h"

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
    if (r->src_open)
        cw__input_close(&r->src);
    cw__writer_close(r->rej);
    for (size_t i = 0; i < r->nin; i++) {
        cw__free(r->in[i].name);
        cw__free(r->in[i].schema_name);
        cw__schema_free(r->in[i].schema);
        cw__free(r->in[i].path);
    }
    cw__free(r->in);
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

static int load_inputs(cw_run *r, const cw_node *ins)
{
    static const char *const keys[] = {"schema", "main", "doc", NULL};
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
        m = cw__node_get(d, "main");
        in->main = m != NULL && m->type == CW_NODE_BOOL && m->b;
        nmain += in->main;
        sname = cw__node_str(d, "schema", NULL);
        if (sname != NULL) {
            if ((in->schema_name = cw__strdup(sname)) == NULL)
                return cw__fail(&r->err, CW_ENOMEM, "out of memory");
            rc = cw__schema_load(r->home, sname, &in->schema, &r->err);
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

/* Fill 'o' from the output declaration 'd'. */
static int load_output(cw_run *r, output *o, const char *name, const cw_node *d)
{
    static const char *const keys[] = {"path",    "table",  "mode",  "schema",
                                       "columns", "format", "split", "formulas",
                                       "doc",     NULL};
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
    if ((o->name = cw__strdup(name)) == NULL)
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
    sname = cw__node_str(d, "schema", NULL);
    if (sname != NULL) {
        if ((o->schema_name = cw__strdup(sname)) == NULL)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
        if ((rc = cw__schema_load(r->home, sname, &o->schema, &r->err)) !=
            CW_OK)
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
                return cw__fail(&r->err, CW_EUSAGE,
                                "%s: %s: column '%s' is not in schema %s",
                                r->recipe, where, c, o->schema_name);
            o->spec[i] = s >= 0 ? &o->schema->cols[s] : NULL;
        }
    }
    /* Splitting: the schema's limits, then the recipe's. */
    if (o->schema != NULL) {
        if (o->schema->max_bytes > 0)
            o->opts.max_bytes = o->schema->max_bytes - 1;
        if (o->schema->distinct_col != NULL) {
            for (size_t i = 0; i < o->ncols; i++)
                if (strcmp(o->cols[i], o->schema->distinct_col) == 0) {
                    o->opts.split_col = (long)i;
                    o->opts.max_distinct = o->schema->distinct_max;
                }
        }
    }
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
            o->opts.split_col = (long)i;
            if (o->opts.max_distinct == 0 ||
                (size_t)mx->num < o->opts.max_distinct)
                o->opts.max_distinct = (size_t)mx->num;
        }
    }
    return CW_OK;
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

int cw_run_load(cw_run *r, const char *path)
{
    static const char *const keys[] = {
        "name", "description", "params", "inputs", "steps", "outputs", NULL};
    cw_buf luadir = {0};
    const cw_node *outs;
    int rc;

    if (r->loaded || r->recipe != NULL)
        return cw__fail(&r->err, CW_EUSAGE, "a run loads one recipe");
    if (r->home == NULL && (rc = setstr(r, &r->home, cw__home())) != CW_OK)
        return rc;
    if ((rc = setstr(r, &r->recipe, path)) != CW_OK)
        return rc;
    if (cw__buf_printf(&luadir, "%s/lua", r->home) != CW_OK)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    rc = cw__lua_open(&r->limits, luadir.p, &r->lua, &r->err);
    cw__buf_free(&luadir);
    if (rc != CW_OK)
        return rc;
    rc = cw__lua_loadfile(r->lua, path, (const char *const *)r->params,
                          r->nparams / 2, &r->tree, &r->err);
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
    if ((rc = cw__run_check_names(r, 0)) != CW_OK)
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

int cw_run_input(cw_run *r, const char *name, const char *path)
{
    input *in;
    int rc;

    if ((rc = bindable_input(r, name, &in)) != CW_OK ||
        (rc = setstr(r, &in->path, path)) != CW_OK)
        return rc;
    in->spec = (cw_inputspec){in->path, NULL, NULL};
    return CW_OK;
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
    in->spec = (cw_inputspec){in->path, fn, ud};
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

size_t cw_run_noutputs(const cw_run *r)
{
    return r->nout;
}

const char *cw_run_output_name(const cw_run *r, size_t i, const char **path)
{
    if (i >= r->nout)
        return NULL;
    if (path != NULL)
        *path = r->out[i].path;
    return r->out[i].name;
}
