/*
** lookup.c -- lookup tables: rows of a second input held in one byte
** buffer, indexed by key through an open-addressing hash with chains.
*/
#include "steps/lookup.h"

#include "core/check.h"

#include "io/source.h"

#include <string.h>

int cw__pred_test(const cw_pred *p, cw_field f)
{
    int blank = f.p == NULL || cw__blank(f.p, f.len), b;
    cw_verdict v;

    switch (p->op) {
    case CW_P_TRUE:
    case CW_P_FALSE:
        /* The boolean rule's spellings; blank and others pass neither. */
        if (blank || cw__rule_bool(f.p, f.len, &b, &v) != 0)
            return 0;
        return b == (p->op == CW_P_TRUE);
    case CW_P_BLANK:
        return blank;
    case CW_P_PRESENT:
        return !blank;
    case CW_P_EQ:
    case CW_P_IN:
    case CW_P_NOTIN:
        for (size_t i = 0; i < p->nvals; i++) {
            size_t n = strlen(p->vals[i]);

            if (f.p != NULL && n == f.len && memcmp(p->vals[i], f.p, n) == 0)
                return p->op != CW_P_NOTIN;
        }
        return p->op == CW_P_NOTIN;
    }
    return 0;
}

void cw__pred_clear(cw_pred *p)
{
    cw__free(p->column);
    for (size_t i = 0; i < p->nvals; i++)
        cw__free(p->vals[i]);
    cw__free(p->vals);
    *p = (cw_pred){.col = -1};
}

typedef struct cell {
    size_t off; /* offset in 'bytes' */
    size_t len; /* length, (size_t)-1 for null */
} cell;

struct cw_lookup {
    size_t ncols;   /* kept columns per row */
    cw_buf bytes;   /* every kept value and key, back to back */
    cell *cells;    /* nrows * (ncols + 1): the key, then the columns */
    size_t nrows;   /* rows kept */
    size_t cellcap; /* cells allocated */
    long *next;     /* next row with the same key, or -1 */
    size_t nextcap; /* entries allocated in 'next' */
    long *ht;       /* hash slots: first row of a key, or -1 */
    size_t nht;     /* power of two */
};

static size_t hash(const char *s, size_t len)
{
    size_t h = 1469598103934665603u;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

void cw__lookup_free(cw_lookup *t)
{
    if (t == NULL)
        return;
    cw__buf_free(&t->bytes);
    cw__free(t->cells);
    cw__free(t->next);
    cw__free(t->ht);
    cw__free(t);
}

size_t cw__lookup_rows(const cw_lookup *t)
{
    return t->nrows;
}

static cw_field cellfield(const cw_lookup *t, const cell *c)
{
    if (c->len == (size_t)-1)
        return (cw_field){NULL, 0};
    return (cw_field){t->bytes.p + c->off, c->len};
}

/* Append a row: key 'k' and the kept fields 'f'. */
static int addrow(cw_lookup *t, cw_field k, const cw_field *f)
{
    cell *cells;
    long *next;

    cells = cw__grow(t->cells, &t->cellcap, (t->nrows + 1) * (t->ncols + 1),
                     sizeof *cells);
    if (cells == NULL)
        return CW_ENOMEM;
    t->cells = cells;
    next = cw__grow(t->next, &t->nextcap, t->nrows + 1, sizeof *next);
    if (next == NULL)
        return CW_ENOMEM;
    t->next = next;
    for (size_t i = 0; i <= t->ncols; i++) {
        cw_field v = i == 0 ? k : f[i - 1];
        cell *c = &t->cells[t->nrows * (t->ncols + 1) + i];

        c->off = t->bytes.len;
        c->len = v.p == NULL ? (size_t)-1 : v.len;
        if (v.p != NULL && cw__buf_add(&t->bytes, v.p, v.len) != CW_OK)
            return CW_ENOMEM;
    }
    t->next[t->nrows] = -1;
    t->nrows++;
    return CW_OK;
}

static int index_rows(cw_lookup *t)
{
    size_t n = 64;

    while (n < 2 * t->nrows)
        n *= 2;
    t->ht = cw__alloc(n * sizeof *t->ht);
    if (t->ht == NULL)
        return CW_ENOMEM;
    t->nht = n;
    for (size_t i = 0; i < n; i++)
        t->ht[i] = -1;
    /* Insert in reverse so each chain lists rows in file order. */
    for (size_t r = t->nrows; r-- > 0;) {
        cw_field k = cellfield(t, &t->cells[r * (t->ncols + 1)]);
        size_t i = hash(k.p, k.len) & (n - 1);

        for (; t->ht[i] >= 0; i = (i + 1) & (n - 1)) {
            cw_field o =
                cellfield(t, &t->cells[(size_t)t->ht[i] * (t->ncols + 1)]);

            if (o.len == k.len && memcmp(o.p, k.p, k.len) == 0)
                break;
        }
        t->next[r] = t->ht[i];
        t->ht[i] = (long)r;
    }
    return CW_OK;
}

int cw__lookup_read(const char *path, const char *key, const cw_rule *keyrule,
                    const char *const *cols, size_t ncols, const cw_pred *where,
                    size_t nwhere, cw_lookup **out, cw_err *err)
{
    cw_inputspec src = {path, NULL, NULL, NULL};

    return cw__lookup_readspec(&src, key, keyrule, cols, ncols, where, nwhere,
                               out, err);
}

/* Fail: the header of the lookup input 'in' (read from 'path') has no
** column 'name' ('what': "lookup column"); name the close ones. */
static int not_found(const cw_input *in, const char *path, const char *what,
                     const char *name, cw_err *err)
{
    size_t n = in->type->ncols(in->s);
    const char **names = cw__alloc((n ? n : 1) * sizeof *names);
    cw_buf b = {0};
    int rc;

    if (names == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        names[i] = in->type->colname(in->s, i);
    rc = cw__buf_printf(&b, "%s: %s '%s' not found", path, what, name);
    if (rc == CW_OK)
        rc = cw__names_hint(&b, names, n, name);
    cw__free(names);
    if (rc == CW_OK)
        rc = cw__fail(err, CW_EUSAGE, "%s", b.p);
    else
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
    cw__buf_free(&b);
    return rc;
}

int cw__lookup_readspec(const cw_inputspec *src, const char *key,
                        const cw_rule *keyrule, const char *const *cols,
                        size_t ncols, const cw_pred *where, size_t nwhere,
                        cw_lookup **out, cw_err *err)
{
    const char *path = src->path;
    cw_lookup *t;
    cw_input in = {NULL, NULL};
    long kcol = -1;
    long *map = NULL, *wcol = NULL;
    cw_field *f = NULL;
    cw_buf scratch = {0};
    int rc;

    *out = NULL;
    t = cw__alloc(sizeof *t);
    if (t == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    *t = (cw_lookup){.ncols = ncols};
    map = cw__alloc((ncols ? ncols : 1) * sizeof *map);
    f = cw__alloc((ncols ? ncols : 1) * sizeof *f);
    wcol = cw__alloc((nwhere ? nwhere : 1) * sizeof *wcol);
    if (map == NULL || f == NULL || wcol == NULL) {
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
        goto fail;
    }
    rc = cw__input_openspec(src, 0, &in, err);
    if (rc != CW_OK)
        goto fail;
    for (size_t i = 0; i < in.type->ncols(in.s); i++) {
        const char *name = in.type->colname(in.s, i);

        if (strcmp(name, key) == 0)
            kcol = (long)i;
        for (size_t c = 0; c < ncols; c++)
            if (strcmp(name, cols[c]) == 0)
                map[c] = (long)i;
    }
    for (size_t c = 0; c < ncols; c++) {
        size_t i;

        for (i = 0; i < in.type->ncols(in.s); i++)
            if (strcmp(in.type->colname(in.s, i), cols[c]) == 0)
                break;
        if (i == in.type->ncols(in.s)) {
            rc = not_found(&in, path, "lookup column", cols[c], err);
            goto fail;
        }
    }
    if (kcol < 0) {
        rc = not_found(&in, path, "lookup key column", key, err);
        goto fail;
    }
    for (size_t w = 0; w < nwhere; w++) {
        wcol[w] = -1;
        for (size_t i = 0; i < in.type->ncols(in.s); i++)
            if (strcmp(in.type->colname(in.s, i), where[w].column) == 0)
                wcol[w] = (long)i;
        if (wcol[w] < 0) {
            rc = not_found(&in, path, "lookup column", where[w].column, err);
            goto fail;
        }
    }
    while ((rc = in.type->next(in.s)) == CW_ROW) {
        size_t klen, wlen;
        const char *k = in.type->field(in.s, (size_t)kcol, &klen);
        cw_verdict v;
        size_t w;

        for (w = 0; w < nwhere; w++) {
            const char *wv = in.type->field(in.s, (size_t)wcol[w], &wlen);

            if (!cw__pred_test(&where[w], (cw_field){wv, wlen}))
                break;
        }
        if (w < nwhere)
            continue;
        if (keyrule != NULL &&
            cw__rule_apply(keyrule, k, klen, &scratch, &k, &klen, &v) != 0)
            continue;
        if (klen == 0)
            continue;
        for (size_t c = 0; c < ncols; c++) {
            f[c].p = in.type->field(in.s, (size_t)map[c], &f[c].len);
        }
        if (addrow(t, (cw_field){k, klen}, f) != CW_OK) {
            rc = cw__fail(err, CW_ENOMEM, "out of memory");
            goto fail;
        }
    }
    if (rc != CW_DONE) {
        rc = cw__fail(err, rc == CW_EINVALID ? CW_EPARSE : rc,
                      "lookup input %s", in.type->errmsg(in.s));
        goto fail;
    }
    if (index_rows(t) != CW_OK) {
        rc = cw__fail(err, CW_ENOMEM, "out of memory");
        goto fail;
    }
    if (in.s != NULL)
        cw__input_close(&in);
    cw__free(map);
    cw__free(wcol);
    cw__free(f);
    cw__buf_free(&scratch);
    *out = t;
    return CW_OK;

fail:
    if (in.s != NULL)
        cw__input_close(&in);
    cw__free(map);
    cw__free(wcol);
    cw__free(f);
    cw__buf_free(&scratch);
    cw__lookup_free(t);
    return rc;
}

/* 1 when rows 'a' and 'b' hold the same kept values. */
static int samerow(const cw_lookup *t, size_t a, size_t b)
{
    for (size_t c = 1; c <= t->ncols; c++) {
        cw_field x = cellfield(t, &t->cells[a * (t->ncols + 1) + c]);
        cw_field y = cellfield(t, &t->cells[b * (t->ncols + 1) + c]);

        if ((x.p == NULL) != (y.p == NULL) || x.len != y.len ||
            (x.len > 0 && memcmp(x.p, y.p, x.len) != 0))
            return 0;
    }
    return 1;
}

size_t cw__lookup_find(const cw_lookup *t, const char *s, size_t len,
                       size_t *row)
{
    size_t i, n = 0;
    long first = -1;

    if (t->nht == 0 || s == NULL)
        return 0;
    for (i = hash(s, len) & (t->nht - 1); t->ht[i] >= 0;
         i = (i + 1) & (t->nht - 1)) {
        cw_field k = cellfield(t, &t->cells[(size_t)t->ht[i] * (t->ncols + 1)]);

        if (k.len == len && memcmp(k.p, s, len) == 0) {
            first = t->ht[i];
            break;
        }
    }
    if (first < 0)
        return 0;
    *row = (size_t)first;
    for (long r = first; r >= 0; r = t->next[r]) {
        int dup = 0;

        for (long q = first; q != r; q = t->next[q])
            if (samerow(t, (size_t)q, (size_t)r)) {
                dup = 1;
                break;
            }
        n += !dup;
        if (n > 1)
            break; /* two distinct rows are enough to say "ambiguous" */
    }
    return n;
}

cw_field cw__lookup_value(const cw_lookup *t, size_t row, size_t c)
{
    return cellfield(t, &t->cells[row * (t->ncols + 1) + c + 1]);
}
