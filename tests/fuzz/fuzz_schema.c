/*
** fuzz_schema.c -- fuzz target for the schema loader: the input is
** written to a file and loaded as cw__schema_load() loads a schema
** (engine/values/schema.c: a fresh sandbox without require,
** cw__lua_loadfile(), cw__schema_from_node()), with small limits so that
** an input that loops or eats memory ends quickly.  A schema that loads
** is then used: its columns looked up by name, a header fitted to it,
** and a few values checked against every column.
*/
#include "fuzz.h"

#include "lua/luabridge.h"
#include "values/schema.h"

#include <stdlib.h>
#include <string.h>

#define INSTRUCTIONS 200000ull /* Lua instructions per load */
#define MEMORY (8u << 20)      /* bytes for the Lua state */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* Look up, fit and check values against the loaded schema 's'. */
static void use(const cw_schema *s)
{
    static const char *const values[] = {
        "",           " ",          "x",           "42",
        "-1.5e3",     "true",       "No",          "2024-02-29 13:45",
        "02/29/2024", "5555555555", "a@b.example", "{\"k\": 1}"};
    const char **cols = malloc((s->ncols + 1) * sizeof *cols);
    unsigned char *taken = malloc(s->ncols + 1);
    unsigned char *known = malloc(s->ncols + 1);
    cw_buf scratch = {0};
    cw_verdict v;
    cw_fit fit;
    const char *res;
    size_t reslen;

    if (cols == NULL || taken == NULL || known == NULL)
        abort();
    for (size_t i = 0; i < s->ncols; i++) {
        const cw_colspec *c = &s->cols[i];

        cols[i] = c->naliases > 0 ? c->aliases[0] : c->name;
        if (cw__schema_find(s, c->name, strlen(c->name)) < 0)
            abort(); /* a column not found by its own name */
        cw__schema_prefixed(s, c->name, strlen(c->name));
        cw__schema_check(c, NULL, 0, &scratch, &res, &reslen, &v);
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++)
            cw__schema_check(c, values[k], strlen(values[k]), &scratch, &res,
                             &reslen, &v);
    }
    cw__schema_fit(s, cols, s->ncols, taken, known, &fit);
    cw__buf_free(&scratch);
    free(cols);
    free(taken);
    free(known);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("schema.lua", data, size);
    cw_lua_limits lim = {INSTRUCTIONS, MEMORY, 0};
    cw_lua *x = NULL;
    cw_node *n = NULL;
    cw_schema *s = NULL;
    cw_err err = {0};
    int rc;

    if (cw__lua_open(&lim, NULL, &x, &err) != CW_OK)
        abort();
    rc = cw__lua_loadfile(x, path, NULL, 0, &n, &err);
    if (rc == CW_OK)
        rc = cw__schema_from_node(n, path, &s, &err);
    fuzz_report(rc, err.msg);
    if (rc == CW_OK)
        use(s);
    cw__schema_free(s);
    cw__node_free(n);
    cw__lua_close(x);
    return 0;
}
