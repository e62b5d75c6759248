/*
** fuzz_recipe.c -- fuzz target for the recipe loader: the input is
** written to a file and loaded as the CLI loads a recipe, with
** cw_run_load() (engine/api/recipe.c) in the Lua sandbox, the source
** tree as home (its schemas/ and lua/), and small limits so that an
** input that loops or eats memory ends quickly.
*/
#include "fuzz.h"

#include "crosswalk.h"

#include <stdlib.h>

#define INSTRUCTIONS 200000ull /* Lua instructions per load */
#define MEMORY (8u << 20)      /* bytes for the Lua state */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("recipe.lua", data, size);
    cw_run *r = NULL;
    cw_err err = {0};

    if (cw_run_new(&r, &err) != CW_OK)
        abort();
    if (cw_run_home(r, CW_FUZZ_HOME) != CW_OK ||
        cw_run_limits(r, INSTRUCTIONS, MEMORY) != CW_OK)
        abort();
    fuzz_report(cw_run_load(r, path), cw_run_errmsg(r));
    for (size_t i = 0; i < cw_run_ninputs(r); i++)
        cw_run_input_name(r, i, NULL);
    cw_run_free(r);
    return 0;
}
