/*
** sink.c -- opens database sinks by name.  The kinds live in
** sink_sqlite.c and sink_pgsql.c.
*/
#include "io/sink.h"

#include "core/msg.h"

#include <string.h>

static const struct cw_sink_type *const kinds[] = {&cw_sink_sqlite,
                                                   &cw_sink_postgres, NULL};

int cw__table_open(const char *spec, const char *table, const cw_sinkcol *cols,
                   size_t ncols, enum cw_sinkmode mode, cw_table *out,
                   cw_err *err)
{
    const char *colon = strchr(spec, ':');

    *out = (cw_table){NULL, NULL};
    if (cw__target_pguri(spec)) { /* a URI without its "postgres:" */
        out->type = &cw_sink_postgres;
        return out->type->open(spec, table, cols, ncols, mode, &out->s, err);
    }
    for (int i = 0; colon != NULL && kinds[i] != NULL; i++) {
        size_t n = (size_t)(colon - spec);

        if (strlen(kinds[i]->name) == n &&
            memcmp(kinds[i]->name, spec, n) == 0) {
            out->type = kinds[i];
            return kinds[i]->open(colon + 1, table, cols, ncols, mode, &out->s,
                                  err);
        }
    }
    return cw__target_refuse(err, spec,
                             "sqlite:PATH, postgres:CONNINFO or a "
                             "postgresql:// URI");
}

void cw__table_close(cw_table *out)
{
    if (out->type != NULL && out->s != NULL)
        out->type->close(out->s);
    out->s = NULL;
}

int cw__sink_copycols(const cw_sinkcol *cols, size_t ncols, char ***names,
                      enum cw_coltype **types)
{
    char **n = cw__alloc(ncols * sizeof *n);
    enum cw_coltype *t = cw__alloc(ncols * sizeof *t);
    size_t i = 0;

    if (n != NULL && t != NULL) {
        for (; i < ncols; i++) {
            t[i] = cols[i].type;
            if ((n[i] = cw__strdup(cols[i].name)) == NULL)
                break;
        }
    }
    if (n == NULL || t == NULL || i < ncols) {
        cw__sink_freecols(n, t, i);
        return CW_ENOMEM;
    }
    *names = n;
    *types = t;
    return CW_OK;
}

void cw__sink_freecols(char **names, enum cw_coltype *types, size_t ncols)
{
    for (size_t i = 0; names != NULL && i < ncols; i++)
        cw__free(names[i]);
    cw__free(names);
    cw__free(types);
}

int cw__sink_isodate(const char *s, size_t len)
{
    static const char pat[] = "dddd-dd-dd";

    if (len < 10)
        return 0;
    for (size_t i = 0; i < 10; i++)
        if (pat[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != pat[i])
            return 0;
    return 1;
}

int cw__sinkmode(const char *name)
{
    static const char *const names[] = {"create", "append", "replace", "upsert",
                                        NULL};

    for (int i = 0; names[i] != NULL; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}
