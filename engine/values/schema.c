/*
** schema.c -- loads schema files into column specs and checks values
** against them.  A schema file is Lua data read in its own sandbox.
*/
#include "values/schema.h"

#include "core/check.h"
#include "lua/luabridge.h"
#include "values/rulekit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const typenames[] = {"id",      "text", "integer",  "number",
                                        "boolean", "date", "datetime", "phone",
                                        "email",   "enum", "json",     NULL};

/*
** The keys of each table of a schema file (docs/schema-format.md): an
** unknown key is an error, never silently ignored.  'tool', 'direction',
** 'source', a column's 'doc' and a prefix's 'type' document the format;
** the checks do not read them ('crosswalk schema show' prints 'doc').
*/
static const char *const schema_keys[] = {
    "name",    "title",     "tool",        "direction", "source",
    "key",     "organizer", "spreadsheet", "max_bytes", "distinct",
    "columns", "prefixes",  NULL};
static const char *const column_keys[] = {
    "name",       "type",   "required", "nonblank", "aliases", "values",
    "max_length", "format", "rules",    "doc",      NULL};
static const char *const rule_keys[] = {"rule", "args", NULL};
static const char *const distinct_keys[] = {"column", "max", NULL};
static const char *const prefix_keys[] = {"prefix", "type", NULL};
static const char *const list_keys[] = {NULL}; /* columns, rules, prefixes */

const char *cw__coltype_name(enum cw_coltype t)
{
    return typenames[t];
}

static void freestrs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cw__free(v[i]);
    cw__free(v);
}

void cw__schema_free(cw_schema *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->ncols; i++) {
        cw_colspec *c = &s->cols[i];

        cw__free(c->name);
        freestrs(c->aliases, c->naliases);
        freestrs(c->values, c->nvalues);
        for (size_t k = 0; k < c->nrules; k++)
            cw__rule_free(c->rules[k]);
        cw__free(c->rules);
    }
    cw__free(s->cols);
    freestrs(s->key, s->nkey);
    freestrs(s->prefixes, s->nprefixes);
    cw__free(s->name);
    cw__free(s->title);
    cw__free(s->distinct_col);
    cw__free(s);
}

/*
** Copy the array of strings at 'n' (a table node or NULL) into '*out',
** '*count'.  A plain string counts as a one-element list.
*/
static int strlist(const cw_node *n, char ***out, size_t *count,
                   const char *where, const char *what, cw_err *err)
{
    size_t cnt;

    *out = NULL;
    *count = 0;
    if (n == NULL)
        return CW_OK;
    if (n->type == CW_NODE_STR) {
        *out = cw__alloc(sizeof **out);
        if (*out == NULL || ((*out)[0] = cw__strdup(n->str)) == NULL) {
            cw__free(*out);
            *out = NULL;
            return cw__fail(err, CW_ENOMEM, "out of memory");
        }
        *count = 1;
        return CW_OK;
    }
    if (n->type != CW_NODE_TABLE || n->nkeys > 0)
        return cw__fail(err, CW_EUSAGE, "%s: '%s' must be a list of strings",
                        where, what);
    cnt = n->narr;
    if (cnt == 0)
        return CW_OK;
    *out = cw__alloc(cnt * sizeof **out);
    if (*out == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < cnt; i++) {
        if (n->arr[i]->type != CW_NODE_STR) {
            *count = i;
            return cw__fail(err, CW_EUSAGE,
                            "%s: '%s' item %zu must be a string", where, what,
                            i + 1);
        }
        (*out)[i] = cw__strdup(n->arr[i]->str);
        if ((*out)[i] == NULL) {
            *count = i;
            return cw__fail(err, CW_ENOMEM, "out of memory");
        }
    }
    *count = cnt;
    return CW_OK;
}

static int flag(const cw_node *t, const char *key)
{
    const cw_node *v = cw__node_get(t, key);

    return v != NULL && v->type == CW_NODE_BOOL && v->b;
}

/* Fill column 'c' from its node 'n'. */
static int colspec(const cw_node *n, cw_colspec *c, const char *where,
                   size_t idx, cw_err *err)
{
    const char *type, *fmt;
    const cw_node *rules, *ml;
    int rc;

    if (cw__node_str(n, "name", NULL) != NULL)
        rc = cw__check_keys(n, column_keys, "key", err, "%s: column '%s'",
                            where, cw__node_str(n, "name", NULL));
    else
        rc = cw__check_keys(n, column_keys, "key", err, "%s: columns[%zu]",
                            where, idx + 1);
    if (rc != CW_OK)
        return rc;
    if (n->type != CW_NODE_TABLE || cw__node_str(n, "name", NULL) == NULL)
        return cw__fail(err, CW_EUSAGE, "%s: columns[%zu] needs a 'name'",
                        where, idx + 1);
    c->name = cw__strdup(cw__node_str(n, "name", ""));
    if (c->name == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    if (cw__node_get(n, "type") != NULL &&
        cw__node_get(n, "type")->type != CW_NODE_STR)
        return cw__fail(err, CW_EUSAGE,
                        "%s: column '%s': 'type' must be a string", where,
                        c->name);
    type = cw__node_str(n, "type", "text");
    c->type = CW_T_TEXT;
    for (int i = 0; typenames[i] != NULL; i++) {
        if (strcmp(typenames[i], type) == 0) {
            c->type = (enum cw_coltype)i;
            break;
        }
        if (typenames[i + 1] == NULL)
            return cw__fail(err, CW_EUSAGE,
                            "%s: column '%s': unknown type '%s' (valid: id, "
                            "text, integer, number, boolean, date, datetime, "
                            "phone, email, enum, json)",
                            where, c->name, type);
    }
    c->required = flag(n, "required");
    c->nonblank = flag(n, "nonblank");
    fmt = cw__node_str(n, "format", NULL);
    c->organizer_dates = fmt != NULL && strcmp(fmt, "organizer") == 0;
    ml = cw__node_get(n, "max_length");
    c->max_length = ml != NULL && ml->type == CW_NODE_NUM ? (long)ml->num : -1;
    rc = strlist(cw__node_get(n, "aliases"), &c->aliases, &c->naliases, where,
                 "aliases", err);
    if (rc == CW_OK)
        rc = strlist(cw__node_get(n, "values"), &c->values, &c->nvalues, where,
                     "values", err);
    if (rc != CW_OK)
        return rc;
    if (c->type == CW_T_ENUM && c->nvalues == 0)
        return cw__fail(err, CW_EUSAGE, "%s: enum column '%s' needs 'values'",
                        where, c->name);
    rules = cw__node_get(n, "rules");
    rc = cw__check_keys(rules, list_keys, "key", err, "%s: column '%s': rules",
                        where, c->name);
    if (rc != CW_OK)
        return rc;
    if (rules != NULL && rules->type == CW_NODE_TABLE && rules->narr > 0) {
        c->rules = cw__alloc(rules->narr * sizeof *c->rules);
        if (c->rules == NULL)
            return cw__fail(err, CW_ENOMEM, "out of memory");
        for (size_t i = 0; i < rules->narr; i++) {
            const cw_node *r = rules->arr[i];
            const char *rname =
                r->type == CW_NODE_STR ? r->str : cw__node_str(r, "rule", NULL);

            rc = cw__check_keys(r, rule_keys, "key", err,
                                "%s: column '%s': rules[%zu]", where, c->name,
                                i + 1);
            if (rc != CW_OK)
                return rc;
            if (rname == NULL)
                return cw__fail(err, CW_EUSAGE,
                                "%s: column '%s': rules[%zu] needs a name",
                                where, c->name, i + 1);
            /* { rule = "max_length", args = { n = 3 } }, as in recipes */
            rc = cw__rule_new(rname,
                              r->type == CW_NODE_TABLE ? cw__node_get(r, "args")
                                                       : NULL,
                              &c->rules[i], err);
            if (rc != CW_OK) {
                char why[sizeof err->msg];

                if (err == NULL)
                    return rc;
                memcpy(why, err->msg, sizeof why);
                return cw__fail(err, rc, "%s: column '%s': rules[%zu]: %s",
                                where, c->name, i + 1, why);
            }
            c->nrules = i + 1;
        }
    }
    return CW_OK;
}

int cw__schema_from_node(const cw_node *n, const char *where, cw_schema **out,
                         cw_err *err)
{
    cw_schema *s;
    const cw_node *cols, *d, *mb, *pre;
    int rc;

    *out = NULL;
    rc = cw__check_keys(n, schema_keys, "key", err, "%s", where);
    if (rc != CW_OK)
        return rc;
    s = cw__alloc(sizeof *s);
    if (s == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    *s = (cw_schema){0};
    s->name = cw__strdup(cw__node_str(n, "name", where));
    s->title = cw__strdup(cw__node_str(n, "title", ""));
    if (s->name == NULL || s->title == NULL) {
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
        goto fail;
    }
    cols = cw__node_get(n, "columns");
    if (cols == NULL || cols->type != CW_NODE_TABLE || cols->narr == 0) {
        rc = cw__fail(err, CW_EUSAGE, "%s: 'columns' must list the columns",
                      where);
        goto fail;
    }
    rc = cw__check_keys(cols, list_keys, "key", err, "%s: columns", where);
    if (rc != CW_OK)
        goto fail;
    s->cols = cw__alloc(cols->narr * sizeof *s->cols);
    if (s->cols == NULL) {
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < cols->narr; i++) {
        s->cols[i] = (cw_colspec){.max_length = -1};
        s->ncols = i + 1;
        rc = colspec(cols->arr[i], &s->cols[i], where, i, err);
        if (rc != CW_OK)
            goto fail;
    }
    rc = strlist(cw__node_get(n, "key"), &s->key, &s->nkey, where, "key", err);
    if (rc != CW_OK)
        goto fail;
    for (size_t i = 0; i < s->nkey; i++) {
        size_t k;

        /* Exact spelling: sinks match keys to column names by strcmp. */
        for (k = 0; k < s->ncols; k++)
            if (strcmp(s->cols[k].name, s->key[i]) == 0)
                break;
        if (k == s->ncols) {
            rc = cw__fail(err, CW_EUSAGE, "%s: key column '%s' is not a column",
                          where, s->key[i]);
            goto fail;
        }
    }
    pre = cw__node_get(n, "prefixes");
    rc = cw__check_keys(pre, list_keys, "key", err, "%s: prefixes", where);
    if (rc != CW_OK)
        goto fail;
    if (pre != NULL && pre->type == CW_NODE_TABLE && pre->narr > 0) {
        s->prefixes = cw__alloc(pre->narr * sizeof *s->prefixes);
        if (s->prefixes == NULL) {
            rc = cw__fail(err, CW_ENOMEM, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < pre->narr; i++) {
            const char *p = cw__node_str(pre->arr[i], "prefix", NULL);

            rc = cw__check_keys(pre->arr[i], prefix_keys, "key", err,
                                "%s: prefixes[%zu]", where, i + 1);
            if (rc != CW_OK)
                goto fail;
            if (p == NULL && pre->arr[i]->type == CW_NODE_STR)
                p = pre->arr[i]->str;
            if (p == NULL) {
                rc = cw__fail(err, CW_EUSAGE,
                              "%s: prefixes[%zu] needs a 'prefix'", where,
                              i + 1);
                goto fail;
            }
            if ((s->prefixes[i] = cw__strdup(p)) == NULL) {
                rc = cw__fail(err, CW_ENOMEM, "out of memory");
                goto fail;
            }
            s->nprefixes = i + 1;
        }
    }
    s->organizer = flag(n, "organizer");
    s->spreadsheet = flag(n, "spreadsheet");
    mb = cw__node_get(n, "max_bytes");
    if (mb != NULL && mb->type == CW_NODE_NUM && mb->num > 0) {
        if (!(mb->num < 9e18)) { /* inf and NaN too (found by fuzzing) */
            rc = cw__fail(err, CW_EUSAGE, "%s: 'max_bytes' must be below 9e18",
                          where);
            goto fail;
        }
        s->max_bytes = (unsigned long long)mb->num;
    }
    d = cw__node_get(n, "distinct");
    if (d != NULL) {
        const cw_node *mx = cw__node_get(d, "max");
        const char *col = cw__node_str(d, "column", NULL);

        rc =
            cw__check_keys(d, distinct_keys, "key", err, "%s: distinct", where);
        if (rc != CW_OK)
            goto fail;
        if (col == NULL || mx == NULL || mx->type != CW_NODE_NUM ||
            mx->num < 1) {
            rc =
                cw__fail(err, CW_EUSAGE,
                         "%s: 'distinct' needs a column and a max >= 1", where);
            goto fail;
        }
        if (!(mx->num <= 1e9)) {
            rc = cw__fail(err, CW_EUSAGE,
                          "%s: 'distinct' max must be at most 1000000000",
                          where);
            goto fail;
        }
        s->distinct_col = cw__strdup(col);
        if (s->distinct_col == NULL) {
            rc = cw__fail(err, CW_ENOMEM, "out of memory");
            goto fail;
        }
        s->distinct_max = (size_t)mx->num;
    }
    *out = s;
    return CW_OK;

fail:
    cw__schema_free(s);
    return rc;
}

/* 1 when 'name' is a safe schema name: tool/format in [a-z0-9_]. */
static int goodname(const char *name)
{
    int slashes = 0;
    size_t n = strlen(name);

    if (n == 0 || n > 100 || name[0] == '/' || name[n - 1] == '/')
        return 0;
    for (const char *p = name; *p; p++) {
        if (*p == '/')
            slashes++;
        else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                   *p == '_'))
            return 0;
    }
    return slashes == 1;
}

/* Load the schema file 'path' as schema 'name'. */
static int loadpath(const char *path, const char *name, cw_schema **out,
                    cw_err *err)
{
    cw_lua *x = NULL;
    cw_node *n = NULL;
    int rc;

    rc = cw__lua_open(NULL, NULL, &x, err);
    if (rc == CW_OK)
        rc = cw__lua_loadfile(x, path, NULL, 0, &n, err);
    if (rc == CW_OK)
        rc = cw__schema_from_node(n, path, out, err);
    if (rc == CW_OK && strcmp((*out)->name, name) != 0) {
        rc = cw__fail(err, CW_EUSAGE, "%s: name '%s' does not match the path",
                      path, (*out)->name);
        cw__schema_free(*out);
        *out = NULL;
    }
    cw__node_free(n);
    cw__lua_close(x);
    return rc;
}

int cw__schema_load_in(const char *folder, const char *home, const char *name,
                       cw_schema **out, cw_err *err)
{
    char real[CW_PATH_MAX];
    cw_buf dir = {0}, path = {0};
    FILE *f;
    int rc;

    *out = NULL;
    if (!goodname(name))
        return cw__fail(err, CW_EUSAGE,
                        "bad schema name '%s' (expected tool/format, such as "
                        "organizer/text_interactions)",
                        name);
    if (folder != NULL) {
        if (cw__buf_printf(&dir, "%s/schemas", folder) != CW_OK ||
            cw__buf_printf(&path, "%s/%s.lua", dir.p, name) != CW_OK) {
            rc = cw__fail(err, CW_ENOMEM, "out of memory");
            goto done;
        }
        switch (cw__path_inside(dir.p, path.p, real)) {
        case CW_PATH_OK:
            rc = loadpath(path.p, name, out, err);
            goto done;
        case CW_PATH_OUTSIDE:
            rc = cw__fail(err, CW_EUSAGE,
                          "schema '%s' refused: %s is a symbolic link to a "
                          "file outside %s",
                          name, path.p, dir.p);
            goto done;
        case CW_PATH_ERROR:
            rc = cw__fail(err, CW_EUSAGE, "schema '%s': %s: %s", name, path.p,
                          strerror(errno));
            goto done;
        default: /* missing: the home's */
            break;
        }
    }
    path.len = 0;
    if (cw__buf_printf(&path, "%s/schemas/%s.lua", home, name) != CW_OK) {
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
        goto done;
    }
    f = fopen(path.p, "r");
    if (f == NULL) {
        if (folder != NULL)
            rc = cw__fail(err, CW_EUSAGE,
                          "unknown schema '%s' (no file %s/%s.lua in the "
                          "recipe folder, nor %s; 'crosswalk schemas' lists "
                          "the home's)",
                          name, dir.p, name, path.p);
        else
            rc = cw__fail(err, CW_EUSAGE,
                          "unknown schema '%s' (no file %s; 'crosswalk "
                          "schemas' lists them)",
                          name, path.p);
        goto done;
    }
    fclose(f);
    rc = loadpath(path.p, name, out, err);
done:
    cw__buf_free(&dir);
    cw__buf_free(&path);
    return rc;
}

int cw__schema_load(const char *home, const char *name, cw_schema **out,
                    cw_err *err)
{
    return cw__schema_load_in(NULL, home, name, out, err);
}

long cw__schema_find(const cw_schema *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->ncols; i++) {
        const char *c = s->cols[i].name;

        if (strlen(c) == len && memcmp(c, name, len) == 0)
            return (long)i;
    }
    for (size_t i = 0; i < s->ncols; i++) {
        const cw_colspec *c = &s->cols[i];

        if (cw__eqi(c->name, strlen(c->name), name, len))
            return (long)i;
        for (size_t k = 0; k < c->naliases; k++)
            if (cw__eqi(c->aliases[k], strlen(c->aliases[k]), name, len))
                return (long)i;
    }
    return -1;
}

int cw__schema_prefixed(const cw_schema *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->nprefixes; i++) {
        size_t pl = strlen(s->prefixes[i]);

        if (len >= pl && cw__eqi(s->prefixes[i], pl, name, pl))
            return 1;
    }
    return 0;
}

int cw__schema_missing_hint(cw_buf *b, const cw_schema *s,
                            const char *const *missing, size_t nmissing,
                            const char *const *hdr, size_t nh)
{
    const char **unknown = cw__alloc((nh ? nh : 1) * sizeof *unknown);
    int rc = CW_OK, any = 0;

    if (unknown == NULL)
        return CW_ENOMEM;
    /* Only a header name the schema does not know can be a misspelling. */
    for (size_t i = 0; i < nh; i++) {
        size_t len = strlen(hdr[i]);

        unknown[i] = cw__schema_find(s, hdr[i], len) < 0 &&
                             !cw__schema_prefixed(s, hdr[i], len)
                         ? hdr[i]
                         : NULL;
    }
    for (size_t m = 0; m < nmissing && rc == CW_OK; m++) {
        const char *near[3];
        size_t n = cw__names_near(unknown, nh, missing[m], near);

        if (n == 0)
            continue;
        rc = cw__buf_adds(b, "; the header has ");
        if (rc == CW_OK)
            rc = cw__names_or(b, near, n);
        if (rc == CW_OK)
            rc = cw__buf_printf(b, ": is it '%s' misspelled?", missing[m]);
        any = 1;
    }
    if (rc == CW_OK && !any) {
        rc = cw__buf_adds(b, nh > 0 ? "; the header has "
                                    : "; the header is empty");
        if (rc == CW_OK)
            rc = cw__names_list(b, hdr, nh, 8);
    }
    cw__free(unknown);
    return rc;
}

void cw__schema_fit(const cw_schema *s, const char *const *cols, size_t ncols,
                    unsigned char *taken, unsigned char *known, cw_fit *out)
{
    *out = (cw_fit){0};
    memset(taken, 0, s->ncols);
    for (size_t i = 0; i < ncols; i++) {
        size_t len = strlen(cols[i]);
        long k = cw__schema_find(s, cols[i], len);
        int ok = 0;

        if (k >= 0 && !taken[k])
            ok = taken[k] = 1;
        else if (k < 0)
            ok = cw__schema_prefixed(s, cols[i], len);
        out->recognised += (size_t)ok;
        if (known != NULL)
            known[i] = (unsigned char)ok;
    }
    out->unexpected = ncols - out->recognised;
    for (size_t k = 0; k < s->ncols; k++) {
        out->missing += !taken[k];
        out->missing_required += !taken[k] && s->cols[k].required;
    }
    out->ok = out->missing_required == 0 && out->recognised * 2 >= ncols;
}

int cw__fit_cmp(const cw_fit *a, const cw_fit *b)
{
    if (a->ok != b->ok)
        return a->ok ? -1 : 1;
    if (a->recognised != b->recognised)
        return a->recognised > b->recognised ? -1 : 1;
    if (a->missing != b->missing)
        return a->missing < b->missing ? -1 : 1;
    if (a->unexpected != b->unexpected)
        return a->unexpected < b->unexpected ? -1 : 1;
    return 0;
}

/* Fill 'v' with 'code' and a message about column 'c' and value 's'. */
static int reject(cw_verdict *v, const char *code, const cw_colspec *c,
                  const char *what, const char *s, size_t len)
{
    int shown = len > 60 ? 60 : (int)len;

    v->code = code;
    snprintf(v->msg, sizeof v->msg, "column '%s': %s: '%.*s'%s", c->name, what,
             shown, s, len > 60 ? "..." : "");
    return -1;
}

/* Set v->msg to "column 'NAME': WHY", cutting what does not fit. */
static void prefix_column(cw_verdict *v, const cw_colspec *c, const char *why)
{
    size_t n =
        (size_t)snprintf(v->msg, sizeof v->msg, "column '%.60s': ", c->name);

    if (n < sizeof v->msg)
        snprintf(v->msg + n, sizeof v->msg - n, "%.*s",
                 (int)(sizeof v->msg - n - 1), why);
}

static int isinteger(const char *s, size_t len)
{
    size_t i = 0;

    if (len > 0 && (s[0] == '-' || s[0] == '+'))
        i = 1;
    if (i == len)
        return 0;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int isemail(const char *s, size_t len)
{
    const char *at = memchr(s, '@', len);
    const char *dot;

    if (at == NULL || at == s || memchr(s, ' ', len) != NULL)
        return 0;
    if (memchr(at + 1, '@', len - (size_t)(at + 1 - s)) != NULL)
        return 0;
    dot = memchr(at + 1, '.', len - (size_t)(at + 1 - s));
    return dot != NULL && dot > at + 1 && dot < s + len - 1;
}

/* 1 when an id looks like Excel's scientific notation ("1.23457E+11"). */
static int excelnum(const char *s, size_t len)
{
    const char *e = memchr(s, 'E', len);

    if (e == NULL)
        e = memchr(s, 'e', len);
    return e != NULL && e + 1 < s + len && e[1] == '+' &&
           cw__value_number(s, (size_t)(e - s)) &&
           isinteger(e + 2, len - (size_t)(e + 2 - s));
}

static size_t utf8len(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

cw_colspec cw__schema_strict(const cw_schema *s, const cw_colspec *c)
{
    cw_colspec strict = *c;

    if (s->organizer) {
        strict.nonblank = 1;
        strict.organizer_bools = 1;
    }
    return strict;
}

int cw__schema_check(const cw_colspec *c, const char *s, size_t len,
                     cw_buf *scratch, const char **res, size_t *reslen,
                     cw_verdict *v)
{
    *res = s;
    *reslen = len;
    if (s == NULL || cw__blank(s, len)) {
        if (c->required || c->nonblank) {
            v->code = "E_REQUIRED";
            snprintf(v->msg, sizeof v->msg, "column '%s': a value is required",
                     c->name);
            return -1;
        }
        return 0;
    }
    switch (c->type) {
    case CW_T_ID:
        if (excelnum(s, len))
            return reject(v, "E_EXCEL", c,
                          "looks like Excel scientific notation (digits lost)",
                          s, len);
        break;
    case CW_T_INTEGER:
        if (!isinteger(s, len))
            return reject(v, "E_INTEGER", c, "not an integer", s, len);
        break;
    case CW_T_NUMBER:
        if (!cw__value_number(s, len))
            return reject(v, "E_NUMBER", c, "not a number", s, len);
        break;
    case CW_T_BOOLEAN: {
        int b;

        if ((c->organizer_bools ? cw__rule_bool_organizer(s, len, &b, v)
                                : cw__rule_bool(s, len, &b, v)) != 0)
            return reject(v, "E_BOOLEAN", c,
                          "not a boolean (use true/false, yes/no or 1/0)", s,
                          len);
        *res = b ? "true" : "false";
        *reslen = b ? 4 : 5;
        break;
    }
    case CW_T_DATE:
    case CW_T_DATETIME:
        if (c->organizer_dates) {
            if (cw__rule_date_organizer(s, len, v) != 0)
                return reject(v, "E_DATE", c,
                              "not an Organizer date (use MM/DD/YYYY HH:MM or "
                              "YYYY-MM-DD HH:MM)",
                              s, len);
        } else {
            cw_datetime dt;

            if (cw__rule_date_parse(s, len, &dt, v) != 0)
                return reject(v, "E_DATE", c, "not a valid date or time", s,
                              len);
        }
        break;
    case CW_T_PHONE: {
        char e164[24];
        size_t n;

        if (cw__rule_phone(s, len, e164, &n, v) != 0) {
            char why[256];

            memcpy(why, v->msg, sizeof why);
            v->code = "E_PHONE";
            prefix_column(v, c, why);
            return -1;
        }
        scratch->len = 0;
        if (cw__buf_add(scratch, e164, n) != CW_OK)
            return reject(v, "E_NOMEM", c, "out of memory", s, len);
        *res = scratch->p;
        *reslen = n;
        break;
    }
    case CW_T_EMAIL:
        if (!isemail(s, len))
            return reject(v, "E_EMAIL", c, "not an email address", s, len);
        break;
    case CW_T_ENUM: {
        size_t i;

        for (i = 0; i < c->nvalues; i++)
            if (strlen(c->values[i]) == len &&
                memcmp(c->values[i], s, len) == 0)
                break;
        if (i == c->nvalues)
            return reject(v, "E_ENUM", c, "not one of the allowed values", s,
                          len);
        break;
    }
    case CW_T_TEXT:
    case CW_T_JSON:
        break;
    }
    if (c->max_length >= 0 && utf8len(s, len) > (size_t)c->max_length) {
        char what[64];

        snprintf(what, sizeof what, "longer than %ld characters",
                 c->max_length);
        return reject(v, "E_MAXLEN", c, what, s, len);
    }
    for (size_t i = 0; i < c->nrules; i++) {
        if (cw__rule_apply(c->rules[i], *res, *reslen, scratch, res, reslen,
                           v) != 0) {
            char why[256];

            memcpy(why, v->msg, sizeof why);
            prefix_column(v, c, why);
            return -1;
        }
    }
    return 0;
}
