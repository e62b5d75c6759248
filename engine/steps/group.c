/*
** group.c -- hash aggregation.  Owns a copy of every group's key, its
** aggregate states and its first member's original fields.
*/
#include "steps/group.h"

#include "values/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    cw_buf val;               /* current value (first/last/min/max/concat) */
    cw_buf ord;               /* order-by value of 'val'; concat: the
                                 distinct values, length-prefixed */
    unsigned long long count; /* count; any/all: rows seen */
    int has;                  /* 'val' holds a value */
    int flag;                 /* any: seen a true; all: seen a false */
} slot;

typedef struct grp {
    cw_field *key;      /* key values, into 'keybuf' */
    cw_buf keybuf;      /* key bytes, the hash key */
    cw_field *orig;     /* first member's original fields */
    cw_buf origbuf;     /* their bytes */
    const char *file;   /* first member's file (borrowed: input names
                           outlive the group) */
    unsigned long line; /* first member's line */
    slot *slots;        /* one per aggregate */
} grp;

struct cw_group {
    size_t *by;       /* key columns */
    size_t nby;       /* count of 'by' */
    cw_aggspec *aggs; /* aggregates */
    size_t naggs;     /* count of 'aggs' */
    size_t norig;     /* width of original rows */
    grp *g;           /* groups in first-seen order */
    size_t n;         /* groups used */
    size_t cap;       /* groups allocated */
    long *ht;         /* hash slots: group index or -1 */
    size_t nht;       /* power of two */
    cw_buf key;       /* scratch key of the current record */
};

static size_t hash(const char *s, size_t len)
{
    size_t h = 1469598103934665603u;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

int cw__group_new(const size_t *by, size_t nby, const cw_aggspec *aggs,
                  size_t naggs, size_t norig, cw_group **out, cw_err *err)
{
    cw_group *g;

    *out = NULL;
    g = cw__alloc(sizeof *g);
    if (g == NULL)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    *g = (cw_group){.nby = nby, .naggs = naggs, .norig = norig};
    g->by = cw__alloc((nby ? nby : 1) * sizeof *by);
    g->aggs = cw__alloc((naggs ? naggs : 1) * sizeof *aggs);
    if (g->by == NULL || g->aggs == NULL) {
        cw__group_free(g);
        return cw__fail(err, CW_ENOMEM, "out of memory");
    }
    if (nby > 0)
        memcpy(g->by, by, nby * sizeof *by);
    if (naggs > 0)
        memcpy(g->aggs, aggs, naggs * sizeof *aggs);
    *out = g;
    return CW_OK;
}

static void grp_free(grp *x, size_t naggs)
{
    cw__free(x->key);
    cw__buf_free(&x->keybuf);
    cw__free(x->orig);
    cw__buf_free(&x->origbuf);
    if (x->slots != NULL)
        for (size_t k = 0; k < naggs; k++) {
            cw__buf_free(&x->slots[k].val);
            cw__buf_free(&x->slots[k].ord);
        }
    cw__free(x->slots);
}

void cw__group_free(cw_group *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n; i++)
        grp_free(&g->g[i], g->naggs);
    cw__free(g->g);
    cw__free(g->ht);
    cw__free(g->by);
    cw__free(g->aggs);
    cw__buf_free(&g->key);
    cw__free(g);
}

void cw__group_setwidth(cw_group *g, size_t norig)
{
    if (g->n == 0)
        g->norig = norig;
}

size_t cw__group_count(const cw_group *g)
{
    return g->n;
}

/* Build the hash key of 'rec' in g->key: each key value, length-prefixed,
** with null told apart from empty. */
static int makekey(cw_group *g, const cw_rec *rec)
{
    g->key.len = 0;
    for (size_t i = 0; i < g->nby; i++) {
        cw_field f = cw__rec_get(rec, g->by[i]);
        size_t len = f.p != NULL ? f.len : (size_t)-1;

        if (cw__buf_add(&g->key, &len, sizeof len) != CW_OK ||
            (f.p != NULL && cw__buf_add(&g->key, f.p, f.len) != CW_OK))
            return CW_ENOMEM;
    }
    return CW_OK;
}

static int rehash(cw_group *g)
{
    size_t n = g->nht ? g->nht * 2 : 64;
    long *ht = cw__alloc(n * sizeof *ht);

    if (ht == NULL)
        return CW_ENOMEM;
    for (size_t i = 0; i < n; i++)
        ht[i] = -1;
    for (size_t k = 0; k < g->n; k++) {
        size_t i = hash(g->g[k].keybuf.p, g->g[k].keybuf.len) & (n - 1);

        while (ht[i] >= 0)
            i = (i + 1) & (n - 1);
        ht[i] = (long)k;
    }
    cw__free(g->ht);
    g->ht = ht;
    g->nht = n;
    return CW_OK;
}

/* Start a group for 'rec' at index g->n. */
static int newgroup(cw_group *g, const cw_rec *rec, const cw_field *orig)
{
    grp *x;
    grp *ng = cw__grow(g->g, &g->cap, g->n + 1, sizeof *g->g);
    size_t off;

    if (ng == NULL)
        return CW_ENOMEM;
    g->g = ng;
    x = &g->g[g->n];
    *x = (grp){.file = rec->file, .line = rec->line};
    if (cw__buf_add(&x->keybuf, g->key.p, g->key.len) != CW_OK)
        goto nomem;
    x->key = cw__alloc((g->nby ? g->nby : 1) * sizeof *x->key);
    x->orig = cw__alloc((g->norig ? g->norig : 1) * sizeof *x->orig);
    x->slots = cw__alloc((g->naggs ? g->naggs : 1) * sizeof *x->slots);
    if (x->slots != NULL)
        for (size_t k = 0; k < g->naggs; k++)
            x->slots[k] = (slot){0};
    if (x->key == NULL || x->orig == NULL || x->slots == NULL)
        goto nomem;
    /* Original fields: copy bytes, then point into the copy. */
    for (size_t i = 0; i < g->norig; i++)
        if (orig[i].p != NULL &&
            cw__buf_add(&x->origbuf, orig[i].p, orig[i].len) != CW_OK)
            goto nomem;
    off = 0;
    for (size_t i = 0; i < g->norig; i++) {
        x->orig[i] = orig[i].p == NULL
                         ? (cw_field){NULL, 0}
                         : (cw_field){x->origbuf.p ? x->origbuf.p + off : "",
                                      orig[i].len};
        if (orig[i].p != NULL)
            off += orig[i].len;
    }
    /* Key fields point into keybuf after each length prefix. */
    off = 0;
    for (size_t i = 0; i < g->nby; i++) {
        size_t len;

        memcpy(&len, x->keybuf.p + off, sizeof len);
        off += sizeof len;
        if (len == (size_t)-1) {
            x->key[i] = (cw_field){NULL, 0};
        } else {
            x->key[i] = (cw_field){x->keybuf.p + off, len};
            off += len;
        }
    }
    g->n++;
    return CW_OK;

nomem:
    grp_free(x, g->naggs);
    return CW_ENOMEM;
}

static int truthy(cw_field f)
{
    int b;
    cw_verdict v;

    if (f.p == NULL || f.len == 0)
        return 0;
    if (cw__rule_bool(f.p, f.len, &b, &v) == 0)
        return b;
    return 1;
}

/* 1 when 'f' holds a value that is not empty or only spaces and tabs:
** what count and concat see ("blank" as in the rest of the engine). */
static int nonblank(cw_field f)
{
    return f.p != NULL && !cw__blank(f.p, f.len);
}

/* Compare two values: numerically when both are plain numbers, else by
** bytes.  Returns <0, 0, >0. */
static int cmpval(const char *a, size_t alen, const char *b, size_t blen)
{
    char ab[64], bb[64];
    char *ea, *eb;
    double x, y;
    int c;

    if (alen > 0 && alen < sizeof ab && blen > 0 && blen < sizeof bb) {
        memcpy(ab, a, alen);
        ab[alen] = '\0';
        memcpy(bb, b, blen);
        bb[blen] = '\0';
        x = strtod(ab, &ea);
        y = strtod(bb, &eb);
        if (*ea == '\0' && *eb == '\0')
            return x < y ? -1 : x > y;
    }
    c = memcmp(a, b, alen < blen ? alen : blen);
    return c != 0 ? c : (alen > blen) - (alen < blen);
}

static int setval(cw_buf *b, cw_field f)
{
    b->len = 0;
    return cw__buf_add(b, f.p, f.len);
}

/* Fold one record into slot 's' of aggregate 'a'. */
static int fold(const cw_aggspec *a, slot *s, const cw_rec *rec)
{
    cw_field v =
        a->src >= 0 ? cw__rec_get(rec, (size_t)a->src) : (cw_field){NULL, 0};
    cw_field o;

    if (a->where >= 0 && !truthy(cw__rec_get(rec, (size_t)a->where)))
        return CW_OK;
    switch (a->fn) {
    case CW_AGG_COUNT:
        if (a->src < 0 || nonblank(v))
            s->count++;
        return CW_OK;
    case CW_AGG_ANY:
    case CW_AGG_ALL:
        if (v.p == NULL)
            return CW_OK;
        s->count++;
        if (truthy(v) == (a->fn == CW_AGG_ANY))
            s->flag = 1;
        return CW_OK;
    case CW_AGG_CONCAT:
        if (!nonblank(v))
            return CW_OK;
        /* Distinct values, first-seen order.  'ord' lists the values
        ** kept, each as its length then its bytes: searching the joined
        ** text instead would take "a" for a duplicate after "a; b". */
        for (size_t i = 0; i < s->ord.len;) {
            size_t len;

            memcpy(&len, s->ord.p + i, sizeof len);
            i += sizeof len;
            if (len == v.len && memcmp(s->ord.p + i, v.p, len) == 0)
                return CW_OK;
            i += len;
        }
        {
            size_t vlen = s->val.len, olen = s->ord.len;

            if ((s->has && cw__buf_adds(&s->val, a->sep) != CW_OK) ||
                cw__buf_add(&s->val, v.p, v.len) != CW_OK ||
                cw__buf_add(&s->ord, &v.len, sizeof v.len) != CW_OK ||
                cw__buf_add(&s->ord, v.p, v.len) != CW_OK) {
                s->val.len = vlen; /* as if this row never came */
                s->ord.len = olen;
                if (s->val.p != NULL)
                    s->val.p[vlen] = '\0';
                return CW_ENOMEM;
            }
        }
        s->has = 1;
        return CW_OK;
    default:
        break;
    }
    if (v.p == NULL)
        return CW_OK;
    if (a->fn == CW_AGG_FIRST || a->fn == CW_AGG_LAST) {
        if (a->order < 0) {
            if (a->fn == CW_AGG_FIRST && s->has)
                return CW_OK;
        } else {
            o = cw__rec_get(rec, (size_t)a->order);
            if (o.p == NULL)
                return CW_OK;
            if (s->has) {
                int c = cmpval(o.p, o.len, s->ord.p, s->ord.len);

                if ((a->fn == CW_AGG_FIRST && c >= 0) ||
                    (a->fn == CW_AGG_LAST && c < 0))
                    return CW_OK;
            }
            if (setval(&s->ord, o) != CW_OK)
                return CW_ENOMEM;
        }
    } else if (s->has) {
        int c = cmpval(v.p, v.len, s->val.p, s->val.len);

        if ((a->fn == CW_AGG_MIN && c >= 0) || (a->fn == CW_AGG_MAX && c <= 0))
            return CW_OK;
    }
    s->has = 1;
    return setval(&s->val, v);
}

int cw__group_add(cw_group *g, const cw_rec *rec, const cw_field *orig,
                  int *isnew)
{
    size_t i;
    long k = -1;
    grp *x;

    if (makekey(g, rec) != CW_OK)
        return CW_ENOMEM;
    if (2 * (g->n + 1) > g->nht && rehash(g) != CW_OK)
        return CW_ENOMEM;
    for (i = hash(g->key.p, g->key.len) & (g->nht - 1); g->ht[i] >= 0;
         i = (i + 1) & (g->nht - 1)) {
        grp *y = &g->g[g->ht[i]];

        if (y->keybuf.len == g->key.len &&
            memcmp(y->keybuf.p, g->key.p, g->key.len) == 0) {
            k = g->ht[i];
            break;
        }
    }
    *isnew = k < 0;
    if (k < 0) {
        if (newgroup(g, rec, orig) != CW_OK)
            return CW_ENOMEM;
        k = (long)(g->n - 1);
        g->ht[i] = k;
    }
    x = &g->g[k];
    for (size_t a = 0; a < g->naggs; a++)
        if (fold(&g->aggs[a], &x->slots[a], rec) != CW_OK)
            return CW_ENOMEM;
    return CW_OK;
}

int cw__group_emit(cw_group *g, size_t i, cw_rec *rec, const cw_field **orig)
{
    grp *x = &g->g[i];

    cw__rec_clear(rec);
    if (cw__rec_fit(rec) != CW_OK)
        return CW_ENOMEM;
    rec->file = x->file;
    rec->line = x->line;
    for (size_t k = 0; k < g->nby; k++)
        cw__rec_setview(rec, g->by[k], x->key[k].p, x->key[k].len);
    for (size_t a = 0; a < g->naggs; a++) {
        const cw_aggspec *sp = &g->aggs[a];
        slot *s = &x->slots[a];
        char num[32];
        int n;

        switch (sp->fn) {
        case CW_AGG_COUNT:
            n = snprintf(num, sizeof num, "%llu", s->count);
            if (cw__rec_set(rec, sp->out, num, (size_t)n) != CW_OK)
                return CW_ENOMEM;
            break;
        case CW_AGG_ANY:
            cw__rec_setview(rec, sp->out, s->flag ? "true" : "false",
                            s->flag ? 4 : 5);
            break;
        case CW_AGG_ALL: {
            int all = s->count > 0 && !s->flag;

            cw__rec_setview(rec, sp->out, all ? "true" : "false", all ? 4 : 5);
            break;
        }
        default:
            cw__rec_setview(rec, sp->out, s->has ? s->val.p : NULL,
                            s->has ? s->val.len : 0);
            if (s->has && s->val.p == NULL)
                cw__rec_setview(rec, sp->out, "", 0);
            break;
        }
    }
    *orig = x->orig;
    return CW_OK;
}
