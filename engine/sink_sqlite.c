/* sink_sqlite.c -- placeholder until the SQLite sink lands. */
#include "sink.h"

static int nope(const char *location, const char *table, const cw_sinkcol *cols,
                size_t ncols, enum cw_sinkmode mode, cw_sink **out, cw_err *err)
{
    (void)location;
    (void)table;
    (void)cols;
    (void)ncols;
    (void)mode;
    *out = NULL;
    return cw__fail(err, CW_EUSAGE, "the sqlite sink is not built yet");
}

const struct cw_sink_type cw_sink_sqlite = {.name = "sqlite", .open = nope};
