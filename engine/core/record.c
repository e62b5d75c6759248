/*
** record.c -- layouts (interned column names) and records (field views
** plus a per-record arena of stable blocks).  A record allocates while it
** warms up and then reuses its memory for every later row.
*/
#include "core/record.h"

#include <stdatomic.h>
#include <string.h>

/* ==== Layout ==== */

struct cw_layout {
    char **names;  /* column names, NUL-terminated, owned */
    size_t *lens;  /* their lengths */
    size_t n;      /* columns */
    size_t cap;    /* slots in 'names' and 'lens' */
    long *slots;   /* open-addressing hash: index or -1 */
    size_t nslots; /* power of two, at least 2 * n */
    size_t id;     /* see cw__layout_id() */
    int sealed;    /* 1: no name is added (cw__layout_seal) */
};

static atomic_size_t lastid; /* the id of the last layout made */

static size_t hash(const char *s, size_t len)
{
    size_t h = 2166136261u;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

int cw__layout_new(cw_layout **out)
{
    cw_layout *l = cw__alloc(sizeof *l);

    *out = NULL;
    if (l == NULL)
        return CW_ENOMEM;
    *l = (cw_layout){0};
    l->id = atomic_fetch_add(&lastid, 1) + 1;
    *out = l;
    return CW_OK;
}

void cw__layout_free(cw_layout *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        cw__free(l->names[i]);
    cw__free(l->names);
    cw__free(l->lens);
    cw__free(l->slots);
    cw__free(l);
}

long cw__layout_find(const cw_layout *l, const char *name, size_t len)
{
    size_t mask, i;

    if (l->nslots == 0)
        return -1;
    mask = l->nslots - 1;
    for (i = hash(name, len) & mask; l->slots[i] >= 0; i = (i + 1) & mask) {
        size_t k = (size_t)l->slots[i];

        if (l->lens[k] == len && memcmp(l->names[k], name, len) == 0)
            return (long)k;
    }
    return -1;
}

/* Rebuild the hash with room for at least twice the columns. */
static int rehash(cw_layout *l)
{
    size_t n = 16;
    long *slots;

    while (n < 2 * (l->n + 1))
        n *= 2;
    slots = cw__alloc(n * sizeof *slots);
    if (slots == NULL)
        return CW_ENOMEM;
    for (size_t i = 0; i < n; i++)
        slots[i] = -1;
    for (size_t k = 0; k < l->n; k++) {
        size_t i = hash(l->names[k], l->lens[k]) & (n - 1);

        while (slots[i] >= 0)
            i = (i + 1) & (n - 1);
        slots[i] = (long)k;
    }
    cw__free(l->slots);
    l->slots = slots;
    l->nslots = n;
    return CW_OK;
}

int cw__layout_intern(cw_layout *l, const char *name, size_t len, size_t *idx)
{
    long found = cw__layout_find(l, name, len);
    size_t cap = l->cap;
    char **names;
    size_t *lens;
    char *copy;

    if (found >= 0) {
        *idx = (size_t)found;
        return CW_OK;
    }
    if (l->sealed)
        return CW_EUSAGE;
    names = cw__grow(l->names, &cap, l->n + 1, sizeof *names);
    if (names == NULL)
        return CW_ENOMEM;
    l->names = names;
    cap = l->cap;
    lens = cw__grow(l->lens, &cap, l->n + 1, sizeof *lens);
    if (lens == NULL)
        return CW_ENOMEM;
    l->lens = lens;
    l->cap = cap;
    copy = cw__strndup(name, len);
    if (copy == NULL)
        return CW_ENOMEM;
    if (2 * (l->n + 1) > l->nslots) {
        l->names[l->n] = copy; /* rehash sees the new name too */
        l->lens[l->n] = len;
        l->n++;
        if (rehash(l) != CW_OK) {
            l->n--;
            cw__free(copy);
            return CW_ENOMEM;
        }
    } else {
        size_t i = hash(name, len) & (l->nslots - 1);

        while (l->slots[i] >= 0)
            i = (i + 1) & (l->nslots - 1);
        l->slots[i] = (long)l->n;
        l->names[l->n] = copy;
        l->lens[l->n] = len;
        l->n++;
    }
    *idx = l->n - 1;
    return CW_OK;
}

size_t cw__layout_count(const cw_layout *l)
{
    return l->n;
}

void cw__layout_seal(cw_layout *l)
{
    l->sealed = 1;
}

int cw__layout_sealed(const cw_layout *l)
{
    return l->sealed;
}

size_t cw__layout_id(const cw_layout *l)
{
    return l->id;
}

const char *cw__layout_name(const cw_layout *l, size_t i)
{
    return i < l->n ? l->names[i] : NULL;
}

/* ==== Record ==== */

#define BLOCK 16384 /* arena block payload, larger values get their own */
#define RBLOCK(r) ((r)->block > 0 ? (r)->block : BLOCK) /* that of 'r' */

struct cw_arena_block {
    cw_arena_block *next; /* older block */
    size_t used;          /* bytes handed out */
    size_t size;          /* payload bytes */
    char data[];          /* the payload */
};

void cw__rec_init(cw_rec *r, cw_layout *layout)
{
    *r = (cw_rec){.layout = layout};
}

void cw__rec_free(cw_rec *r)
{
    cw_arena_block *b = r->arena;

    while (b != NULL) {
        cw_arena_block *next = b->next;

        cw__free(b);
        b = next;
    }
    cw__free(r->f);
    r->f = NULL;
    r->arena = NULL;
    r->cap = 0;
}

void cw__rec_clear(cw_rec *r)
{
    cw_arena_block *b = r->arena;

    /* Keep the oldest standard block, free the rest. */
    while (b != NULL && b->next != NULL) {
        cw_arena_block *next = b->next;

        cw__free(b);
        b = next;
    }
    if (b != NULL && b->size != RBLOCK(r)) {
        cw__free(b);
        b = NULL;
    }
    if (b != NULL)
        b->used = 0;
    r->arena = b;
    /* Every field null: all bits zero on the platforms we build for, and
    ** memset() does it in a few wide stores (this runs for every row). */
    if (r->cap > 0)
        memset(r->f, 0, r->cap * sizeof *r->f);
}

int cw__rec_fit(cw_rec *r)
{
    size_t n = cw__layout_count(r->layout);
    size_t old = r->cap;
    cw_field *f;

    if (n <= r->cap)
        return CW_OK;
    f = cw__grow(r->f, &r->cap, n, sizeof *f);
    if (f == NULL)
        return CW_ENOMEM;
    r->f = f;
    for (size_t i = old; i < r->cap; i++)
        r->f[i] = (cw_field){NULL, 0};
    return CW_OK;
}

int cw__rec_setview_grow(cw_rec *r, size_t i, const char *p, size_t len)
{
    if (cw__rec_fit(r) != CW_OK)
        return CW_ENOMEM;
    if (i >= r->cap)
        return CW_EUSAGE;
    r->f[i] = (cw_field){p, len};
    return CW_OK;
}

char *cw__rec_scratch(cw_rec *r, size_t len)
{
    cw_arena_block *b = r->arena;

    if (len == 0)
        len = 1;
    if (b == NULL || b->size - b->used < len) {
        size_t size = len > RBLOCK(r) ? len : RBLOCK(r);
        cw_arena_block *nb = cw__alloc(sizeof *nb + size);

        if (nb == NULL)
            return NULL;
        nb->size = size;
        nb->used = 0;
        if (b != NULL && size != RBLOCK(r)) {
            /* Keep the standard block at the head for later small
            ** requests; a big block goes second. */
            nb->next = b->next;
            b->next = nb;
            nb->used = len;
            return nb->data;
        }
        nb->next = b;
        r->arena = b = nb;
    }
    b->used += len;
    return b->data + b->used - len;
}

int cw__rec_set(cw_rec *r, size_t i, const char *p, size_t len)
{
    char *copy;

    if (p == NULL)
        return cw__rec_setview(r, i, NULL, 0);
    copy = cw__rec_scratch(r, len);
    if (copy == NULL)
        return CW_ENOMEM;
    if (len > 0)
        memcpy(copy, p, len);
    return cw__rec_setview(r, i, copy, len);
}

int cw__rec_setname(cw_rec *r, const char *name, size_t nlen, const char *p,
                    size_t len)
{
    size_t idx;
    int rc = cw__layout_intern(r->layout, name, nlen, &idx);

    if (rc != CW_OK)
        return rc;
    return cw__rec_set(r, idx, p, len);
}
