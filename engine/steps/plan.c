/*
** plan.c -- compiles recipe steps into C operations and runs records
** through them.  Owns the compiled steps, their rules, lookup tables and
** group states; borrows the layout and the Lua state.
*/
#include "steps/plan.h"

#include "core/check.h"

#include "steps/group.h"
#include "steps/lookup.h"
#include "steps/pool.h"
#include "values/rules.h"
#include "values/schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum stepkind { S_MAP, S_FILTER, S_FN, S_VALIDATE, S_LOOKUP, S_GROUP };

static const char *const kindnames[] = {"map",      "filter", "fn",
                                        "validate", "lookup", "group"};

enum srckind { A_FROM, A_CONST, A_FN };

/* One assignment of a map step. */
typedef struct assign {
    size_t out;          /* target column */
    const char *outname; /* its name, for messages (owned by the layout) */
    enum srckind kind;   /* where the value comes from */
    size_t src;          /* A_FROM: source column */
    char *cval;          /* A_CONST: the constant, owned */
    size_t clen;         /* its length */
    int ref;             /* A_FN: Lua function */
    cw_rule *rule;       /* conversion applied to the value, or NULL */
    char *def;           /* default for a null or blank value, or NULL */
    size_t deflen;       /* its length */
    cw_buf scratch;      /* rule output, reused per row */
    cw_buf fnbuf;        /* function output, reused per row */
    cw_field val;        /* value computed in the first phase */
} assign;

/* An assignment 'from' a column without a default, as run_map() reads it
** on its fast path: the few members it needs, side by side. */
typedef struct fromcol {
    size_t src;    /* source column */
    size_t out;    /* target column */
    cw_rule *rule; /* conversion, or NULL */
    size_t as;     /* the assignment, in the step's 'as' */
} fromcol;

enum { MISS_REJECT, MISS_NULL, MISS_FILTER };

typedef struct step {
    enum stepkind kind; /* what the step does */
    char label[48];     /* "steps[3] (map)" */
    /* map */
    assign *as;     /* assignments */
    size_t nas;     /* count of 'as' */
    fromcol *from;  /* when every one is 'from' without a default: the
                       same, for the fast path; else NULL */
    size_t nfrom;   /* count of 'from': those that are not a column
                       assigned to itself with no rule (no-ops) */
    int onepass;    /* 1: no assignment reads a column an earlier one
                       sets, so each can set its column at once */
    cw_field *vals; /* the fast path's values, one per assignment */
    /* filter: a predicate or a function; fn: a function */
    cw_pred pred; /* declarative predicate (pred.column non-NULL) */
    int ref;      /* Lua function, or -1 */
    /* validate */
    size_t col;     /* column checked */
    cw_rule *rule;  /* rule applied */
    cw_buf scratch; /* rule output */
    /* lookup */
    char *input;      /* input name */
    char *key;        /* key column in the lookup input */
    size_t on;        /* column of the record holding the key */
    cw_rule *keyrule; /* normalises both keys, or NULL */
    char **lcols;     /* lookup columns copied */
    size_t *outcols;  /* record columns they go to */
    size_t nl;        /* count of 'lcols' */
    int missing;      /* MISS_* when no row matches */
    int ambiguous_ok; /* 1: take the first of several distinct rows */
    long exists;      /* column set to true/false, or -1 */
    cw_pred *where;   /* conditions on lookup rows */
    size_t nwhere;    /* count of 'where' */
    cw_lookup *tab;   /* loaded table */
    cw_buf keybuf;    /* normalised key of the current record */
    /* group */
    cw_group *group; /* state */
    char **seps;     /* concat separators, owned */
    size_t nseps;    /* count of 'seps' */
    size_t *by;      /* key columns */
    size_t nby;      /* count of 'by' */
    cw_aggspec *ag;  /* aggregates */
    size_t nag;      /* count of 'ag' */
    /* fn: the columns it declares it sets */
    size_t *sets; /* their layout indexes */
    size_t nsets; /* count of 'sets' */
    int hassets;  /* 1 when it has 'sets' (even empty) */
    int par;      /* 1: parallel = true */
    /* names read here that only an fn step without 'sets' may set */
    size_t d0; /* first in the plan's 'defer' */
    size_t nd; /* count */
} step;

/* A name read after an fn step without 'sets': unknown before the run,
** so it is watched for a value while it runs (W_NEVER_SET). */
typedef struct defer {
    size_t col;                 /* column read */
    char label[80];             /* its reader, for messages */
    char why[200];              /* why it was accepted, for messages */
    unsigned long long reached; /* records that reached the reader */
    int seen;                   /* one of them had a value */
} defer;

struct cw_plan {
    step *s;           /* steps in order */
    size_t n;          /* count of 's' */
    cw_layout *layout; /* borrowed */
    cw_lua *lua;       /* borrowed */
    cw_buf reason;     /* reason of a Lua reject */
    char msg[600];     /* message being built */
    char *where;       /* the recipe, for messages */
    /* names, after cw__plan_resolve() */
    signed char *final; /* per column: cw__plan_has() */
    size_t nfinal;      /* count of 'final' */
    const char *openfn; /* the fn without 'sets' after the last group */
    defer *defer;       /* watched names */
    size_t ndefer;      /* count of 'defer' */
    size_t capdefer;    /* room in 'defer' */
    size_t fd0, fnd;    /* those the outputs read */
    /* The parallel section: steps pa .. pb - 1, the first run of adjacent
    ** fn steps with parallel = true (pb 0: none), run by 'pool' with a
    ** Lua state per worker once cw__plan_workers() started it. */
    size_t pa, pb;
    size_t norig;           /* width of original rows */
    int onebuf;             /* 1: pushed rows' original fields are views
                               into one buffer (cw__plan_setwidth) */
    cw_pool *pool;          /* the workers, or NULL */
    cw_lua **wlua;          /* a state per worker */
    int *wref;              /* worker w's function of step pa + i:
                               wref[w * (pb - pa) + i] */
    size_t nw;              /* count of 'wlua' */
    const cw_plan_cb *cb;   /* where records taken back go */
    unsigned long failline; /* the line of the record a worker failed on */
    const atomic_int *stop; /* nonzero: the run is interrupted */
};

/* ==== Compile ==== */

static void step_free(step *st)
{
    for (size_t i = 0; i < st->nas; i++) {
        cw__free(st->as[i].cval);
        cw__free(st->as[i].def);
        cw__rule_free(st->as[i].rule);
        cw__buf_free(&st->as[i].scratch);
        cw__buf_free(&st->as[i].fnbuf);
    }
    cw__free(st->as);
    cw__free(st->from);
    cw__free(st->vals);
    cw__pred_clear(&st->pred);
    for (size_t i = 0; i < st->nwhere; i++)
        cw__pred_clear(&st->where[i]);
    cw__free(st->where);
    cw__rule_free(st->rule);
    cw__buf_free(&st->scratch);
    cw__free(st->input);
    cw__free(st->key);
    cw__rule_free(st->keyrule);
    for (size_t i = 0; i < st->nl; i++)
        cw__free(st->lcols[i]);
    cw__free(st->lcols);
    cw__free(st->outcols);
    cw__lookup_free(st->tab);
    cw__buf_free(&st->keybuf);
    cw__group_free(st->group);
    for (size_t i = 0; i < st->nseps; i++)
        cw__free(st->seps[i]);
    cw__free(st->seps);
    cw__free(st->by);
    cw__free(st->ag);
    cw__free(st->sets);
}

void cw__plan_free(cw_plan *p)
{
    if (p == NULL)
        return;
    cw__pool_free(p->pool); /* the workers stop before their states go */
    for (size_t w = 0; w < p->nw; w++)
        cw__lua_close(p->wlua[w]);
    cw__free(p->wlua);
    cw__free(p->wref);
    for (size_t i = 0; i < p->n; i++)
        step_free(&p->s[i]);
    cw__free(p->s);
    cw__buf_free(&p->reason);
    cw__free(p->where);
    cw__free(p->final);
    cw__free(p->defer);
    cw__free(p);
}

/* Compile-time context: where we are, for messages. */
typedef struct cctx {
    const char *where; /* recipe name */
    step *st;          /* step being compiled */
    cw_plan *p;        /* the plan */
    cw_err *err;       /* where errors go */
} cctx;

static int bad(cctx *c, const char *fmt, ...) CW_PRINTF(2, 3);

/* Fail with CW_EUSAGE and "recipe: steps[i] (kind): <fmt ...>". */
static int bad(cctx *c, const char *fmt, ...)
{
    char what[300];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return cw__fail(c->err, CW_EUSAGE, "%s: %s: %s", c->where, c->st->label,
                    what);
}

/* Fail when table 'n' has a string key not in 'allowed' (a typo such as
** "rul" would otherwise silently do nothing). */
static int checkkeys(cctx *c, const cw_node *n, const char *what,
                     const char *const *allowed)
{
    return cw__check_keys(n, allowed, "key", c->err, "%s: %s: %s", c->where,
                          c->st->label, what);
}

static int intern(cctx *c, const char *name, size_t *idx)
{
    if (cw__layout_intern(c->p->layout, name, strlen(name), idx) != CW_OK)
        return cw__fail(c->err, CW_ENOMEM, "out of memory");
    return CW_OK;
}

/* A string field 'key' of table 'n', required or not. */
static int getstr(cctx *c, const cw_node *n, const char *key, int required,
                  const char **out)
{
    const cw_node *v = cw__node_get(n, key);

    *out = NULL;
    if (v == NULL) {
        if (required)
            return bad(c, "missing '%s'", key);
        return CW_OK;
    }
    if (v->type == CW_NODE_NUM) {
        return bad(c, "'%s' must be a string (quote numbers: IDs are text)",
                   key);
    }
    if (v->type != CW_NODE_STR)
        return bad(c, "'%s' must be a string", key);
    *out = v->str;
    return CW_OK;
}

/* A rule from 'rule' (a name) and 'args' (a table) fields of 'n'. */
static int getrule(cctx *c, const cw_node *n, const char *field, cw_rule **out)
{
    const char *name;
    int rc = getstr(c, n, field, 0, &name);

    *out = NULL;
    if (rc != CW_OK || name == NULL)
        return rc;
    rc = cw__rule_new(name, cw__node_get(n, "args"), out, c->err);
    if (rc != CW_OK) {
        char msg[sizeof c->err->msg];

        memcpy(msg, c->err->msg, sizeof msg);
        return cw__fail(c->err, rc, "%s: %s: %s", c->where, c->st->label, msg);
    }
    return CW_OK;
}

static int dupstr(cctx *c, const char *s, char **out)
{
    *out = cw__strdup(s);
    return *out != NULL ? CW_OK : cw__fail(c->err, CW_ENOMEM, "out of memory");
}

/* Map entry: { "out", from = "col" | const = "v" | fn = f, rule = ...,
** args = {...}, default = "v" }, or the shorthand { "out", "col" }. */
static int compile_assign(cctx *c, const cw_node *n, assign *a)
{
    const cw_node *from, *cst, *fn, *def;
    const char *out;
    int rc;

    if (n->type != CW_NODE_TABLE || n->narr < 1 ||
        n->arr[0]->type != CW_NODE_STR)
        return bad(c, "each map entry is { \"column\", from = ... }");
    static const char *const keys[] = {"from", "const",   "fn", "rule",
                                       "args", "default", NULL};

    out = n->arr[0]->str;
    if ((rc = checkkeys(c, n, "map entry", keys)) != CW_OK)
        return rc;
    if ((rc = intern(c, out, &a->out)) != CW_OK)
        return rc;
    a->outname = cw__layout_name(c->p->layout, a->out);
    from = cw__node_get(n, "from");
    if (from == NULL && n->narr > 1)
        from = n->arr[1];
    cst = cw__node_get(n, "const");
    fn = cw__node_get(n, "fn");
    if ((from != NULL) + (cst != NULL) + (fn != NULL) != 1)
        return bad(c, "map entry '%s' needs exactly one of from, const, fn",
                   out);
    if (from != NULL) {
        if (from->type != CW_NODE_STR)
            return bad(c, "map entry '%s': 'from' must be a column name", out);
        a->kind = A_FROM;
        if ((rc = intern(c, from->str, &a->src)) != CW_OK)
            return rc;
    } else if (cst != NULL) {
        if (cst->type != CW_NODE_STR)
            return bad(c, "map entry '%s': 'const' must be a string", out);
        a->kind = A_CONST;
        if ((rc = dupstr(c, cst->str, &a->cval)) != CW_OK)
            return rc;
        a->clen = cst->len;
    } else {
        if (fn->type != CW_NODE_FUNC)
            return bad(c, "map entry '%s': 'fn' must be a function", out);
        a->kind = A_FN;
        a->ref = fn->ref;
    }
    def = cw__node_get(n, "default");
    if (def != NULL) {
        if (def->type != CW_NODE_STR)
            return bad(c, "map entry '%s': 'default' must be a string", out);
        if ((rc = dupstr(c, def->str, &a->def)) != CW_OK)
            return rc;
        a->deflen = def->len;
    }
    return getrule(c, n, "rule", &a->rule);
}

static int compile_map(cctx *c, const cw_node *n)
{
    step *st = c->st;

    if (n->type != CW_NODE_TABLE || n->narr == 0)
        return bad(c, "'map' must be a list of { \"column\", from = ... }");
    st->as = cw__alloc(n->narr * sizeof *st->as);
    if (st->as == NULL)
        return cw__fail(c->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < n->narr; i++) {
        int rc;

        st->as[i] = (assign){.ref = -1};
        st->nas = i + 1;
        rc = compile_assign(c, n->arr[i], &st->as[i]);
        if (rc != CW_OK)
            return rc;
    }
    for (size_t i = 0; i < st->nas; i++)
        if (st->as[i].kind != A_FROM || st->as[i].def != NULL)
            return CW_OK;
    st->from = cw__alloc(st->nas * sizeof *st->from);
    st->vals = cw__alloc(st->nas * sizeof *st->vals);
    if (st->from == NULL || st->vals == NULL)
        return cw__fail(c->err, CW_ENOMEM, "out of memory");
    /* A column assigned to itself without a rule keeps its value: left
    ** out, unless another assignment sets the same column (then which
    ** comes last matters). */
    st->onepass = 1;
    for (size_t i = 0; i < st->nas; i++) {
        const assign *a = &st->as[i];
        int alone = 1;

        for (size_t j = 0; j < st->nas; j++) {
            if (j != i && st->as[j].out == a->out)
                alone = 0;
            if (j > i && st->as[j].src == a->out)
                st->onepass = 0;
        }
        if (a->src != a->out || a->rule != NULL || !alone)
            st->from[st->nfrom++] = (fromcol){a->src, a->out, a->rule, i};
    }
    return CW_OK;
}

/* Predicate { column = "c", equals = "v" | one_of = {..} | not_one_of =
** {..} | blank = true | present = true | boolean = true|false }. */
static int compile_pred(cctx *c, const cw_node *n, cw_pred *p, int resolve)
{
    const char *col, *seen = NULL;
    const cw_node *v;
    size_t idx;
    int rc;

    static const char *const keys[] = {"column",     "equals", "one_of",
                                       "not_one_of", "blank",  "present",
                                       "boolean",    NULL};

    *p = (cw_pred){.col = -1};
    if (n->type != CW_NODE_TABLE)
        return bad(c, "a condition is a table { column = ..., ... }");
    if ((rc = checkkeys(c, n, "condition", keys)) != CW_OK ||
        (rc = getstr(c, n, "column", 1, &col)) != CW_OK)
        return rc;
    if ((rc = dupstr(c, col, &p->column)) != CW_OK)
        return rc;
    if (resolve) {
        if ((rc = intern(c, col, &idx)) != CW_OK)
            return rc;
        p->col = (long)idx;
    }
    /* One test per condition: a second one would be ignored. */
    for (size_t i = 1; keys[i] != NULL; i++) {
        if (cw__node_get(n, keys[i]) == NULL)
            continue;
        if (seen != NULL)
            return bad(c,
                       "condition on '%s': '%s' and '%s' in one condition "
                       "(a condition has one test; list several conditions)",
                       col, seen, keys[i]);
        seen = keys[i];
    }
    if ((v = cw__node_get(n, "equals")) != NULL) {
        p->op = CW_P_EQ;
    } else if ((v = cw__node_get(n, "one_of")) != NULL) {
        p->op = CW_P_IN;
    } else if ((v = cw__node_get(n, "not_one_of")) != NULL) {
        p->op = CW_P_NOTIN;
    } else if ((v = cw__node_get(n, "blank")) != NULL ||
               (v = cw__node_get(n, "present")) != NULL) {
        int isblank = cw__node_get(n, "blank") != NULL;

        if (v->type != CW_NODE_BOOL)
            return bad(c, "condition on '%s': blank/present take true or false",
                       col);
        /* blank = false is present = true, and the other way round. */
        p->op = (isblank == v->b) ? CW_P_BLANK : CW_P_PRESENT;
        return CW_OK;
    } else if ((v = cw__node_get(n, "boolean")) != NULL) {
        if (v->type != CW_NODE_BOOL)
            return bad(c,
                       "condition on '%s': boolean takes true or false (the "
                       "value read as a boolean: true/false, yes/no, 1/0, "
                       "t/f, y/n in any case)",
                       col);
        p->op = v->b ? CW_P_TRUE : CW_P_FALSE;
        return CW_OK;
    } else {
        return bad(c, "a condition needs equals, one_of, not_one_of, blank, "
                      "present or boolean");
    }
    if (v->type == CW_NODE_STR) {
        p->vals = cw__alloc(sizeof *p->vals);
        if (p->vals == NULL || (p->vals[0] = cw__strdup(v->str)) == NULL)
            return cw__fail(c->err, CW_ENOMEM, "out of memory");
        p->nvals = 1;
        return CW_OK;
    }
    if (v->type != CW_NODE_TABLE || v->narr == 0)
        return bad(c, "condition on '%s' needs a string or a list of strings",
                   col);
    p->vals = cw__alloc(v->narr * sizeof *p->vals);
    if (p->vals == NULL)
        return cw__fail(c->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < v->narr; i++) {
        if (v->arr[i]->type != CW_NODE_STR)
            return bad(c, "condition on '%s': values must be strings", col);
        if ((p->vals[i] = cw__strdup(v->arr[i]->str)) == NULL)
            return cw__fail(c->err, CW_ENOMEM, "out of memory");
        p->nvals = i + 1;
    }
    return CW_OK;
}

static int compile_lookup(cctx *c, const cw_node *n)
{
    step *st = c->st;
    const char *input, *key, *on, *missing, *multiple, *exists;
    const cw_node *cols, *where;
    static const char *const keys[] = {
        "input",    "key",  "on",    "columns", "missing", "multiple",
        "key_rule", "args", "where", "exists",  NULL};
    int rc;

    if ((rc = checkkeys(c, n, "lookup", keys)) != CW_OK ||
        (rc = getstr(c, n, "input", 1, &input)) != CW_OK ||
        (rc = getstr(c, n, "key", 1, &key)) != CW_OK ||
        (rc = getstr(c, n, "on", 1, &on)) != CW_OK ||
        (rc = getstr(c, n, "missing", 0, &missing)) != CW_OK ||
        (rc = getstr(c, n, "multiple", 0, &multiple)) != CW_OK ||
        (rc = getstr(c, n, "exists", 0, &exists)) != CW_OK)
        return rc;
    if ((rc = dupstr(c, input, &st->input)) != CW_OK ||
        (rc = dupstr(c, key, &st->key)) != CW_OK ||
        (rc = intern(c, on, &st->on)) != CW_OK)
        return rc;
    if (missing == NULL || strcmp(missing, "reject") == 0)
        st->missing = MISS_REJECT;
    else if (strcmp(missing, "null") == 0)
        st->missing = MISS_NULL;
    else if (strcmp(missing, "filter") == 0)
        st->missing = MISS_FILTER;
    else
        return bad(c, "missing = '%s' (valid: reject, null, filter)", missing);
    if (multiple == NULL || strcmp(multiple, "reject") == 0)
        st->ambiguous_ok = 0;
    else if (strcmp(multiple, "first") == 0)
        st->ambiguous_ok = 1;
    else
        return bad(c, "multiple = '%s' (valid: reject, first)", multiple);
    st->exists = -1;
    if (exists != NULL) {
        size_t idx;

        if ((rc = intern(c, exists, &idx)) != CW_OK)
            return rc;
        st->exists = (long)idx;
    }
    if ((rc = getrule(c, n, "key_rule", &st->keyrule)) != CW_OK)
        return rc;
    /* where = { column = ..., ... } or a list of such conditions */
    where = cw__node_get(n, "where");
    if (where != NULL) {
        size_t nw = cw__node_get(where, "column") != NULL ? 1 : where->narr;

        if (where->type != CW_NODE_TABLE || nw == 0)
            return bad(c, "'where' is a condition or a list of conditions");
        st->where = cw__alloc(nw * sizeof *st->where);
        if (st->where == NULL)
            return cw__fail(c->err, CW_ENOMEM, "out of memory");
        for (size_t i = 0; i < nw; i++) {
            st->where[i] = (cw_pred){.col = -1};
            st->nwhere = i + 1;
            rc = compile_pred(
                c, nw == 1 && where->narr == 0 ? where : where->arr[i],
                &st->where[i], 0);
            if (rc != CW_OK)
                return rc;
        }
    }
    /* columns = { lookup_col = "record_col", ... } */
    cols = cw__node_get(n, "columns");
    if (cols == NULL && exists == NULL)
        return bad(c, "a lookup needs 'columns' or 'exists'");
    if (cols != NULL) {
        if (cols->type != CW_NODE_TABLE || cols->narr > 0)
            return bad(c, "'columns' maps lookup columns to record columns: { "
                          "phone = \"contact_phone\" }");
        st->lcols = cw__alloc((cols->nkeys + 1) * sizeof *st->lcols);
        st->outcols = cw__alloc((cols->nkeys + 1) * sizeof *st->outcols);
        if (st->lcols == NULL || st->outcols == NULL)
            return cw__fail(c->err, CW_ENOMEM, "out of memory");
        for (size_t i = 0; i < cols->nkeys; i++) {
            if (cols->vals[i]->type != CW_NODE_STR)
                return bad(c, "columns.%s must name a record column",
                           cols->keys[i]);
            if ((rc = dupstr(c, cols->keys[i], &st->lcols[i])) != CW_OK)
                return rc;
            st->nl = i + 1;
            if ((rc = intern(c, cols->vals[i]->str, &st->outcols[i])) != CW_OK)
                return rc;
        }
    }
    return CW_OK;
}

static const char *const aggnames[] = {
    "first", "last", "min", "max", "count", "any", "all", "concat", NULL};

/* group = { by = {...}, aggregate = { { "out", "fn", "src", where = "c",
** order_by = "c", sep = "; " }, ... } } */
static int compile_group(cctx *c, const cw_node *n, size_t norig)
{
    step *st = c->st;
    const cw_node *by = cw__node_get(n, "by");
    const cw_node *ag = cw__node_get(n, "aggregate");
    size_t *bycols = NULL;
    cw_aggspec *specs = NULL;
    size_t nag = ag != NULL && ag->type == CW_NODE_TABLE ? ag->narr : 0;
    int rc = CW_OK;

    static const char *const keys[] = {"by", "aggregate", NULL};
    int krc = checkkeys(c, n, "group", keys);

    if (krc != CW_OK)
        return krc;
    if (by == NULL || by->type != CW_NODE_TABLE || by->narr == 0)
        return bad(c, "'by' must list the key columns");
    bycols = cw__alloc(by->narr * sizeof *bycols);
    specs = cw__alloc((nag ? nag : 1) * sizeof *specs);
    st->seps = cw__alloc((nag ? nag : 1) * sizeof *st->seps);
    if (bycols == NULL || specs == NULL || st->seps == NULL) {
        rc = cw__fail(c->err, CW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < by->narr; i++) {
        if (by->arr[i]->type != CW_NODE_STR) {
            rc = bad(c, "'by' must list column names");
            goto done;
        }
        if ((rc = intern(c, by->arr[i]->str, &bycols[i])) != CW_OK)
            goto done;
    }
    for (size_t i = 0; i < nag; i++) {
        const cw_node *a = ag->arr[i];
        cw_aggspec *sp = &specs[i];
        const char *fn, *w, *o, *sep;
        int k;

        if (a->type != CW_NODE_TABLE || a->narr < 2 ||
            a->arr[0]->type != CW_NODE_STR || a->arr[1]->type != CW_NODE_STR) {
            rc =
                bad(c, "aggregate entries are { \"out\", \"fn\", \"column\" }");
            goto done;
        }
        {
            static const char *const akeys[] = {"where", "order_by", "sep",
                                                NULL};

            if ((rc = checkkeys(c, a, "aggregate", akeys)) != CW_OK)
                goto done;
        }
        fn = a->arr[1]->str;
        for (k = 0; aggnames[k] != NULL && strcmp(aggnames[k], fn) != 0; k++)
            ;
        if (aggnames[k] == NULL) {
            rc = bad(c,
                     "unknown aggregate '%s' (valid: first, last, min, max, "
                     "count, any, all, concat)",
                     fn);
            goto done;
        }
        *sp = (cw_aggspec){
            .fn = (enum cw_aggfn)k, .src = -1, .where = -1, .order = -1};
        if ((rc = intern(c, a->arr[0]->str, &sp->out)) != CW_OK)
            goto done;
        if (a->narr >= 3) {
            size_t idx;

            if (a->arr[2]->type != CW_NODE_STR) {
                rc = bad(c, "aggregate '%s': the column must be a string",
                         a->arr[0]->str);
                goto done;
            }
            if ((rc = intern(c, a->arr[2]->str, &idx)) != CW_OK)
                goto done;
            sp->src = (long)idx;
        } else if (sp->fn != CW_AGG_COUNT) {
            rc = bad(c, "aggregate '%s' needs a source column", a->arr[0]->str);
            goto done;
        }
        if ((rc = getstr(c, a, "where", 0, &w)) != CW_OK ||
            (rc = getstr(c, a, "order_by", 0, &o)) != CW_OK ||
            (rc = getstr(c, a, "sep", 0, &sep)) != CW_OK)
            goto done;
        if (w != NULL) {
            size_t idx;

            if ((rc = intern(c, w, &idx)) != CW_OK)
                goto done;
            sp->where = (long)idx;
        }
        if (o != NULL) {
            size_t idx;

            if ((rc = intern(c, o, &idx)) != CW_OK)
                goto done;
            sp->order = (long)idx;
        }
        if ((rc = dupstr(c, sep != NULL ? sep : "; ", &st->seps[i])) != CW_OK)
            goto done;
        st->nseps = i + 1;
        sp->sep = st->seps[i];
    }
    rc = cw__group_new(bycols, by->narr, specs, nag, norig, &st->group, c->err);
    if (rc == CW_OK) {
        /* Kept for cw__plan_resolve(). */
        st->by = bycols;
        st->nby = by->narr;
        st->ag = specs;
        st->nag = nag;
        return CW_OK;
    }
done:
    cw__free(bycols);
    cw__free(specs);
    return rc;
}

/* sets = { "a", "b" }: the columns an fn step's function sets, so that
** later steps may name them (NULL: not declared). */
static int compile_sets(cctx *c, const cw_node *n)
{
    step *st = c->st;

    if (n == NULL)
        return CW_OK;
    if (n->type != CW_NODE_TABLE || n->nkeys > 0)
        return bad(c, "'sets' must list the column names the function sets, "
                      "as in sets = { \"a\", \"b\" }");
    st->hassets = 1;
    st->sets = cw__alloc((n->narr ? n->narr : 1) * sizeof *st->sets);
    if (st->sets == NULL)
        return cw__fail(c->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < n->narr; i++) {
        int rc;

        if (n->arr[i]->type != CW_NODE_STR)
            return bad(c, "'sets' must list column names (strings)");
        if ((rc = intern(c, n->arr[i]->str, &st->sets[i])) != CW_OK)
            return rc;
        st->nsets = i + 1;
    }
    return CW_OK;
}

static int compile_step(cctx *c, const cw_node *n, size_t norig)
{
    step *st = c->st;
    const cw_node *body = NULL, *par;
    int found = 0;

    for (int k = 0; k <= S_GROUP; k++) {
        const cw_node *b = cw__node_get(n, kindnames[k]);

        if (b != NULL) {
            found++;
            st->kind = (enum stepkind)k;
            body = b;
        }
    }
    for (size_t i = 0; n->type == CW_NODE_TABLE && i < n->nkeys; i++) {
        int known = strcmp(n->keys[i], "doc") == 0 ||
                    strcmp(n->keys[i], "sets") == 0 ||
                    strcmp(n->keys[i], "parallel") == 0;

        for (int k = 0; k <= S_GROUP; k++)
            known |= strcmp(n->keys[i], kindnames[k]) == 0;
        if (!known)
            return bad(c,
                       "unknown key '%s' (a step has one of map, filter, fn, "
                       "validate, lookup, group, and may have a doc; an fn "
                       "step may have sets and parallel)",
                       n->keys[i]);
    }
    if (n->type != CW_NODE_TABLE || found != 1)
        return bad(c, "a step is a table with exactly one of map, filter, fn, "
                      "validate, lookup, group");
    snprintf(st->label + strlen(st->label),
             sizeof st->label - strlen(st->label), " (%s)",
             kindnames[st->kind]);
    if (st->kind != S_FN && cw__node_get(n, "sets") != NULL)
        return bad(c, "only an fn step has 'sets' (the columns its function "
                      "sets)");
    if (st->kind != S_FN && cw__node_get(n, "parallel") != NULL)
        return bad(c, "only an fn step has 'parallel'");
    switch (st->kind) {
    case S_MAP:
        return compile_map(c, body);
    case S_FILTER:
        if (body->type == CW_NODE_FUNC) {
            st->ref = body->ref;
            return CW_OK;
        }
        return compile_pred(c, body, &st->pred, 1);
    case S_FN:
        if (body->type != CW_NODE_FUNC)
            return bad(c, "'fn' must be a function");
        st->ref = body->ref;
        if ((par = cw__node_get(n, "parallel")) != NULL &&
            par->type != CW_NODE_BOOL)
            return bad(c, "'parallel' must be true or false");
        st->par = par != NULL && par->b;
        return compile_sets(c, cw__node_get(n, "sets"));
    case S_VALIDATE: {
        static const char *const keys[] = {"column", "rule", "args", NULL};
        const char *col;
        int rc = checkkeys(c, body, "validate", keys);

        if (rc == CW_OK)
            rc = getstr(c, body, "column", 1, &col);

        if (rc == CW_OK)
            rc = intern(c, col, &st->col);
        if (rc == CW_OK)
            rc = getrule(c, body, "rule", &st->rule);
        if (rc == CW_OK && st->rule == NULL)
            rc = bad(c, "validate needs a 'rule'");
        return rc;
    }
    case S_LOOKUP:
        return compile_lookup(c, body);
    case S_GROUP:
        return compile_group(c, body, norig);
    }
    return CW_OK;
}

int cw__plan_compile(const cw_node *steps, const char *where, cw_layout *layout,
                     cw_lua *lua, size_t norig, cw_plan **out, cw_err *err)
{
    cw_plan *p;
    size_t n = steps != NULL ? steps->narr : 0;
    cctx c = {.where = where, .err = err};
    int rc = CW_OK;

    *out = NULL;
    if (steps != NULL && (steps->type != CW_NODE_TABLE || steps->nkeys > 0))
        return cw__fail(err, CW_EUSAGE, "%s: 'steps' must be a list", where);
    p = cw__alloc(sizeof *p);
    if (p == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    *p = (cw_plan){.layout = layout, .lua = lua};
    c.p = p;
    if ((p->where = cw__strdup(where)) == NULL) {
        cw__plan_free(p);
        return cw__fail(err, CW_ENOMEM, "out of memory");
    }
    if (n > 0) {
        p->s = cw__alloc(n * sizeof *p->s);
        if (p->s == NULL) {
            cw__plan_free(p);
            return cw__fail(err, CW_ENOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < n; i++) {
        step *st = &p->s[i];

        *st = (step){.ref = -1, .exists = -1};
        st->pred.col = -1;
        p->n = i + 1;
        snprintf(st->label, sizeof st->label, "steps[%zu]", i + 1);
        c.st = st;
        rc = compile_step(&c, steps->arr[i], norig);
        if (rc != CW_OK) {
            cw__plan_free(p);
            return rc;
        }
        /* The first run of adjacent parallel steps; later ones run in
        ** the recipe's own state. */
        if (st->par && (p->pb == 0 || p->pb == i)) {
            p->pa = p->pb == 0 ? i : p->pa;
            p->pb = i + 1;
        }
    }
    *out = p;
    return CW_OK;
}

size_t cw__plan_ninputs(const cw_plan *p)
{
    size_t n = 0;

    for (size_t i = 0; i < p->n; i++)
        n += p->s[i].kind == S_LOOKUP;
    return n;
}

const char *cw__plan_input(const cw_plan *p, size_t i)
{
    for (size_t k = 0; k < p->n; k++)
        if (p->s[k].kind == S_LOOKUP && i-- == 0)
            return p->s[k].input;
    return NULL;
}

void cw__plan_setwidth(cw_plan *p, size_t norig, int onebuf)
{
    p->norig = norig;
    p->onebuf = onebuf;
    for (size_t i = 0; i < p->n; i++)
        if (p->s[i].kind == S_GROUP)
            cw__group_setwidth(p->s[i].group, norig);
}

int cw__plan_bind(cw_plan *p, cw_input_fn paths, void *ud, cw_err *err)
{
    for (size_t i = 0; i < p->n; i++) {
        step *st = &p->s[i];
        const struct cw_inputspec *src;
        int rc;

        if (st->kind != S_LOOKUP || st->tab != NULL)
            continue;
        src = paths(ud, st->input);
        if (src == NULL)
            return cw__fail(
                err, CW_EUSAGE,
                "%s: input '%s' is not bound (give --input %s=PATH)", st->label,
                st->input, st->input);
        rc = cw__lookup_readspec(src, st->key, st->keyrule,
                                 (const char *const *)st->lcols, st->nl,
                                 st->where, st->nwhere, &st->tab, err);
        if (rc == CW_EUSAGE) {
            /* A column the lookup names: say which recipe and step. */
            char msg[sizeof err->msg];

            memcpy(msg, err->msg, sizeof msg);
            return cw__fail(err, rc, "%s: %s: %s", p->where, st->label, msg);
        }
        if (rc != CW_OK)
            return rc;
    }
    return CW_OK;
}

/* ==== Names ==== */

/* State of cw__plan_resolve() while it walks the steps. */
typedef struct rctx {
    cw_plan *p;
    const cw_namesrc *src;
    cw_err *err;
    unsigned char *set; /* per column: a step before creates it */
    size_t nset;        /* count of 'set' (the layout's columns) */
    const char *group;  /* the last group step so far, or NULL */
    const char *openfn; /* an fn step without 'sets' since, or NULL */
    int anysets;        /* an fn step with 'sets' came before */
    size_t step;        /* the reader (p->n: the outputs) */
    const char *label;  /* its label */
    cw_buf msg;         /* message being built */
} rctx;

/* 1 when column 'col' has a value at the reader: the main input has it
** (and no group came since) or an earlier step creates it. */
static int known(const rctx *x, size_t col)
{
    const char *name = cw__layout_name(x->p->layout, col);

    if (col < x->nset && x->set[col])
        return 1;
    if (x->group != NULL)
        return 0;
    return x->src->any || x->src->has(x->src->ud, name);
}

/* The names known at the reader: the input's (unless a group came) and
** those earlier steps create, in '*out' (caller frees).  Returns their
** count, or (size_t)-1 when out of memory. */
static size_t known_names(const rctx *x, const char ***out)
{
    size_t n = 0, cap = 0;
    const char **names = NULL;
    const char *c;

    for (size_t i = 0; x->group == NULL && !x->src->any &&
                       (c = x->src->column(x->src->ud, i)) != NULL;
         i++) {
        const char **g = cw__grow(names, &cap, n + 1, sizeof *g);

        if (g == NULL) {
            cw__free(names);
            return (size_t)-1;
        }
        names = g;
        names[n++] = c;
    }
    for (size_t i = 0; i < x->nset; i++) {
        const char **g;

        c = cw__layout_name(x->p->layout, i);
        if (!x->set[i] ||
            (x->group == NULL && !x->src->any && x->src->has(x->src->ud, c)))
            continue;
        if ((g = cw__grow(names, &cap, n + 1, sizeof *g)) == NULL) {
            cw__free(names);
            return (size_t)-1;
        }
        names = g;
        names[n++] = c;
    }
    *out = names;
    return n;
}

/* Append the names known at the reader, with the hint for 'name'. */
static int hint(rctx *x, const char *name)
{
    const char **names = NULL;
    size_t n = known_names(x, &names);
    int rc;

    if (n == (size_t)-1)
        return CW_ENOMEM;
    rc = cw__names_hint(&x->msg, names, n, name);
    cw__free(names);
    return rc;
}

/* 1 when 'name' looks like a misspelling of a known column: the input's
** schema knows it by another spelling, or it is close to a known name. */
static int misspelt(const rctx *x, const char *name)
{
    const char **names = NULL, *near[3];
    size_t n, found;

    if (x->src->canonical != NULL && x->src->canonical(x->src->ud, name))
        return 1;
    if ((n = known_names(x, &names)) == (size_t)-1)
        return 1; /* out of memory: refuse, the message follows */
    found = cw__names_near(names, n, name, near);
    cw__free(names);
    return found > 0;
}

/* Watch column 'col', accepted at the reader for the reason 'why', for a
** value while the run goes (W_NEVER_SET). */
static int watch_name(rctx *x, size_t col, const char *why)
{
    cw_plan *p = x->p;
    defer *d;

    if (!x->src->run)
        return CW_OK;
    for (size_t i = x->step < p->n ? p->s[x->step].d0 : p->fd0; i < p->ndefer;
         i++)
        if (p->defer[i].col == col)
            return CW_OK;
    d = cw__grow(p->defer, &p->capdefer, p->ndefer + 1, sizeof *d);
    if (d == NULL)
        return cw__fail(x->err, CW_ENOMEM, "out of memory");
    p->defer = d;
    d = &p->defer[p->ndefer++];
    *d = (defer){.col = col};
    snprintf(d->label, sizeof d->label, "%s", x->label);
    snprintf(d->why, sizeof d->why, "%s", why);
    return CW_OK;
}

static int need(rctx *x, size_t col, const char *fmt, ...) CW_PRINTF(3, 4);

/*
** The reader reads column 'col' ('fmt' says how, "map entry 'x': "):
** fine when it is known there; remembered when an fn step without 'sets'
** may set it; else CW_EUSAGE.
*/
static int need(rctx *x, size_t col, const char *fmt, ...)
{
    cw_plan *p = x->p;
    const char *name = cw__layout_name(p->layout, col);
    const char *canon = NULL;
    va_list ap;
    int rc;

    if (known(x, col))
        return CW_OK;
    if (x->group == NULL && x->src->optional != NULL &&
        x->src->optional(x->src->ud, name)) {
        char why[200];

        snprintf(why, sizeof why,
                 "it is a column of the input's schema that %s does not have",
                 x->src->what);
        return watch_name(x, col, why);
    }
    if (x->openfn != NULL) {
        char why[200];

        if (!x->src->run)
            return CW_OK;
        snprintf(why, sizeof why,
                 "%s has no 'sets', so the name could not be checked before "
                 "the run",
                 x->openfn);
        return watch_name(x, col, why);
    }
    /* A column beyond the schema, the run checks the header. */
    if (x->src->guess && x->group == NULL && !misspelt(x, name))
        return CW_OK;
    x->msg.len = 0;
    rc = cw__buf_printf(&x->msg, "%s: %s: ", p->where, x->label);
    va_start(ap, fmt);
    if (rc == CW_OK)
        rc = cw__buf_vprintf(&x->msg, fmt, ap);
    va_end(ap);
    if (rc == CW_OK && x->group != NULL)
        rc = cw__buf_printf(&x->msg,
                            "column '%s' has no value after %s: after a group "
                            "a record holds only its keys and aggregates",
                            name, x->group);
    else if (rc == CW_OK)
        rc = cw__buf_printf(
            &x->msg, "column '%s' is not in %s, and no %sstep sets it", name,
            x->src->what, x->step < p->n ? "earlier " : "");
    if (rc == CW_OK && x->anysets)
        rc = cw__buf_adds(&x->msg, " (an fn step that sets it must list it in "
                                   "its 'sets')");
    if (x->group == NULL && x->src->canonical != NULL)
        canon = x->src->canonical(x->src->ud, name);
    if (rc == CW_OK && canon != NULL)
        rc = cw__buf_printf(&x->msg, "; the input's schema names it '%s'",
                            canon);
    else if (rc == CW_OK)
        rc = hint(x, name);
    if (rc != CW_OK)
        return cw__fail(x->err, CW_ENOMEM, "out of memory");
    return cw__fail(x->err, CW_EUSAGE, "%s", x->msg.p);
}

/* A step creates column 'col'. */
static void create(rctx *x, size_t col)
{
    if (col < x->nset)
        x->set[col] = 1;
}

/* Check the column 'name' of lookup step 'st' ('what': "key", ...)
** against the schema of its input, when it has one. */
static int lookup_col(rctx *x, const step *st, const char *what,
                      const char *name)
{
    const cw_schema *s;
    const char **names;
    int rc;

    if (x->src->lookup_schema == NULL ||
        (s = x->src->lookup_schema(x->src->ud, st->input)) == NULL ||
        cw__schema_find(s, name, strlen(name)) >= 0 ||
        cw__schema_prefixed(s, name, strlen(name)))
        return CW_OK;
    names = cw__alloc((s->ncols ? s->ncols : 1) * sizeof *names);
    if (names == NULL)
        return cw__fail(x->err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->ncols; i++)
        names[i] = s->cols[i].name;
    if (x->src->guess) {
        const char *near[3];

        /* The lookup's file may have columns beyond its schema: only a
        ** name close to one of the schema's is taken for a typo. */
        if (cw__names_near(names, s->ncols, name, near) == 0) {
            cw__free(names);
            return CW_OK;
        }
    }
    x->msg.len = 0;
    rc = cw__buf_printf(&x->msg,
                        "%s: %s: %s '%s' is not a column of schema %s (input "
                        "'%s')",
                        x->p->where, x->label, what, name, s->name, st->input);
    if (rc == CW_OK)
        rc = cw__names_hint(&x->msg, names, s->ncols, name);
    cw__free(names);
    if (rc != CW_OK)
        return cw__fail(x->err, CW_ENOMEM, "out of memory");
    return cw__fail(x->err, CW_EUSAGE, "%s", x->msg.p);
}

/* The names step 'st' reads and creates. */
static int resolve_step(rctx *x, step *st)
{
    int rc = CW_OK;

    switch (st->kind) {
    case S_MAP:
        /* Every value is computed before any is stored: a map's own
        ** targets are not there yet for its sources. */
        for (size_t i = 0; i < st->nas && rc == CW_OK; i++)
            if (st->as[i].kind == A_FROM)
                rc = need(x, st->as[i].src,
                          "map entry '%s': ", st->as[i].outname);
        for (size_t i = 0; i < st->nas && rc == CW_OK; i++)
            create(x, st->as[i].out);
        break;
    case S_FILTER:
        if (st->pred.col >= 0)
            rc = need(x, (size_t)st->pred.col, "%s", "");
        break;
    case S_FN:
        if (!st->hassets) {
            x->openfn = st->label;
            break;
        }
        x->anysets = 1;
        for (size_t i = 0; i < st->nsets; i++)
            create(x, st->sets[i]);
        break;
    case S_VALIDATE:
        rc = need(x, st->col, "%s", "");
        break;
    case S_LOOKUP:
        rc = need(x, st->on, "%s", "on: ");
        if (rc == CW_OK)
            rc = lookup_col(x, st, "key", st->key);
        for (size_t i = 0; i < st->nl && rc == CW_OK; i++)
            rc = lookup_col(x, st, "columns: key", st->lcols[i]);
        for (size_t i = 0; i < st->nwhere && rc == CW_OK; i++)
            rc = lookup_col(x, st, "where: column", st->where[i].column);
        for (size_t i = 0; i < st->nl; i++)
            create(x, st->outcols[i]);
        if (st->exists >= 0)
            create(x, (size_t)st->exists);
        break;
    case S_GROUP:
        for (size_t i = 0; i < st->nby && rc == CW_OK; i++)
            rc = need(x, st->by[i], "%s", "by: ");
        for (size_t i = 0; i < st->nag && rc == CW_OK; i++) {
            const cw_aggspec *a = &st->ag[i];
            const char *out = cw__layout_name(x->p->layout, a->out);

            if (a->src >= 0)
                rc = need(x, (size_t)a->src, "aggregate '%s': ", out);
            if (rc == CW_OK && a->where >= 0)
                rc = need(x, (size_t)a->where, "aggregate '%s': where: ", out);
            if (rc == CW_OK && a->order >= 0)
                rc = need(x, (size_t)a->order,
                          "aggregate '%s': order_by: ", out);
        }
        /* After a group a record holds its keys and aggregates only. */
        memset(x->set, 0, x->nset);
        x->group = st->label;
        x->openfn = NULL;
        x->anysets = 0;
        for (size_t i = 0; i < st->nby; i++)
            create(x, st->by[i]);
        for (size_t i = 0; i < st->nag; i++)
            create(x, st->ag[i].out);
        break;
    }
    return rc;
}

int cw__plan_resolve(cw_plan *p, const cw_namesrc *src,
                     const cw_nameread *reads, size_t nreads, cw_err *err)
{
    size_t ncols = cw__layout_count(p->layout);
    rctx x = {.p = p, .src = src, .err = err, .nset = ncols};
    int rc = CW_OK;

    p->ndefer = 0;
    p->openfn = NULL;
    x.set = cw__alloc(ncols ? ncols : 1);
    if (x.set == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    memset(x.set, 0, ncols ? ncols : 1);
    for (size_t i = 0; i < p->n && rc == CW_OK; i++) {
        step *st = &p->s[i];

        x.step = i;
        x.label = st->label;
        st->d0 = p->ndefer;
        rc = resolve_step(&x, st);
        st->nd = p->ndefer - st->d0;
    }
    p->fd0 = p->ndefer;
    x.step = p->n;
    for (size_t i = 0; i < nreads && rc == CW_OK; i++) {
        x.label = reads[i].label;
        rc = need(&x, reads[i].col, "%s", "");
    }
    p->fnd = p->ndefer - p->fd0;
    if (rc == CW_OK) {
        signed char *f = cw__alloc(ncols ? ncols : 1);

        if (f == NULL) {
            rc = cw__fail(err, CW_ENOMEM, "out of memory");
        } else {
            for (size_t i = 0; i < ncols; i++)
                f[i] = known(&x, i) ? 1 : x.openfn != NULL ? -1 : 0;
            cw__free(p->final);
            p->final = f;
            p->nfinal = ncols;
            p->openfn = x.openfn;
        }
    }
    if (rc != CW_OK)
        p->ndefer = p->fd0 = p->fnd = 0;
    if (rc != CW_OK)
        for (size_t i = 0; i < p->n; i++)
            p->s[i].nd = 0;
    cw__free(x.set);
    cw__buf_free(&x.msg);
    return rc;
}

int cw__plan_has(const cw_plan *p, size_t col, const char **fn)
{
    *fn = p->openfn;
    if (col < p->nfinal)
        return p->final[col];
    return p->openfn != NULL ? -1 : 0;
}

int cw__plan_unset(const cw_plan *p,
                   void (*fn)(void *ud, const char *column, const char *msg),
                   void *ud)
{
    size_t n = cw__layout_count(p->layout);
    const char **names = cw__alloc((n ? n : 1) * sizeof *names);
    cw_buf b = {0};
    int rc = CW_OK;

    if (names == NULL)
        return CW_ENOMEM;
    for (size_t i = 0; i < n; i++)
        names[i] = cw__layout_name(p->layout, i);
    for (size_t i = 0; i < p->ndefer && rc == CW_OK; i++) {
        const defer *d = &p->defer[i];
        const char *name = cw__layout_name(p->layout, d->col);
        int found;

        if (d->seen || d->reached == 0)
            continue;
        b.len = 0;
        rc = cw__buf_printf(&b,
                            "%s: column '%s' had no value on any of the %llu "
                            "record%s that reached it; %s",
                            d->label, name, d->reached,
                            d->reached == 1 ? "" : "s", d->why);
        if (rc == CW_OK)
            rc = cw__names_suggest(&b, names, n, name, &found);
        if (rc == CW_OK)
            fn(ud, name, b.p);
    }
    cw__buf_free(&b);
    cw__free(names);
    return rc;
}

/* Note for the watched names 'd' of a reader whether record 'rec',
** which reached it, has a value in them. */
static void watch(cw_plan *p, size_t d0, size_t nd, const cw_rec *rec)
{
    for (size_t i = d0; i < d0 + nd; i++) {
        defer *d = &p->defer[i];

        if (d->seen)
            continue;
        d->reached++;
        d->seen = cw__rec_get(rec, d->col).p != NULL;
    }
}

/* ==== Run ==== */

/* Outcome of one step for one record. */
enum { GO_ON, STOPPED };

/*
** run_map() for a map whose every assignment is 'from' a column without a
** default (most are: renames, some with a rule): the same steps, over a
** compact copy of the assignments and without the cases that cannot
** happen.  It runs for every field of every row.
*/
static int run_map_from(cw_plan *p, step *st, cw_rec *rec, const cw_field *orig,
                        const cw_plan_cb *cb, cw_err *err, int *stopped)
{
    const fromcol *fc = st->from;
    cw_field *val = st->vals, *f = rec->f; /* read once: the stores to */
    size_t n = st->nfrom, cap = rec->cap;  /* fields could alias them */

    for (size_t i = 0; i < n; i++) {
        const char *vp = NULL;
        size_t vlen = 0, o;
        cw_verdict vd;

        if (fc[i].src < cap) {
            vp = f[fc[i].src].p;
            vlen = f[fc[i].src].len;
        }
        if (fc[i].rule != NULL &&
            cw__rule_apply(fc[i].rule, vp, vlen, &st->as[fc[i].as].scratch, &vp,
                           &vlen, &vd) != 0) {
            const char *name = st->as[fc[i].as].outname;

            snprintf(p->msg, sizeof p->msg, "column '%s': %s", name, vd.msg);
            *stopped = 1;
            return cb->reject(cb->ud, rec, orig, name, vd.code, p->msg);
        }
        if (!st->onepass) {
            val[i].p = vp;
            val[i].len = vlen;
        } else if ((o = fc[i].out) < cap) {
            f[o].p = vp;
            f[o].len = vlen;
        } else if (cw__rec_setview(rec, o, vp, vlen) != CW_OK) {
            return cw__fail(err, CW_ENOMEM, "out of memory");
        } else { /* the record grew */
            f = rec->f;
            cap = rec->cap;
        }
    }
    for (size_t i = 0; !st->onepass && i < n; i++) {
        size_t o = fc[i].out;

        if (o < rec->cap) {
            rec->f[o].p = val[i].p;
            rec->f[o].len = val[i].len;
        } else if (cw__rec_setview(rec, o, val[i].p, val[i].len) != CW_OK) {
            return cw__fail(err, CW_ENOMEM, "out of memory");
        }
    }
    return CW_OK;
}

static int run_map(cw_plan *p, step *st, cw_rec *rec, const cw_field *orig,
                   const cw_plan_cb *cb, cw_err *err, int *stopped)
{
    if (st->from != NULL)
        return run_map_from(p, st, rec, orig, cb, err, stopped);
    /* First compute every value, then assign, so that swaps work. */
    for (size_t i = 0; i < st->nas; i++) {
        assign *a = &st->as[i];
        cw_field v;
        cw_verdict vd;
        int rc;

        switch (a->kind) {
        case A_FROM:
            v = cw__rec_get(rec, a->src);
            break;
        case A_CONST:
            v = (cw_field){a->cval, a->clen};
            break;
        case A_FN: {
            int isnull;

            cw__lua_step(p->lua, st->label, (size_t)(st - p->s));
            rc = cw__lua_call_value(p->lua, a->ref, rec, &a->fnbuf, &isnull,
                                    err);
            if (rc != CW_OK)
                return rc;
            v = isnull ? (cw_field){NULL, 0}
                       : (cw_field){a->fnbuf.p ? a->fnbuf.p : "", a->fnbuf.len};
            break;
        }
        }
        if (a->def != NULL && (v.p == NULL || cw__blank(v.p, v.len)))
            v = (cw_field){a->def, a->deflen};
        if (a->rule != NULL && cw__rule_apply(a->rule, v.p, v.len, &a->scratch,
                                              &v.p, &v.len, &vd) != 0) {
            snprintf(p->msg, sizeof p->msg, "column '%s': %s", a->outname,
                     vd.msg);
            *stopped = 1;
            return cb->reject(cb->ud, rec, orig, a->outname, vd.code, p->msg);
        }
        a->val.p = v.p;     /* member by member: a 16-byte copy of v, just */
        a->val.len = v.len; /* stored in two halves, stalls */
    }
    for (size_t i = 0; i < st->nas; i++)
        if (cw__rec_setview(rec, st->as[i].out, st->as[i].val.p,
                            st->as[i].val.len) != CW_OK)
            return cw__fail(err, CW_ENOMEM, "out of memory");
    return CW_OK;
}

static int run_lookup(cw_plan *p, step *st, cw_rec *rec, const cw_field *orig,
                      const cw_plan_cb *cb, int *stopped)
{
    cw_field k = cw__rec_get(rec, st->on);
    const char *onname = cw__layout_name(p->layout, st->on);
    size_t row = 0, n = 0;
    cw_verdict vd;

    if (k.p != NULL && st->keyrule != NULL &&
        cw__rule_apply(st->keyrule, k.p, k.len, &st->keybuf, &k.p, &k.len,
                       &vd) != 0)
        k.p = NULL;
    if (k.p != NULL && k.len > 0)
        n = cw__lookup_find(st->tab, k.p, k.len, &row);
    if (st->exists >= 0) {
        cw__rec_setview(rec, (size_t)st->exists, n > 0 ? "true" : "false",
                        n > 0 ? 4 : 5);
        if (st->nl == 0)
            return CW_OK;
    }
    if (n == 0) {
        if (st->missing == MISS_FILTER) {
            *stopped = 1;
            cb->filtered(cb->ud);
            return CW_OK;
        }
        if (st->missing == MISS_REJECT) {
            int shown = k.p == NULL ? 0 : (k.len > 60 ? 60 : (int)k.len);

            snprintf(p->msg, sizeof p->msg,
                     "column '%s': no row of input '%s' has %s '%.*s'", onname,
                     st->input, st->key, shown, k.p ? k.p : "");
            *stopped = 1;
            return cb->reject(cb->ud, rec, orig, onname, "E_LOOKUP_MISSING",
                              p->msg);
        }
        for (size_t i = 0; i < st->nl; i++)
            cw__rec_setview(rec, st->outcols[i], NULL, 0);
        return CW_OK;
    }
    if (n > 1 && !st->ambiguous_ok) {
        int shown = k.len > 60 ? 60 : (int)k.len;

        snprintf(p->msg, sizeof p->msg,
                 "column '%s': '%.*s' matches several different rows of "
                 "input '%s' (ambiguous)",
                 onname, shown, k.p, st->input);
        *stopped = 1;
        return cb->reject(cb->ud, rec, orig, onname, "E_LOOKUP_AMBIGUOUS",
                          p->msg);
    }
    for (size_t i = 0; i < st->nl; i++) {
        cw_field v = cw__lookup_value(st->tab, row, i);

        cw__rec_setview(rec, st->outcols[i], v.p, v.len);
    }
    return CW_OK;
}

static int park(cw_plan *p, const cw_rec *rec, const cw_field *orig,
                const cw_plan_cb *cb, cw_err *err);

/* Push 'rec' through steps 'from' onwards. */
static int push(cw_plan *p, size_t from, cw_rec *rec, const cw_field *orig,
                const cw_plan_cb *cb, cw_err *err)
{
    if (cw__rec_fit(rec) != CW_OK)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    for (size_t i = from; i < p->n; i++) {
        step *st = &p->s[i];
        int stopped = 0, rc = CW_OK;

        if (st->nd > 0)
            watch(p, st->d0, st->nd, rec);
        switch (st->kind) {
        case S_MAP:
            rc = run_map(p, st, rec, orig, cb, err, &stopped);
            break;
        case S_FILTER:
            if (st->ref >= 0) {
                int verdict;

                cw__lua_step(p->lua, st->label, (size_t)(st - p->s));
                rc = cw__lua_call_rec(p->lua, st->ref, rec, &verdict,
                                      &p->reason, err);
                if (rc == CW_OK && verdict == CW_FN_REJECT) {
                    stopped = 1;
                    rc = cb->reject(cb->ud, rec, orig, NULL, "E_RECIPE",
                                    p->reason.p ? p->reason.p : "");
                } else if (rc == CW_OK && verdict == CW_FN_DROP) {
                    stopped = 1;
                    cb->filtered(cb->ud);
                }
            } else if (!cw__pred_test(&st->pred,
                                      cw__rec_get(rec, (size_t)st->pred.col))) {
                stopped = 1;
                cb->filtered(cb->ud);
            }
            break;
        case S_FN: {
            int verdict;

            if (i == p->pa && p->pool != NULL) /* to the workers */
                return park(p, rec, orig, cb, err);
            cw__lua_step(p->lua, st->label, (size_t)(st - p->s));
            rc = cw__lua_call_rec(p->lua, st->ref, rec, &verdict, &p->reason,
                                  err);
            if (rc == CW_OK && verdict == CW_FN_DROP) {
                stopped = 1;
                cb->filtered(cb->ud);
            } else if (rc == CW_OK && verdict == CW_FN_REJECT) {
                stopped = 1;
                rc = cb->reject(cb->ud, rec, orig, NULL, "E_RECIPE",
                                p->reason.p ? p->reason.p : "rejected");
            }
            if (rc == CW_OK && cw__rec_fit(rec) != CW_OK)
                rc = cw__fail(err, CW_ENOMEM, "out of memory");
            break;
        }
        case S_VALIDATE: {
            cw_field v = cw__rec_get(rec, st->col);
            cw_verdict vd;

            if (cw__rule_apply(st->rule, v.p, v.len, &st->scratch, &v.p, &v.len,
                               &vd) != 0) {
                const char *name = cw__layout_name(p->layout, st->col);

                snprintf(p->msg, sizeof p->msg, "column '%s': %s", name,
                         vd.msg);
                stopped = 1;
                rc = cb->reject(cb->ud, rec, orig, name, vd.code, p->msg);
            }
            break;
        }
        case S_LOOKUP:
            rc = run_lookup(p, st, rec, orig, cb, &stopped);
            break;
        case S_GROUP: {
            int isnew;

            if (cw__group_add(st->group, rec, orig, &isnew) != CW_OK)
                return cw__fail(err, CW_ENOMEM, "out of memory");
            if (!isnew)
                cb->merged(cb->ud);
            return CW_OK;
        }
        }
        if (rc != CW_OK)
            return rc;
        if (stopped)
            return CW_OK;
    }
    if (p->fnd > 0)
        watch(p, p->fd0, p->fnd, rec);
    return cb->emit(cb->ud, rec, orig);
}

/* ==== The parallel section ==== */

/* The workers' job: the section's functions on one record, in worker
** 'w''s state, until one drops or rejects it.  Worker 'nw' is the
** caller's thread, which runs them in the recipe's own state. */
static int section(void *ud, size_t w, cw_slot *s)
{
    cw_plan *p = ud;
    cw_lua *x = w < p->nw ? p->wlua[w] : p->lua;
    const int *ref = w < p->nw ? &p->wref[w * (p->pb - p->pa)] : NULL;

    /* The run's thread may be waiting for this batch: it sees the
    ** interruption only once the batch is done. */
    if (p->stop != NULL && atomic_load(p->stop))
        return cw__fail(&s->err, CW_EINTR, "interrupted");
    for (size_t i = p->pa; i < p->pb; i++) {
        int rc;

        cw__lua_step(x, p->s[i].label, i);
        rc = cw__lua_call_rec(x, ref != NULL ? ref[i - p->pa] : p->s[i].ref,
                              &s->rec, &s->verdict, &s->reason, &s->err);
        if (rc != CW_OK || s->verdict != CW_FN_KEEP)
            return rc;
        if (cw__rec_fit(&s->rec) != CW_OK)
            return cw__fail(&s->err, CW_ENOMEM, "out of memory");
    }
    return CW_OK;
}

/* Take back the oldest batch out (waiting for it when 'wait' is 1), and
** push its records on from the step after the section in order; 0 when
** there was none to take. */
static int takeback(cw_plan *p, int wait, int *took, cw_err *err)
{
    const cw_plan_cb *cb = p->cb;
    size_t n = cw__pool_take(p->pool, wait);
    int rc = CW_OK;

    *took = n > 0;
    for (size_t k = 0; k < n && rc == CW_OK; k++) {
        cw_slot *s = cw__pool_slot(p->pool, k);

        if (s->rc != CW_OK) {
            *err = s->err;
            rc = s->rc;
        } else if (s->verdict == CW_FN_DROP) {
            cb->filtered(cb->ud);
        } else if (s->verdict == CW_FN_REJECT) {
            rc = cb->reject(cb->ud, &s->rec, s->orig, NULL, "E_RECIPE",
                            s->reason.p ? s->reason.p : "rejected");
        } else {
            rc = push(p, p->pb, &s->rec, s->orig, cb, err);
        }
        if (rc != CW_OK)
            p->failline = s->rec.line;
    }
    if (n > 0)
        cw__pool_done(p->pool);
    return rc;
}

/* Every record given to the workers, pushed on. */
static int drain(cw_plan *p, cw_err *err)
{
    int rc = CW_OK, took = 1;

    if (p->pool == NULL)
        return CW_OK;
    cw__pool_flush(p->pool);
    while (rc == CW_OK && took)
        rc = takeback(p, 1, &took, err);
    return rc;
}

/* Give 'rec' to the workers, first pushing on the records they are done
** with (and waiting for the oldest when no batch is free). */
static int park(cw_plan *p, const cw_rec *rec, const cw_field *orig,
                const cw_plan_cb *cb, cw_err *err)
{
    int rc = CW_OK, took = 1;

    p->cb = cb;
    while (rc == CW_OK && took)
        rc = takeback(p, 0, &took, err);
    while (rc == CW_OK && !cw__pool_room(p->pool))
        rc = takeback(p, 1, &took, err);
    if (rc == CW_OK &&
        cw__pool_put(p->pool, rec, orig, p->norig, p->onebuf) != CW_OK)
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
    return rc;
}

int cw__plan_parallel(const cw_plan *p)
{
    return p->pb > 0;
}

int cw__plan_workers(cw_plan *p, size_t n, cw_plan_loader load, void *ud,
                     const atomic_int *stop, cw_err *err)
{
    size_t ns = p->pb - p->pa;
    int rc = CW_OK;

    if (p->pb == 0 || p->pool != NULL)
        return CW_OK;
    p->stop = stop;
    /* Workers read the layout while the run goes: no column is added
    ** (nor without them, so that a recipe runs alike on any machine). */
    cw__layout_seal(p->layout);
    if (n == 0)
        return CW_OK;
    p->wlua = cw__alloc(n * sizeof *p->wlua);
    p->wref = cw__alloc(n * ns * sizeof *p->wref);
    if (p->wlua == NULL || p->wref == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    for (size_t w = 0; w < n && rc == CW_OK; w++) {
        cw_node *tree = NULL;
        const cw_node *steps;

        rc = load(ud, &p->wlua[w], &tree, err);
        if (p->wlua[w] != NULL)
            p->nw = w + 1;
        steps = rc == CW_OK ? cw__node_get(tree, "steps") : NULL;
        for (size_t i = p->pa; rc == CW_OK && i < p->pb; i++) {
            const cw_node *fn =
                steps != NULL && steps->type == CW_NODE_TABLE && i < steps->narr
                    ? cw__node_get(steps->arr[i], "fn")
                    : NULL;

            if (fn == NULL || fn->type != CW_NODE_FUNC)
                rc = cw__fail(err, CW_EUSAGE,
                              "%s: %s: loaded again for a worker, the recipe "
                              "has no function there (a parallel step's "
                              "recipe must return the same steps each time)",
                              p->where, p->s[i].label);
            else
                p->wref[w * ns + i - p->pa] = fn->ref;
        }
        cw__node_free(tree);
    }
    if (rc != CW_OK)
        return rc;
    rc = cw__pool_new(n, section, p, &p->pool);
    if (rc != CW_OK)
        return cw__fail(err, rc, "cannot start %zu worker threads", n);
    return CW_OK;
}

unsigned long cw__plan_failline(const cw_plan *p)
{
    return p->failline;
}

int cw__plan_push(cw_plan *p, cw_rec *rec, const cw_field *orig,
                  const cw_plan_cb *cb, cw_err *err)
{
    return push(p, 0, rec, orig, cb, err);
}

int cw__plan_finish(cw_plan *p, cw_rec *rec, const cw_plan_cb *cb, cw_err *err)
{
    int rc = drain(p, err);
    /* What groups emit is numbered on from the last row read, in the
    ** order it reaches the later steps (recproxy.c orders the names no
    ** record had by it). */
    unsigned long long n = rec->rownum;

    p->onebuf = 0; /* what groups hold back is kept apart */
    if (rc != CW_OK)
        return rc;
    for (size_t i = 0; i < p->n; i++) {
        step *st = &p->s[i];

        if (st->kind != S_GROUP)
            continue;
        for (size_t g = 0; g < cw__group_count(st->group); g++) {
            const cw_field *orig;

            if (cw__group_emit(st->group, g, rec, &orig) != CW_OK)
                return cw__fail(err, CW_ENOMEM, "out of memory");
            rec->rownum = ++n;
            rc = push(p, i + 1, rec, orig, cb, err);
            if (rc != CW_OK)
                return rc;
        }
        if ((rc = drain(p, err)) != CW_OK)
            return rc;
    }
    for (size_t w = 0; w < p->nw; w++) /* the workers are idle */
        cw__lua_takemissed(p->lua, p->wlua[w]);
    return CW_OK;
}
