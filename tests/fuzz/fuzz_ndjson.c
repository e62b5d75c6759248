/*
** fuzz_ndjson.c -- fuzz target for the NDJSON reader of 'crosswalk
** convert' (engine/api/convert.c, reachable only through cw_convert()):
** the input is written to a .ndjson file and converted to a .csv file.
** When the conversion succeeds, the CSV must read back (without taking
** a header, since JSON keys that differ only in case are two columns)
** as one record per object plus the header, each with the header's
** field count, none refused.
*/
#include "fuzz.h"

#include "csv/csvread.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* Read the CSV at 'path' back; abort when it is not what was written. */
static void readback(const char *path, unsigned long long rows)
{
    unsigned long long n = 0;
    size_t ncols = 0;
    cw_csvopts o;
    cw_csv *r = NULL;
    cw_err err = {0};
    int rc;

    cw__csvopts_default(&o);
    o.header = 0;
    o.ahead = 0;
    if (cw__csv_openfile(path, &o, &r, &err) != CW_OK)
        abort();
    while ((rc = cw__csv_next(r)) == CW_ROW) {
        if (n++ == 0)
            ncols = cw__csv_nfields(r);
        else if (cw__csv_nfields(r) != ncols)
            break;
    }
    if (rc != CW_DONE || n != rows + 1) {
        fprintf(stderr,
                "fuzz_ndjson: %llu objects converted, but the CSV reads "
                "back as %llu records (status %d: %s)\n",
                rows, n, rc, cw__csv_errmsg(r));
        abort();
    }
    cw__csv_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = fuzz_file("in.ndjson", data, size);
    const char *out = fuzz_path("out.csv");
    unsigned long long rows = 0;
    cw_err err = {0};

    int rc;

    remove(out);
    rc = cw_convert(in, out, &rows, &err);
    fuzz_report(rc, err.msg);
    if (rc == CW_OK)
        readback(out, rows);
    return 0;
}
