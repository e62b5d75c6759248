/*
** loadfile.c -- loading a recipe or schema file: the read-only 'params'
** table it sees, reading and compiling it as text, running it, and
** converting the table it returns into a cw_node tree (functions become
** references into the state's registry).
*/
#include "lua/luaint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

/* ==== Parameters ==== */

/* Writing to params: it is read-only. */
static int ro_newindex(lua_State *L)
{
    return luaL_error(L, "params is read-only");
}

/* Iterator over the real parameter table (upvalue 1). */
static int ro_next(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_next(L, lua_upvalueindex(1)) != 0)
        return 2;
    lua_pushnil(L);
    return 1;
}

/* pairs(params). */
static int ro_pairs(lua_State *L)
{
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__index");
    lua_pushcclosure(L, ro_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* Set global 'params' to a read-only view of the 'n' pairs in 'kv'.  A
** missing parameter reads as nil.  [-0, +0] */
void cw__lua_setparams(lua_State *L, const char *const *kv, size_t n)
{
    lua_newtable(L); /* the view */
    lua_createtable(L, 0, 4);
    lua_createtable(L, 0, (int)(n < 1000 ? n : 1000));
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, kv[2 * i + 1]);
        lua_setfield(L, -2, kv[2 * i]);
    }
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ro_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, ro_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushglobaltable(L);
    lua_insert(L, -2);
    lua_pushliteral(L, "params");
    lua_insert(L, -2);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* ==== Converting a returned table into a node tree ==== */

struct pathkey {
    const char *k; /* string key (borrowed from the Lua stack), or NULL */
    size_t klen;   /* its length */
    lua_Integer i; /* integer key when 'k' is NULL */
};

struct conv {
    const char *name;                   /* file name for messages */
    cw_node *root;                      /* the tree being built */
    const void *anc[MAX_DEPTH + 1];     /* tables on the current path */
    struct pathkey path[MAX_DEPTH + 1]; /* keys on the current path */
    cw_err err;                         /* what went wrong */
};

/* 1 when the 'len' bytes at 'k' form a Lua identifier. */
static int isident(const char *k, size_t len)
{
    if (len == 0 || (k[0] >= '0' && k[0] <= '9'))
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = k[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

/* Record a usage error 'what' at the first 'depth' keys of the path, as
** "recipe.lua: steps[3].map: what". */
static int usage(struct conv *c, int depth, const char *what)
{
    char path[256];
    size_t n = 0;

    path[0] = '\0';
    for (int d = 0; d < depth && n < sizeof path; d++) {
        const struct pathkey *p = &c->path[d];
        int w;

        if (p->k != NULL && isident(p->k, p->klen))
            w = snprintf(path + n, sizeof path - n, "%s%.*s", d ? "." : "",
                         (int)p->klen, p->k);
        else if (p->k != NULL)
            w = snprintf(path + n, sizeof path - n, "[\"%.*s\"]",
                         (int)(p->klen < 40 ? p->klen : 40), p->k);
        else
            w = snprintf(path + n, sizeof path - n, "[" LUA_INTEGER_FMT "]",
                         (LUAI_UACINT)p->i);
        n += w > 0 ? (size_t)w : 0;
    }
    return cw__fail(&c->err, CW_EUSAGE, "%s: %s: %s", c->name,
                    depth > 0 ? path : "top level", what);
}

/* Describe the key at 'idx' for an error message. */
static void keydesc(lua_State *L, int idx, char *buf, size_t size)
{
    if (lua_isinteger(L, idx))
        snprintf(buf, size,
                 "unsupported key type (integer key " LUA_INTEGER_FMT ")",
                 (LUAI_UACINT)lua_tointeger(L, idx));
    else if (lua_type(L, idx) == LUA_TNUMBER)
        snprintf(buf, size,
                 "unsupported key type (float key " LUA_NUMBER_FMT ")",
                 (LUAI_UACNUMBER)lua_tonumber(L, idx));
    else if (lua_type(L, idx) == LUA_TSTRING)
        snprintf(buf, size, "unsupported key type (a string with a NUL byte)");
    else
        snprintf(buf, size, "unsupported key type (%s key)",
                 luaL_typename(L, idx));
}

static int fill(lua_State *L, struct conv *c, int idx, cw_node *n, int depth);

/*
** Fill table node 'n' from the table at stack index 'idx' (absolute),
** reached through 'depth' keys.  Keys 1..n go to the array part in order,
** string keys to the map; any other key is a usage error.  Children are
** attached before they are filled, so the tree is always whole for
** cw__node_free even if luaL_ref raises.  [-0, +0, m]
*/
static int filltable(lua_State *L, struct conv *c, int idx, cw_node *n,
                     int depth)
{
    const void *self = lua_topointer(L, idx);
    lua_Integer nint = 0, maxint = 0;
    int top = lua_gettop(L), rc;
    char what[96];

    n->type = CW_NODE_TABLE;
    for (int d = 0; d < depth; d++)
        if (c->anc[d] == self)
            return usage(c, depth, "the table contains itself (a cycle)");
    if (depth >= MAX_DEPTH)
        return usage(c, depth, "tables nested too deeply (limit 64)");
    if (!lua_checkstack(L, 4))
        return cw__fail(&c->err, CW_ENOMEM, "%s: out of memory", c->name);
    c->anc[depth] = self;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        size_t kl = 0;
        const char *k = NULL;

        if (lua_type(L, -2) == LUA_TSTRING)
            k = lua_tolstring(L, -2, &kl);
        if (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1) {
            nint++;
            if (lua_tointeger(L, -2) > maxint)
                maxint = lua_tointeger(L, -2);
        } else if (k == NULL || memchr(k, '\0', kl) != NULL) {
            keydesc(L, -2, what, sizeof what);
            lua_settop(L, top);
            return usage(c, depth, what);
        }
        lua_pop(L, 1);
    }
    if (nint != maxint) {
        snprintf(what, sizeof what,
                 "unsupported key type (integer key " LUA_INTEGER_FMT
                 " in a table that is not a sequence 1..n)",
                 (LUAI_UACINT)maxint);
        return usage(c, depth, what);
    }
    for (lua_Integer i = 1; i <= nint; i++) {
        cw_node *child = cw__node_new(CW_NODE_NIL);

        if (child == NULL || cw__node_push(n, child) != CW_OK)
            return cw__fail(&c->err, CW_ENOMEM, "%s: out of memory", c->name);
        lua_rawgeti(L, idx, i);
        c->path[depth] = (struct pathkey){NULL, 0, i};
        rc = fill(L, c, top + 1, child, depth + 1);
        lua_settop(L, top);
        if (rc != CW_OK)
            return rc;
    }
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING) {
            size_t kl;
            const char *k = lua_tolstring(L, -2, &kl);
            cw_node *child = cw__node_new(CW_NODE_NIL);

            if (child == NULL || cw__node_setkey(n, k, kl, child) != CW_OK) {
                lua_settop(L, top);
                return cw__fail(&c->err, CW_ENOMEM, "%s: out of memory",
                                c->name);
            }
            c->path[depth] = (struct pathkey){k, kl, 0};
            rc = fill(L, c, top + 2, child, depth + 1);
            if (rc != CW_OK) {
                lua_settop(L, top);
                return rc;
            }
        }
        lua_pop(L, 1);
    }
    cw__node_finish(n);
    return CW_OK;
}

/* Fill node 'n' from the value at stack index 'idx' (absolute).
** [-0, +0, m] */
static int fill(lua_State *L, struct conv *c, int idx, cw_node *n, int depth)
{
    size_t len;
    const char *s;
    char what[64];

    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        n->type = CW_NODE_BOOL;
        n->b = lua_toboolean(L, idx);
        return CW_OK;
    case LUA_TNUMBER:
        n->type = CW_NODE_NUM;
        n->isint = lua_isinteger(L, idx);
        n->num =
            n->isint ? (double)lua_tointeger(L, idx) : lua_tonumber(L, idx);
        return CW_OK;
    case LUA_TSTRING:
        s = lua_tolstring(L, idx, &len);
        n->str = cw__strndup(s, len);
        if (n->str == NULL)
            return cw__fail(&c->err, CW_ENOMEM, "%s: out of memory", c->name);
        n->type = CW_NODE_STR;
        n->len = len;
        return CW_OK;
    case LUA_TFUNCTION:
        lua_pushvalue(L, idx);
        n->ref = luaL_ref(L, LUA_REGISTRYINDEX);
        n->type = CW_NODE_FUNC;
        return CW_OK;
    case LUA_TTABLE:
        return filltable(L, c, idx, n, depth);
    default:
        snprintf(what, sizeof what, "unsupported value type (%s)",
                 luaL_typename(L, idx));
        return usage(c, depth, what);
    }
}

/* Protected: convert the table at argument 2 into 'c->root' (argument 1
** is the struct conv).  Returns the status as an integer. */
static int pconvert(lua_State *L)
{
    struct conv *c = lua_touserdata(L, 1);

    lua_pushinteger(L, fill(L, c, 2, c->root, 0));
    return 1;
}

/* ==== Loading a file ==== */

struct loadctx {
    const char *buf;           /* the chunk's text */
    size_t len;                /* its length */
    const char *chunkname;     /* "=recipe.lua" */
    const char *const *params; /* k0, v0, k1, v1, ... */
    size_t nparams;            /* pairs in 'params' */
};

/* Protected: compile the chunk (text only) and set 'params'; return the
** chunk, or raise the syntax error. */
static int pload(lua_State *L)
{
    struct loadctx *c = lua_touserdata(L, 1);

    if (luaL_loadbufferx(L, c->buf, c->len, c->chunkname, "t") != LUA_OK)
        return lua_error(L);
    lua_pushglobaltable(L);
    (void)lua_setupvalue(L, -2, 1); /* _ENV: the sandbox */
    cw__lua_setparams(L, c->params, c->nparams);
    return 1;
}

/* Read file 'path' into 'b', at most 'max' bytes. */
static int readfile(const char *path, const char *name, size_t max, cw_buf *b,
                    cw_err *err)
{
    FILE *f = fopen(path, "rb");
    int rc = CW_OK;

    if (f == NULL)
        return cw__fail(err, CW_EIO, "%s: cannot open: %s", path,
                        strerror(errno));
    for (;;) {
        size_t n;
        char *p = cw__grow(b->p, &b->cap, b->len + 4096, 1);

        if (p == NULL) {
            rc = cw__fail(err, CW_ENOMEM, "%s: out of memory", name);
            break;
        }
        b->p = p;
        n = fread(b->p + b->len, 1, b->cap - b->len, f);
        b->len += n;
        if (b->len > max) {
            rc = cw__fail(err, CW_EUSAGE,
                          "%s: file too large for the Lua "
                          "memory limit",
                          name);
            break;
        }
        if (n == 0) {
            if (ferror(f))
                rc = cw__fail(err, CW_EIO, "%s: read error", path);
            break;
        }
    }
    fclose(f);
    return rc;
}

/*
** Read the file, refuse bytecode, then in three protected calls: compile
** it as text and set params; run it with the message handler; convert
** its table.  The Lua stack is left as found.
*/
int cw__lua_loadfile(cw_lua *x, const char *path, const char *const *params,
                     size_t nparams, cw_node **out, cw_err *err)
{
    lua_State *L = x->L;
    const char *name =
        strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
    char chunkname[140], folder[128];
    cw_buf src = {0};
    struct loadctx lc;
    struct conv *c = NULL;
    int base = lua_gettop(L), status, nres, rc;

    *out = NULL;
    /* A recipe folder's recipe.lua is named after its folder. */
    if (x->ownshown != NULL && strcmp(name, "recipe.lua") == 0) {
        snprintf(folder, sizeof folder, "%s/%s", x->ownshown, name);
        name = folder;
    }
    rc = cw__lua_begin(x, err);
    if (rc != CW_OK)
        return rc;
    rc = readfile(path, name, x->cap, &src, err);
    if (rc != CW_OK)
        goto done;
    lc = (struct loadctx){src.p, src.len, chunkname, params, nparams};
    if (lc.len >= 3 && memcmp(lc.buf, "\xEF\xBB\xBF", 3) == 0) {
        lc.buf += 3; /* a UTF-8 byte order mark */
        lc.len -= 3;
    }
    if (lc.len > 0 && lc.buf[0] == LUA_SIGNATURE[0]) {
        rc = cw__fail(err, CW_ELUA,
                      "%s: binary (precompiled) chunks are not "
                      "accepted",
                      name);
        goto done;
    }
    if (lc.len > 0 && lc.buf[0] == '#') {
        while (lc.len > 0 && lc.buf[0] != '\n') { /* "#!" line */
            lc.buf++;
            lc.len--;
        }
    }
    snprintf(chunkname, sizeof chunkname, "=%s", name);
    x->ctx = name;

    lua_pushcfunction(L, cw__lua_msghandler); /* base + 1 */
    lua_pushcfunction(L, pload);
    lua_pushlightuserdata(L, &lc);
    status = lua_pcall(L, 1, 1, 0); /* the chunk at base + 2 */
    if (status == LUA_OK)
        status = lua_pcall(L, 0, LUA_MULTRET, base + 1);
    rc = cw__lua_finish(x, status, err);
    if (rc != CW_OK)
        goto done;
    nres = lua_gettop(L) - (base + 1);
    lua_settop(L, base + 2);
    if (nres == 0 || lua_type(L, base + 2) != LUA_TTABLE) {
        rc = cw__fail(err, CW_EUSAGE,
                      "%s: the file must return a table, got %s%s", name,
                      nres == 0 ? "" : "a ",
                      nres == 0 ? "nothing" : luaL_typename(L, base + 2));
        goto done;
    }
    c = cw__alloc(sizeof *c);
    if (c == NULL || (c->root = cw__node_new(CW_NODE_NIL)) == NULL) {
        rc = cw__fail(err, CW_ENOMEM, "%s: out of memory", name);
        goto done;
    }
    c->name = name;
    c->err.code = CW_OK;
    lua_pushcfunction(L, pconvert);
    lua_pushlightuserdata(L, c);
    lua_pushvalue(L, base + 2);
    status = lua_pcall(L, 2, 1, 0);
    rc = cw__lua_finish(x, status, err);
    if (rc == CW_OK && lua_tointeger(L, -1) != CW_OK)
        rc = cw__errcopy(err, &c->err);
    if (rc == CW_OK) {
        *out = c->root;
        c->root = NULL;
    }

done:
    if (c != NULL)
        cw__node_free(c->root);
    cw__free(c);
    cw__buf_free(&src);
    x->ctx = NULL;
    lua_settop(L, base);
    return rc;
}
