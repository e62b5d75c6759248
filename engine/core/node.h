/*
** node.h -- a plain C tree for data read from Lua files (recipes and
** schemas): nil, booleans, numbers, strings, tables and function
** references.  Built by the Lua bridge, read by schema.c and plan.c, so
** that neither needs the Lua API.
*/
#ifndef CW_NODE_H
#define CW_NODE_H

#include "core/cw.h"

enum cw_node_type {
    CW_NODE_NIL,
    CW_NODE_BOOL,
    CW_NODE_NUM,
    CW_NODE_STR,
    CW_NODE_TABLE,
    CW_NODE_FUNC
};

typedef struct cw_node cw_node;

struct cw_node {
    enum cw_node_type type; /* what this node holds */
    int b;                  /* CW_NODE_BOOL: 0 or 1 */
    double num;             /* CW_NODE_NUM */
    int isint;              /* CW_NODE_NUM: 1 when an integer value */
    char *str;              /* CW_NODE_STR: NUL-terminated, owned */
    size_t len;             /* CW_NODE_STR: byte length */
    int ref;                /* CW_NODE_FUNC: Lua registry reference */
    cw_node **arr;          /* CW_NODE_TABLE: t[1..narr], owned */
    size_t narr;            /* array items */
    char **keys;            /* CW_NODE_TABLE: string keys, owned, sorted */
    cw_node **vals;         /* CW_NODE_TABLE: their values, owned */
    size_t nkeys;           /* string-keyed items */
};

/* A new node of 'type', zeroed, or NULL when out of memory. */
cw_node *cw__node_new(enum cw_node_type type);
/* Free 'n' and its children.  NULL is a no-op. */
void cw__node_free(cw_node *n);
/* Append 'child' (taken) to the array part of 'n'. */
int cw__node_push(cw_node *n, cw_node *child);
/* Set string key 'key' of 'n' to 'child' (taken). */
int cw__node_setkey(cw_node *n, const char *key, size_t klen, cw_node *child);
/* Value of string key 'key', or NULL when absent or 'n' not a table. */
const cw_node *cw__node_get(const cw_node *n, const char *key);
/* The string at key 'key', or 'def' when absent or not a string. */
const char *cw__node_str(const cw_node *n, const char *key, const char *def);
/* Sort keys (for binary search in cw__node_get); done after building. */
void cw__node_finish(cw_node *n);

#endif /* CW_NODE_H */
