/*
** run.c -- one recipe run: loads the recipe, binds inputs and
** outputs, streams the main input through the plan into the outputs and
** the rejects file, keeps the accounting and commits all or nothing.
*/
#include "crosswalk.h"

#include "core/check.h"
#include "csv/csvwrite.h"
#include "io/sink.h"
#include "io/source.h"
#include "lua/luabridge.h"
#include "steps/plan.h"
#include "values/schema.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* An input the recipe declares. */
typedef struct input {
    char *name;        /* as in the recipe */
    char *schema_name; /* "impactive/messages", or NULL */
    cw_schema *schema; /* loaded schema, or NULL */
    char *path;        /* bound path, or NULL */
    int main;          /* 1 for the streamed input */
} input;

/* An output the recipe declares. */
typedef struct output {
    char *name;              /* as in the recipe */
    char *path;              /* file name, relative to the output directory */
    char *table;             /* or a database table */
    enum cw_sinkmode mode;   /* how the table is written */
    cw_output db;            /* the open database sink */
    char *schema_name;       /* or NULL */
    cw_schema *schema;       /* loaded schema, or NULL */
    char **cols;             /* output column names */
    size_t ncols;            /* count of 'cols' */
    size_t *idx;             /* their layout indexes */
    const cw_colspec **spec; /* their schema columns, or NULL each */
    cw_field *vals;          /* values of the row being written */
    cw_buf *scratch;         /* per-column conversion space */
    cw_outopts opts;         /* format and splitting */
    cw_out *out;             /* the open writer */
    char **efforts;          /* distinct-column spellings seen (for warnings) */
    size_t nefforts;         /* count of 'efforts' */
} output;

struct cw_run {
    cw_err err;                 /* last error */
    char **params;              /* k0, v0, k1, v1, ... */
    size_t nparams;             /* pairs * 2 */
    char *home;                 /* directory with schemas/ and lua/ */
    cw_lua_limits limits;       /* sandbox limits */
    char *recipe;               /* recipe path */
    cw_lua *lua;                /* recipe's state */
    cw_node *tree;              /* the recipe table */
    cw_layout *layout;          /* column names of the run */
    cw_plan *plan;              /* compiled steps */
    input *in;                  /* declared inputs */
    size_t nin;                 /* count of 'in' */
    output *out;                /* declared outputs */
    size_t nout;                /* count of 'out' */
    char *outdir;               /* output directory */
    char *database;             /* target of table outputs */
    char *rejects;              /* rejects path (explicit or default) */
    int dryrun;                 /* commit nothing */
    cw_problem_fn onproblem;    /* problem callback */
    void *onproblem_ud;         /* its argument */
    volatile sig_atomic_t stop; /* set by cw_run_interrupt() */
    int loaded;                 /* cw_run_load() succeeded */
    int executed;               /* cw_run_exec() was called */
    /* during exec */
    input *main;      /* the streamed input */
    cw_input src;     /* its source */
    char *mainname;   /* its name in messages (no connection string) */
    int src_open;     /* 'src' holds an open source */
    char **rejcols;   /* header of the rejects file */
    size_t nrejcols;  /* count of 'rejcols' */
    size_t norig;     /* width of original rows */
    cw_out *rej;      /* rejects writer, opened on first reject */
    cw_field *rejrow; /* reject row being written */
    cw_buf rejline;   /* "_line" text */
    cw_buf msg;       /* message scratch */
    cw_buf checkbuf;  /* conversions while checking input values */
    /* accounting */
    cw_summary sum;               /* the counters */
    char stopped_at[300];         /* where an abort happened */
    char **parts;                 /* committed (or planned) output files */
    unsigned long long *partrows; /* their rows */
    size_t nparts;                /* count of 'parts' */
};

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
    return setstr(r, &r->home, dir);
}

int cw_run_limits(cw_run *r, unsigned long long instructions, size_t memory)
{
    r->limits.instructions = instructions;
    r->limits.memory = memory;
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

void cw_run_on_problem(cw_run *r, cw_problem_fn fn, void *ud)
{
    r->onproblem = fn;
    r->onproblem_ud = ud;
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
    cw__out_close(o->out);
    cw__output_close(&o->db);
    cw__free(o->table);
    freestrs(o->efforts, o->nefforts);
}

void cw_run_close(cw_run *r)
{
    if (r == NULL)
        return;
    if (r->src_open)
        cw__input_close(&r->src);
    cw__out_close(r->rej);
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

/* Fill 'o' from the output declaration 'd'. */
static int load_output(cw_run *r, output *o, const char *name, const cw_node *d)
{
    static const char *const keys[] = {"path",   "table",   "mode",
                                       "schema", "columns", "format",
                                       "split",  "doc",     NULL};
    const char *path, *table, *sname, *fmt, *mode;
    const cw_node *cols, *split;
    char where[200];
    int rc;

    snprintf(where, sizeof where, "outputs.%s", name);
    if (d->type != CW_NODE_TABLE)
        return recipe_error(r, "an output is a table, see", where);
    if ((rc = onlykeys(r, d, where, keys)) != CW_OK)
        return rc;
    cw__outopts_default(&o->opts);
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
    if (r->home == NULL)
        return cw__fail(&r->err, CW_EUSAGE, "no home directory set");
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
    r->loaded = 1;
    return CW_OK;
}

int cw_run_input(cw_run *r, const char *name, const char *path)
{
    if (!r->loaded)
        return cw__fail(&r->err, CW_EUSAGE, "load the recipe first");
    for (size_t i = 0; i < r->nin; i++) {
        input *in = &r->in[i];

        if ((name == NULL && in->main) ||
            (name != NULL && strcmp(in->name, name) == 0)) {
            if (in->path != NULL)
                return cw__fail(&r->err, CW_EUSAGE, "input '%s' is given twice",
                                in->name);
            return setstr(r, &in->path, path);
        }
    }
    {
        cw_buf valid = {0};
        int rc;

        for (size_t i = 0; i < r->nin; i++)
            cw__buf_printf(&valid, "%s%s", i ? ", " : "", r->in[i].name);
        rc = cw__fail(&r->err, CW_EUSAGE,
                      "the recipe has no input '%s' (its inputs: %s)", name,
                      valid.p ? valid.p : "");
        cw__buf_free(&valid);
        return rc;
    }
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

/* ==== Running ==== */

/* Call the main source's function 'fn' on its handle. */
#define SRC(r, fn) ((r)->src.type->fn((r)->src.s))

static void problem(cw_run *r, const char *file, unsigned long line,
                    unsigned long col, const char *column, const char *code,
                    const char *message, int warning)
{
    cw_problem p = {file, line, col, column, code, message, warning};

    if (warning)
        r->sum.warnings++;
    if (r->onproblem != NULL)
        r->onproblem(r->onproblem_ud, &p);
}

static const char *inputpath(void *ud, const char *name)
{
    cw_run *r = ud;

    for (size_t i = 0; i < r->nin; i++)
        if (strcmp(r->in[i].name, name) == 0)
            return r->in[i].path;
    return NULL;
}

/* Join the output directory and a file name into 'b'. */
static int joinpath(cw_buf *b, const char *dir, const char *name)
{
    b->len = 0;
    return cw__buf_printf(b, "%s/%s", dir, name);
}

static int open_rejects(cw_run *r)
{
    cw_buf path = {0};
    int rc;

    if (r->rejects == NULL) {
        if (joinpath(&path, r->outdir, "rejects.csv") != CW_OK)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
        r->rejects = path.p;
    }
    rc = cw__out_open(r->rejects, (const char *const *)r->rejcols, r->nrejcols,
                      NULL, &r->rej, &r->err);
    return rc;
}

/* Write one record to the rejects file and count it. */
static int reject_cb(void *ud, cw_rec *rec, const cw_field *orig,
                     const char *column, const char *code, const char *msg)
{
    cw_run *r = ud;
    size_t n = r->norig;
    unsigned long col = 0; /* the column's number, when it is an input's */
    int rc;

    for (size_t i = 0; column != NULL && i < n; i++)
        if (strcmp(r->rejcols[i], column) == 0) {
            col = i + 1;
            break;
        }
    r->sum.rejected++;
    problem(r, rec->file, rec->line, col, column, code, msg, 0);
    if (r->rej == NULL && (rc = open_rejects(r)) != CW_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        r->rejrow[i] = orig[i];
    r->rejline.len = 0;
    if (cw__buf_printf(&r->rejline, "%lu", rec->line) != CW_OK)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    r->rejrow[n] = (cw_field){rec->file, strlen(rec->file)};
    r->rejrow[n + 1] = (cw_field){r->rejline.p, r->rejline.len};
    r->rejrow[n + 2] =
        (cw_field){column ? column : "", column ? strlen(column) : 0};
    r->rejrow[n + 3] = (cw_field){code, strlen(code)};
    r->rejrow[n + 4] = (cw_field){msg, strlen(msg)};
    rc = cw__out_write(r->rej, r->rejrow);
    if (rc != CW_OK)
        cw__fail(&r->err, rc, "%s", cw__out_errmsg(r->rej));
    return rc;
}

static void filtered_cb(void *ud)
{
    ((cw_run *)ud)->sum.filtered++;
}

static void merged_cb(void *ud)
{
    ((cw_run *)ud)->sum.merged++;
}

/* Warn when a distinct-capped value (an Effort Name) is spelled two ways
** that differ only in case or spacing. */
static int effort_spelling(cw_run *r, output *o, cw_rec *rec, cw_field v)
{
    char msg[2 * CW_EFFORT_MAX + 100];
    char **e;
    size_t cap = o->nefforts;

    if (v.p == NULL || v.len >= CW_EFFORT_MAX || o->nefforts > 1000)
        return CW_OK;
    if (cw__effort_seen(o->efforts, o->nefforts, v.p, v.len, msg, sizeof msg))
        return CW_OK;
    if (msg[0] != '\0')
        problem(r, rec->file, rec->line, 0, o->cols[o->opts.split_col],
                "W_EFFORT_SPELLING", msg, 1);
    e = cw__grow(o->efforts, &cap, o->nefforts + 1, sizeof *e);
    if (e == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    o->efforts = e;
    if ((e[o->nefforts] = cw__strndup(v.p, v.len)) == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    o->nefforts++;
    return CW_OK;
}

/* A record passed every step: check it against each output's schema,
** then write it to every output. */
static int emit_cb(void *ud, cw_rec *rec, const cw_field *orig)
{
    cw_run *r = ud;
    cw_verdict v;

    for (size_t k = 0; k < r->nout; k++) {
        output *o = &r->out[k];

        for (size_t i = 0; i < o->ncols; i++) {
            cw_field f = cw__rec_get(rec, o->idx[i]);
            const cw_colspec *c = o->spec[i];

            if (c != NULL) {
                cw_colspec strict = *c;

                /* Organizer: a value in every row of every column. */
                if (o->schema->organizer)
                    strict.nonblank = 1;
                if (cw__schema_check(&strict, f.p, f.len, &o->scratch[i], &f.p,
                                     &f.len, &v) != 0)
                    return reject_cb(r, rec, orig, o->cols[i], v.code, v.msg);
            }
            o->vals[i] = f;
        }
    }
    for (size_t k = 0; k < r->nout; k++) {
        output *o = &r->out[k];
        int rc;

        if (o->opts.split_col >= 0 &&
            (rc = effort_spelling(r, o, rec, o->vals[o->opts.split_col])) !=
                CW_OK)
            return rc;
        if (o->table != NULL) {
            rc = o->db.type->write(o->db.s, o->vals, rec->file, rec->line);
            if (rc != CW_OK)
                return cw__fail(&r->err, rc, "%s", o->db.type->errmsg(o->db.s));
            continue;
        }
        rc = cw__out_write(o->out, o->vals);
        if (rc != CW_OK)
            return cw__fail(&r->err, rc, "%s", cw__out_errmsg(o->out));
    }
    r->sum.written++;
    return CW_OK;
}

/* Read the main input's header, map it through the input schema, and
** prepare the rejects header. */
static int open_main(cw_run *r, size_t **hidx)
{
    input *in = r->main;
    size_t n;
    int rc;

    /* A database input is named by its kind and query: the connection
    ** string may hold a password and must not reach messages or files. */
    if (strncmp(in->path, "postgres:", 9) == 0) {
        const char *hash = strchr(in->path, '#');
        cw_buf b = {0};

        if (cw__buf_printf(&b, "postgres:%s", hash ? hash : "") != CW_OK)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
        r->mainname = b.p;
    } else {
        r->mainname = cw__strdup(in->path);
    }
    if (r->mainname == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    rc = cw__input_open(in->path, &r->src, &r->err);
    if (rc != CW_OK)
        return rc;
    r->src_open = 1;
    n = SRC(r, ncols);
    r->norig = n;
    *hidx = cw__alloc(n * sizeof **hidx);
    r->rejcols = cw__alloc((n + 5) * sizeof *r->rejcols);
    r->rejrow = cw__alloc((n + 5) * sizeof *r->rejrow);
    if (*hidx == NULL || r->rejcols == NULL || r->rejrow == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < n + 5; i++)
        r->rejcols[i] = NULL;
    r->nrejcols = n + 5;
    for (size_t i = 0; i < n; i++) {
        const char *name = r->src.type->colname(r->src.s, i);
        long s = -1;

        if ((r->rejcols[i] = cw__strdup(name)) == NULL)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
        if (in->schema != NULL)
            s = cw__schema_find(in->schema, name, strlen(name));
        if (s >= 0)
            name = in->schema->cols[s].name; /* canonical spelling */
        if (cw__layout_intern(r->layout, name, strlen(name), &(*hidx)[i]) !=
            CW_OK)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    }
    {
        static const char *const meta[] = {"_file", "_line", "_column", "_code",
                                           "_message"};

        for (size_t i = 0; i < 5; i++)
            if ((r->rejcols[n + i] = cw__strdup(meta[i])) == NULL)
                return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    }
    if (in->schema != NULL) {
        cw_buf missing = {0};

        for (size_t c = 0; c < in->schema->ncols; c++) {
            const char *cn = in->schema->cols[c].name;

            if (in->schema->cols[c].required &&
                cw__layout_find(r->layout, cn, strlen(cn)) < 0)
                continue; /* not even interned: surely missing */
            if (in->schema->cols[c].required) {
                size_t i;

                for (i = 0; i < n; i++)
                    if ((*hidx)[i] ==
                        (size_t)cw__layout_find(r->layout, cn, strlen(cn)))
                        break;
                if (i == n)
                    cw__buf_printf(&missing, "%s'%s'", missing.len ? ", " : "",
                                   cn);
            }
        }
        for (size_t c = 0; c < in->schema->ncols; c++) {
            const char *cn = in->schema->cols[c].name;

            if (in->schema->cols[c].required &&
                cw__layout_find(r->layout, cn, strlen(cn)) < 0)
                cw__buf_printf(&missing, "%s'%s'", missing.len ? ", " : "", cn);
        }
        if (missing.len > 0) {
            rc = cw__fail(&r->err, CW_EINVALID,
                          "%s:1: missing required column(s) %s of schema %s",
                          in->path, missing.p, in->schema_name);
            cw__buf_free(&missing);
            return rc;
        }
    }
    return CW_OK;
}

/* Check the fields of a row against the main input's schema.  Returns 0,
** or -1 after rejecting the record. */
static int check_input(cw_run *r, cw_rec *rec, const cw_field *orig,
                       const long *spec, size_t n, int *rc)
{
    for (size_t i = 0; i < n; i++) {
        const cw_colspec *c;
        const char *res;
        size_t reslen;
        cw_verdict v;

        if (spec[i] < 0)
            continue;
        c = &r->main->schema->cols[spec[i]];
        if (c->type == CW_T_TEXT && !c->required && !c->nonblank &&
            c->max_length < 0 && c->nrules == 0)
            continue;
        if (cw__schema_check(c, orig[i].p, orig[i].len, &r->checkbuf, &res,
                             &reslen, &v) != 0) {
            *rc = reject_cb(r, rec, orig, c->name, v.code, v.msg);
            return -1;
        }
    }
    return 0;
}

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
static void close_outputs(cw_run *r)
{
    for (size_t k = 0; k < r->nout; k++) {
        cw__out_close(r->out[k].out);
        r->out[k].out = NULL;
        cw__output_close(&r->out[k].db);
    }
    cw__out_close(r->rej);
    r->rej = NULL;
}

/*
** Commit every output and the rejects file (or, in a dry run, only note
** the names they would have).  What is committed is listed as a part,
** even when a later commit fails: the summary must not claim that nothing
** was committed when some of it was.
*/
static int commit(cw_run *r)
{
    size_t failed = r->nout, n;
    int rc = CW_OK;

    /* Files first get all that can fail (space, fsync, a directory in the
    ** way) behind them; then the database transactions; then the files
    ** are renamed, which leaves little to fail after a commit. */
    for (size_t k = 0; k < r->nout; k++) {
        cw_out *o = r->out[k].out;

        if (r->out[k].table == NULL && (rc = cw__out_prepare(o)) != CW_OK)
            return cw__fail(&r->err, rc, "%s", cw__out_errmsg(o));
    }
    if (r->rej != NULL && (rc = cw__out_prepare(r->rej)) != CW_OK)
        return cw__fail(&r->err, rc, "%s", cw__out_errmsg(r->rej));
    for (size_t k = 0; k < r->nout && rc == CW_OK; k++) {
        output *o = &r->out[k];

        if (o->table != NULL && !r->dryrun &&
            (rc = o->db.type->commit(o->db.s)) != CW_OK)
            failed = k;
    }
    /* A sink sharing a transaction is in only once the last one of the
    ** transaction has committed it: ask each. */
    for (size_t k = 0; k < r->nout; k++) {
        output *o = &r->out[k];
        char name[300];
        int in;

        if (o->table == NULL)
            continue;
        in = r->dryrun ? 1 : o->db.type->committed(o->db.s);
        if (in < 0)
            r->sum.commit_unknown = 1;
        if (in <= 0)
            continue;
        snprintf(name, sizeof name, "%s table %s", o->db.type->name, o->table);
        if (record_part(r, name, o->db.type->rows(o->db.s)) != CW_OK &&
            rc == CW_OK)
            return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    }
    if (rc != CW_OK) {
        output *o = &r->out[failed];

        return cw__fail(&r->err, rc, "%s", o->db.type->errmsg(o->db.s));
    }
    for (size_t k = 0; k < r->nout; k++) {
        cw_out *o = r->out[k].out;

        if (r->out[k].table != NULL)
            continue;
        rc = r->dryrun ? CW_OK : cw__out_commit(o);
        /* After a failed rename, the parts renamed before it are in. */
        n = rc == CW_OK ? cw__out_nparts(o) : cw__out_nrenamed(o);
        for (size_t i = 0; i < n; i++) {
            unsigned long long rows;
            const char *path = cw__out_part(o, i, &rows);

            if (record_part(r, path, rows) != CW_OK && rc == CW_OK)
                return cw__fail(&r->err, CW_ENOMEM, "out of memory");
        }
        if (rc != CW_OK)
            return cw__fail(&r->err, rc, "%s", cw__out_errmsg(o));
    }
    if (r->rej != NULL && !r->dryrun) {
        rc = cw__out_commit(r->rej);
        if (rc != CW_OK)
            return cw__fail(&r->err, rc, "%s", cw__out_errmsg(r->rej));
    }
    if (r->dryrun)
        close_outputs(r); /* nothing is committed: the temp files go */
    return CW_OK;
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
    rc = cw__output_open(r->database ? r->database : scratch->p, o->table, cols,
                         o->ncols, o->mode, &o->db, &r->err);
    cw__free(cols);
    return rc;
}

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

static int prepare(cw_run *r, size_t **hidx, long **spec)
{
    struct stat st;
    cw_buf path = {0};
    int rc;

    for (size_t i = 0; i < r->nin; i++)
        if (r->in[i].path == NULL)
            return cw__fail(&r->err, CW_EUSAGE,
                            "input '%s' is not given (use --input %s%s=%sPATH)",
                            r->in[i].name, r->in[i].main ? "[" : "",
                            r->in[i].name, r->in[i].main ? "]" : "");
    if (r->outdir == NULL)
        return cw__fail(&r->err, CW_EUSAGE, "no output directory given");
    if (stat(r->outdir, &st) != 0 && mkdirs(r->outdir) != 0)
        return cw__fail(&r->err, CW_EIO, "%s: %s", r->outdir, strerror(errno));
    if (stat(r->outdir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cw__fail(&r->err, CW_EIO, "%s: not a directory", r->outdir);
    if ((rc = cw__plan_bind(r->plan, inputpath, r, &r->err)) != CW_OK)
        return rc;
    if ((rc = open_main(r, hidx)) != CW_OK)
        return rc;
    cw__plan_setwidth(r->plan, r->norig);
    *spec = cw__alloc((r->norig ? r->norig : 1) * sizeof **spec);
    if (*spec == NULL)
        return cw__fail(&r->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->norig; i++) {
        const char *name = r->src.type->colname(r->src.s, i);

        (*spec)[i] = r->main->schema == NULL
                         ? -1
                         : cw__schema_find(r->main->schema, name, strlen(name));
    }
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
        rc = cw__out_open(path.p, (const char *const *)o->cols, o->ncols,
                          &o->opts, &o->out, &r->err);
        if (rc != CW_OK) {
            cw__buf_free(&path);
            return rc;
        }
    }
    cw__buf_free(&path);
    return CW_OK;
}

int cw_run_exec(cw_run *r)
{
    cw_plan_cb cb = {r, emit_cb, reject_cb, filtered_cb, merged_cb};
    unsigned long stopline = 0;
    size_t *hidx = NULL;
    long *spec = NULL;
    cw_field *orig = NULL;
    cw_rec rec;
    int rc;

    if (!r->loaded || r->executed)
        return cw__fail(&r->err, CW_EUSAGE,
                        r->executed ? "a run executes once"
                                    : "load the recipe first");
    r->executed = 1;
    cw__rec_init(&rec, r->layout);
    rc = prepare(r, &hidx, &spec);
    if (rc != CW_OK)
        goto done;
    orig = cw__alloc((r->norig ? r->norig : 1) * sizeof *orig);
    if (orig == NULL) {
        rc = cw__fail(&r->err, CW_ENOMEM, "out of memory");
        goto done;
    }
    for (;;) {
        int st;
        size_t nf;

        if (r->stop) {
            rc = cw__fail(&r->err, CW_EINTR, "interrupted");
            break;
        }
        st = r->src.type->next(r->src.s);
        if (st == CW_DONE)
            break;
        if (st != CW_ROW && st != CW_EINVALID) {
            /* A read cut short by SIGINT is an interruption. */
            rc = cw__fail(&r->err, r->stop ? CW_EINTR : st, "%s",
                          r->stop ? "interrupted" : SRC(r, errmsg));
            stopline =
                r->src.type->errline != NULL ? SRC(r, errline) : SRC(r, line);
            break;
        }
        r->sum.read++;
        cw__rec_clear(&rec);
        if (cw__rec_fit(&rec) != CW_OK) {
            rc = cw__fail(&r->err, CW_ENOMEM, "out of memory");
            break;
        }
        rec.file = r->mainname;
        rec.line = SRC(r, line);
        rec.rownum = r->sum.read;
        nf = SRC(r, nfields);
        for (size_t i = 0; i < r->norig; i++) {
            orig[i].p =
                i < nf ? r->src.type->field(r->src.s, i, &orig[i].len) : NULL;
            if (i >= nf)
                orig[i].len = 0;
            cw__rec_setview(&rec, hidx[i], orig[i].p, orig[i].len);
        }
        if (st == CW_EINVALID) {
            unsigned long col = SRC(r, errcol);
            const char *msg = cw__input_errmsg(&r->src, r->norig, &r->msg);

            if (msg == NULL) {
                rc = cw__fail(&r->err, CW_ENOMEM, "out of memory");
                break;
            }
            rc = reject_cb(r, &rec, orig,
                           col > 0 && col <= r->norig ? r->rejcols[col - 1]
                                                      : NULL,
                           SRC(r, code), msg);
        } else if (r->main->schema == NULL ||
                   check_input(r, &rec, orig, spec, r->norig, &rc) == 0) {
            rc = cw__plan_push(r->plan, &rec, orig, &cb, &r->err);
        }
        if (rc != CW_OK)
            break;
    }
    if (rc == CW_OK)
        rc = cw__plan_finish(r->plan, &rec, &cb, &r->err);
    if (rc == CW_OK && r->stop)
        rc = cw__fail(&r->err, CW_EINTR, "interrupted");
    if (rc == CW_OK) {
        cw_summary *s = &r->sum;

        if (s->read != s->written + s->rejected + s->filtered + s->merged)
            rc = cw__fail(&r->err, CW_EUSAGE,
                          "internal error: accounting does not add up");
    }
    if (rc == CW_OK)
        rc = commit(r);
done:
    if (rc != CW_OK) {
        cw_summary *s = &r->sum;
        unsigned long long done =
            s->written + s->rejected + s->filtered + s->merged;

        s->unprocessed = s->read > done ? s->read - done : 0;
        if (r->src_open)
            snprintf(r->stopped_at, sizeof r->stopped_at, "%s:%lu", r->mainname,
                     stopline ? stopline : SRC(r, line));
        close_outputs(r); /* roll back what was not committed */
    }
    cw__rec_free(&rec);
    cw__free(orig);
    cw__free(hidx);
    cw__free(spec);
    return rc;
}

void cw_run_summary(const cw_run *r, cw_summary *out)
{
    *out = r->sum;
    out->rejects = r->sum.rejected > 0 ? r->rejects : NULL;
    out->stopped_at = r->stopped_at[0] ? r->stopped_at : NULL;
    out->noutputs = r->nparts;
}

const char *cw_run_output(const cw_run *r, size_t i, unsigned long long *rows)
{
    if (i >= r->nparts)
        return NULL;
    if (rows != NULL)
        *rows = r->partrows[i];
    return r->parts[i];
}
