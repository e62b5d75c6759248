/*
** recproxy.c -- how Lua sees a record: the proxy lent to a recipe
** function for one call.  Fields read as strings or nil, assignment
** stores a copy (nil stores null, a new name adds a column), pairs()
** walks the non-null fields, tostring() names the row's file and line.
*/
#include "lua/luaint.h"

#include <stdint.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#define RECORD_MT "cw.record" /* registry name of the proxy type */

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/*
** A proxy is a light userdata whose value is the tag of the call it was
** lent to; all light userdata share the "cw.record" metatable.  Nothing
** is allocated per row, and a proxy kept from an earlier call no longer
** matches 'x->gen', so using it raises instead of reaching a record that
** is gone.
*/
static cw_rec *torec(lua_State *L, cw_lua *x)
{
    /* Only a light userdata has a small number as its address: x->gen
    ** counts calls. */
    if (x->rec == NULL || (uintptr_t)lua_touserdata(L, 1) != x->gen)
        luaL_error(L, "record used after its callback returned");
    return x->rec;
}

/* 1 when 'a' was met before 'b' in a run by one state: an earlier
** record, an earlier step of the same record, or earlier in one call
** (one record's steps run in one state). */
static int before(const cw_miss *a, const cw_miss *b)
{
    if (a->row != b->row)
        return a->row < b->row;
    if (a->stepno != b->stepno)
        return a->stepno < b->stepno;
    return a->seq < b->seq;
}

/*
** Keep 'm', a name met where it says, named by the 'len' bytes at 'name':
** the first MAX_MISS names met are kept.  A name met again earlier (by
** the order of before()) moves there; when the list is full, a name met
** before the last one kept takes its place.
*/
static void keep(cw_lua *x, cw_miss m, const char *name, size_t len)
{
    size_t k, last = 0;

    for (k = 0; k < x->nmiss; k++)
        if (strlen(x->miss[k].name) == len &&
            memcmp(x->miss[k].name, name, len) == 0) {
            if (before(&m, &x->miss[k])) { /* met earlier after all */
                m.name = x->miss[k].name;
                x->miss[k] = m;
            }
            return;
        }
    if (x->nmiss == MAX_MISS) {
        for (k = 1; k < x->nmiss; k++)
            if (before(&x->miss[last], &x->miss[k]))
                last = k;
        if (!before(&m, &x->miss[last]))
            return;
        cw__free(x->miss[last].name);
        x->miss[last] = x->miss[--x->nmiss];
    }
    if ((m.name = cw__strndup(name, len)) == NULL)
        return; /* only a warning is lost */
    x->miss[x->nmiss++] = m;
}

/*
** Note that a recipe function read 'name', a column no record has had
** (W_NEVER_SET when none gets it by the end of the run), with where: the
** record, the step and how many such reads came before in the state.  A
** state that helps the workers of a parallel section does not meet its
** records in order: keep() orders them.
*/
static void missed(cw_lua *x, const char *name, size_t len)
{
    cw_miss m = {NULL, x->step, x->rec != NULL ? x->rec->rownum : 0, x->stepno,
                 x->nseq++};

    if (len <= 200 && memchr(name, '\0', len) == NULL)
        keep(x, m, name, len);
}

/*
** A worker's names join those of 'x' in the order one state would have
** met them, and only the first MAX_MISS are kept: each state keeps the
** first it meets by record order, so a name among the run's first
** MAX_MISS is among its state's too.
*/
void cw__lua_takemissed(cw_lua *x, const cw_lua *from)
{
    for (size_t i = 0; i < from->nmiss; i++)
        keep(x, from->miss[i], from->miss[i].name, strlen(from->miss[i].name));
    /* In order (insertion sort: MAX_MISS names at most). */
    for (size_t i = 1; i < x->nmiss; i++) {
        cw_miss m = x->miss[i];
        size_t k = i;

        for (; k > 0 && before(&m, &x->miss[k - 1]); k--)
            x->miss[k] = x->miss[k - 1];
        x->miss[k] = m;
    }
}

void cw__lua_step(cw_lua *x, const char *label, size_t stepno)
{
    x->step = label;
    x->stepno = stepno;
}

const char *cw__lua_missed(const cw_lua *x, size_t i, const char **step)
{
    if (i >= x->nmiss)
        return NULL;
    *step = x->miss[i].step;
    return x->miss[i].name;
}

/*
** The column of the field named by the key at stack index 2 of a
** metamethod, in the layout of the record lent, from the cache of names:
** Lua keeps one copy of each short string, so a recipe reading r.phone
** hands over the same string object on every row, and its address
** (lua_topointer) leads to the column without reading, hashing or
** comparing the name.  -1 when the key is not cached.  Each cached string
** is kept alive in the anchors table (slot for slot), so no other object
** can be at a cached address.  Only found names are cached, in an
** open-addressing table at most half full (emptied when it would be
** fuller, and by cw__lua_lend() for a record of another layout, told
** apart by its id); the columns of a layout never change, so entries stay
** right while it grows.
*/
static size_t homeslot(const void *key)
{
    uint64_t h = (uint64_t)(uintptr_t)key * 0x9E3779B97F4A7C15u;

    return (size_t)(h >> 32) & (NAME_SLOTS - 1);
}

static long cached(cw_lua *x, const void *key)
{
    size_t slot = homeslot(key);

    for (; x->names[slot].p != NULL; slot = (slot + 1) & (NAME_SLOTS - 1))
        if (x->names[slot].p == key)
            return (long)x->names[slot].col;
    x->slot = slot; /* where learn() puts it */
    return -1;
}

/* Empty the cache of names. */
static void forget(cw_lua *x)
{
    memset(x->names, 0, sizeof x->names);
    x->nnames = 0;
}

/* After cached() missed: the column of 'name' (the string at stack index
** 2, whose address is 'key'), or -1 when 'l' has none; a found name is
** cached, in the slot cached() left (or, when the cache is half full, in
** the emptied cache).  The anchors table was made with all its slots:
** storing into it never allocates. */
static long learn(lua_State *L, cw_lua *x, const cw_layout *l, const void *key,
                  const char *name, size_t len)
{
    long i = cw__layout_find(l, name, len);

    if (i >= 0) {
        if (x->nnames == NAME_SLOTS / 2) {
            forget(x);
            x->slot = homeslot(key);
        }
        lua_rawgeti(L, LUA_REGISTRYINDEX, x->anchors);
        lua_pushvalue(L, 2);
        lua_rawseti(L, -2, (lua_Integer)x->slot + 1);
        lua_pop(L, 1);
        x->names[x->slot] = (cw_name){key, (size_t)i};
        x->nnames++;
    }
    return i;
}

/* After cached() missed in rec_index: the column of the key at stack
** index 2 (address 'key'), or -1 when it is not a string or no column of
** the record's (noted as missed).  Out of line: rec_index() then needs
** few registers. */
NOINLINE static long indexmiss(lua_State *L, cw_lua *x, const cw_rec *rec,
                               const void *key)
{
    size_t len;
    const char *name;
    long i;

    if (lua_type(L, 2) != LUA_TSTRING)
        return -1;
    name = lua_tolstring(L, 2, &len);
    i = learn(L, x, rec->layout, key, name, len);
    if (i < 0)
        missed(x, name, len);
    return i;
}

/* rec.name: the field as a string, nil when null or no such column. */
static int rec_index(lua_State *L)
{
    cw_lua *x = cw__lua_getx(L);
    cw_rec *rec = torec(L, x);
    const void *key = lua_topointer(L, 2);
    long i = cached(x, key);
    cw_field f;

    if (i < 0 && (i = indexmiss(L, x, rec, key)) < 0) {
        lua_pushnil(L);
        return 1;
    }
    f = (size_t)i < rec->cap ? rec->f[i] : (cw_field){NULL, 0};
    if (f.p == NULL)
        lua_pushnil(L);
    else
        lua_pushlstring(L, f.p, f.len);
    return 1;
}

/*
** rec.name = v: a string as is, a number as tostring writes it, a
** boolean as "true"/"false", nil as null (nothing for a column that does
** not exist).  A new name adds a column.  The bytes stored in one call
** count against the memory limit: the record's arena is outside the
** state but the recipe fills it.
*/
static int rec_newindex(lua_State *L)
{
    cw_lua *x = cw__lua_getx(L);
    cw_rec *rec = torec(L, x);
    const void *key = lua_topointer(L, 2);
    long i = cached(x, key);
    size_t len = 0, vlen = 0;
    const char *name = NULL, *v = NULL;
    size_t cost;
    int rc;

    if (i < 0) {
        if (lua_type(L, 2) != LUA_TSTRING)
            return luaL_error(L,
                              "record fields are named by strings, not by a %s",
                              luaL_typename(L, 2));
        name = lua_tolstring(L, 2, &len);
        i = learn(L, x, rec->layout, key, name, len);
    }
    /* A string or a number (as tostring writes it); NULL for others. */
    v = lua_tolstring(L, 3, &vlen);
    if (v == NULL) {
        switch (lua_type(L, 3)) {
        case LUA_TBOOLEAN:
            v = lua_toboolean(L, 3) ? "true" : "false";
            vlen = strlen(v);
            break;
        case LUA_TNIL:
            break;
        default:
            return luaL_error(L, "cannot store a %s in field '%s'",
                              luaL_typename(L, 3), lua_tostring(L, 2));
        }
    }
    if (i < 0 && v == NULL)
        return 0;
    if (i < 0 && cw__layout_sealed(rec->layout))
        return luaL_error(L,
                          "cannot add column '%s' here: in a recipe with "
                          "parallel steps, a function adds only the columns "
                          "its step lists in 'sets'",
                          lua_tostring(L, 2));
    cost = vlen + (i < 0 ? len + 64 : 0);
    if (cost > x->cap - x->recbytes)
        return cw__lua_raiselimit(L, x, DEAD_MEM);
    x->recbytes += cost;
    if (i < 0)
        rc = cw__rec_setname(rec, name, len, v, vlen);
    else
        rc = cw__rec_set(rec, (size_t)i, v, vlen);
    if (rc != CW_OK) {
        x->recnomem = 1;
        return luaL_error(L, "out of memory storing field '%s'",
                          lua_tostring(L, 2));
    }
    return 0;
}

/* tostring(rec): "cw.record (file:line)". */
static int rec_tostring(lua_State *L)
{
    cw_rec *rec = torec(L, cw__lua_getx(L));

    if (rec->file != NULL)
        lua_pushfstring(L, "cw.record (%s:%I)", rec->file,
                        (lua_Integer)rec->line);
    else
        lua_pushliteral(L, "cw.record");
    return 1;
}

/* Iterator of pairs(rec): the next non-null field after column 'key'. */
static int rec_next(lua_State *L)
{
    cw_rec *rec = torec(L, cw__lua_getx(L));
    size_t i = 0, n = cw__layout_count(rec->layout);

    if (lua_type(L, 2) == LUA_TSTRING) {
        size_t len;
        const char *k = lua_tolstring(L, 2, &len);
        long at = cw__layout_find(rec->layout, k, len);

        if (at < 0)
            return luaL_error(L, "invalid key to 'next'");
        i = (size_t)at + 1;
    }
    for (; i < n; i++) {
        cw_field f = cw__rec_get(rec, i);

        if (f.p != NULL) {
            lua_pushstring(L, cw__layout_name(rec->layout, i));
            lua_pushlstring(L, f.p, f.len);
            return 2;
        }
    }
    lua_pushnil(L);
    return 1;
}

/* pairs(rec): the columns with a value, in layout order. */
static int rec_pairs(lua_State *L)
{
    (void)torec(L, cw__lua_getx(L));
    lua_pushcfunction(L, rec_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static const luaL_Reg record_meta[] = {
    {"__index", rec_index},
    {"__newindex", rec_newindex},
    {"__tostring", rec_tostring},
    {"__pairs", rec_pairs},
    {NULL, NULL},
};

/* Register the record proxy type: the metatable of every light userdata;
** make the anchors of the name cache.  [-0, +0] */
void cw__lua_openrecord(lua_State *L)
{
    lua_createtable(L, NAME_SLOTS, 0);
    cw__lua_getx(L)->anchors = luaL_ref(L, LUA_REGISTRYINDEX);
    luaL_newmetatable(L, RECORD_MT);
    luaL_setfuncs(L, record_meta, 0);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pushlightuserdata(L, NULL);
    lua_insert(L, -2);
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
}

/* Push a proxy for 'rec', valid until the call it is lent to returns
** (cw__lua_call_rec and cw__lua_call_value then clear 'x->rec').
** [-0, +1] */
void cw__lua_lend(lua_State *L, cw_lua *x, cw_rec *rec)
{
    x->rec = rec;
    if (rec != NULL && cw__layout_id(rec->layout) != x->ncid) {
        forget(x);
        x->ncid = cw__layout_id(rec->layout);
    }
    x->gen++;
    lua_pushlightuserdata(L, (void *)x->gen);
}
