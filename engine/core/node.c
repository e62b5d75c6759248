/*
** node.c -- plain C trees for data read from Lua files.  Owns every
** string and child it holds.
*/
#include "core/node.h"

#include <stdlib.h>
#include <string.h>

cw_node *cw__node_new(enum cw_node_type type)
{
    cw_node *n = cw__alloc(sizeof *n);

    if (n != NULL)
        *n = (cw_node){.type = type, .ref = -1};
    return n;
}

void cw__node_free(cw_node *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->narr; i++)
        cw__node_free(n->arr[i]);
    for (size_t i = 0; i < n->nkeys; i++) {
        cw__free(n->keys[i]);
        cw__node_free(n->vals[i]);
    }
    cw__free(n->arr);
    cw__free(n->keys);
    cw__free(n->vals);
    cw__free(n->str);
    cw__free(n);
}

int cw__node_push(cw_node *n, cw_node *child)
{
    size_t cap = n->narr; /* exact growth: trees are small */
    cw_node **arr = cw__grow(n->arr, &cap, n->narr + 1, sizeof *arr);

    if (arr == NULL) {
        cw__node_free(child);
        return CW_ENOMEM;
    }
    n->arr = arr;
    n->arr[n->narr++] = child;
    return CW_OK;
}

int cw__node_setkey(cw_node *n, const char *key, size_t klen, cw_node *child)
{
    size_t cap = n->nkeys;
    char **keys;
    cw_node **vals;
    char *k = cw__strndup(key, klen);

    if (k == NULL)
        goto nomem;
    keys = cw__grow(n->keys, &cap, n->nkeys + 1, sizeof *keys);
    if (keys == NULL)
        goto nomem;
    n->keys = keys;
    cap = n->nkeys;
    vals = cw__grow(n->vals, &cap, n->nkeys + 1, sizeof *vals);
    if (vals == NULL)
        goto nomem;
    n->vals = vals;
    n->keys[n->nkeys] = k;
    n->vals[n->nkeys] = child;
    n->nkeys++;
    return CW_OK;

nomem:
    cw__free(k);
    cw__node_free(child);
    return CW_ENOMEM;
}

static int cmpkey(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cw__node_finish(cw_node *n)
{
    /* Sort keys and values together with a simple insertion sort: tables
    ** from recipes hold a handful of keys. */
    if (n == NULL || n->type != CW_NODE_TABLE)
        return;
    for (size_t i = 1; i < n->nkeys; i++) {
        char *k = n->keys[i];
        cw_node *v = n->vals[i];
        size_t j = i;

        while (j > 0 && cmpkey(&n->keys[j - 1], &k) > 0) {
            n->keys[j] = n->keys[j - 1];
            n->vals[j] = n->vals[j - 1];
            j--;
        }
        n->keys[j] = k;
        n->vals[j] = v;
    }
}

const cw_node *cw__node_get(const cw_node *n, const char *key)
{
    size_t lo = 0, hi;

    if (n == NULL || n->type != CW_NODE_TABLE)
        return NULL;
    hi = n->nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(n->keys[mid], key);

        if (c == 0)
            return n->vals[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *cw__node_str(const cw_node *n, const char *key, const char *def)
{
    const cw_node *v = cw__node_get(n, key);

    return v != NULL && v->type == CW_NODE_STR ? v->str : def;
}
