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

/*
** A proxy is a light userdata whose value is the tag of the call it was
** lent to; all light userdata share the "cw.record" metatable.  Nothing
** is allocated per row, and a proxy kept from an earlier call no longer
** matches 'x->gen', so using it raises instead of reaching a record that
** is gone.
*/
static cw_rec *torec(lua_State *L, cw_lua *x)
{
    if (x->rec == NULL || lua_type(L, 1) != LUA_TLIGHTUSERDATA ||
        (uintptr_t)lua_touserdata(L, 1) != x->gen)
        luaL_error(L, "record used after its callback returned");
    return x->rec;
}

/* Note that a recipe function read 'name', a column no record has had
** (W_NEVER_SET when none gets it by the end of the run). */
static void missed(cw_lua *x, const char *name, size_t len)
{
    char *copy;

    if (x->nmiss == MAX_MISS || len > 200 || memchr(name, '\0', len))
        return;
    for (size_t i = 0; i < x->nmiss; i++)
        if (strlen(x->miss[i].name) == len &&
            memcmp(x->miss[i].name, name, len) == 0)
            return;
    if ((copy = cw__strndup(name, len)) == NULL)
        return; /* only a warning is lost */
    x->miss[x->nmiss++] = (cw_miss){copy, x->step};
}

void cw__lua_step(cw_lua *x, const char *label)
{
    x->step = label;
}

const char *cw__lua_missed(const cw_lua *x, size_t i, const char **step)
{
    if (i >= x->nmiss)
        return NULL;
    *step = x->miss[i].step;
    return x->miss[i].name;
}

/* rec.name: the field as a string, nil when null or no such column. */
static int rec_index(lua_State *L)
{
    cw_lua *x = cw__lua_getx(L);
    cw_rec *rec = torec(L, x);
    size_t len;
    const char *name;
    long i;
    cw_field f;

    if (lua_type(L, 2) != LUA_TSTRING) {
        lua_pushnil(L);
        return 1;
    }
    name = lua_tolstring(L, 2, &len);
    i = cw__layout_find(rec->layout, name, len);
    if (i < 0)
        missed(x, name, len);
    f = i >= 0 ? cw__rec_get(rec, (size_t)i) : (cw_field){NULL, 0};
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
    size_t len, vlen = 0;
    const char *name, *v = NULL;
    long i;
    size_t cost;
    int rc;

    if (lua_type(L, 2) != LUA_TSTRING)
        return luaL_error(L, "record fields are named by strings, not by a %s",
                          luaL_typename(L, 2));
    name = lua_tolstring(L, 2, &len);
    switch (lua_type(L, 3)) {
    case LUA_TSTRING:
    case LUA_TNUMBER:
        v = lua_tolstring(L, 3, &vlen);
        break;
    case LUA_TBOOLEAN:
        v = lua_toboolean(L, 3) ? "true" : "false";
        vlen = strlen(v);
        break;
    case LUA_TNIL:
        break;
    default:
        return luaL_error(L, "cannot store a %s in field '%s'",
                          luaL_typename(L, 3), name);
    }
    i = cw__layout_find(rec->layout, name, len);
    if (i < 0 && v == NULL)
        return 0;
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
        return luaL_error(L, "out of memory storing field '%s'", name);
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

/* Register the record proxy type: the metatable of every light userdata.
** [-0, +0] */
void cw__lua_openrecord(lua_State *L)
{
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
    x->gen++;
    lua_pushlightuserdata(L, (void *)x->gen);
}
