/* source_sqlite.c -- placeholder until the SQLite source lands. */
#include "source.h"

static int nope(const char *location, cw_source **out, cw_err *err)
{
    (void)location;
    *out = NULL;
    return cw__fail(err, CW_EUSAGE, "the sqlite source is not built yet");
}

const struct cw_source_type cw_source_sqlite = {.name = "sqlite", .open = nope};
