/*
** recipeinfo.c -- what a loaded recipe declares, for 'crosswalk recipe
** info' and embedders: its name and description, its file and folder,
** its parameters with their descriptions, its inputs' and outputs'
** schemas and targets.
*/
#include "api/runint.h"

const char *cw_run_recipe_name(const cw_run *r)
{
    return r->loaded ? cw__node_str(r->tree, "name", NULL) : NULL;
}

const char *cw_run_recipe_description(const cw_run *r)
{
    return r->loaded ? cw__node_str(r->tree, "description", NULL) : NULL;
}

const char *cw_run_recipe_file(const cw_run *r)
{
    return r->loaded ? r->recipefile : NULL;
}

const char *cw_run_recipe_folder(const cw_run *r)
{
    return r->loaded ? r->recipedir : NULL;
}

const char *cw_run_param_decl(const cw_run *r, size_t i, const char **doc)
{
    const cw_node *p = r->loaded ? cw__node_get(r->tree, "params") : NULL;

    if (p == NULL || p->type != CW_NODE_TABLE || i >= p->nkeys)
        return NULL;
    if (doc != NULL)
        *doc = p->vals[i]->type == CW_NODE_STR ? p->vals[i]->str : NULL;
    return p->keys[i];
}

const char *cw_run_input_schema(const cw_run *r, size_t i)
{
    return i < r->nin ? r->in[i].schema_name : NULL;
}

const char *cw_run_output_decl(const cw_run *r, size_t i, const char **path,
                               const char **table, const char **schema)
{
    const output *o = r->loaded && i < r->nout ? &r->out[i] : NULL;

    if (path != NULL)
        *path = o != NULL ? o->path : NULL;
    if (table != NULL)
        *table = o != NULL ? o->table : NULL;
    if (schema != NULL)
        *schema = o != NULL ? o->schema_name : NULL;
    return o != NULL ? o->name : NULL;
}
