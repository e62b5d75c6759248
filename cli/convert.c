/*
** convert.c -- 'crosswalk convert IN OUT': argument parsing, printing and
** exit codes over cw_convert() (engine/api).
*/
#include "cli.h"

#include <stdio.h>

static const char usage_convert[] =
    "usage: crosswalk convert IN OUT\n"
    "\n"
    "Convert between CSV (.csv) and NDJSON (.ndjson, .jsonl), chosen by\n"
    "the file extensions, or load a CSV into a table: OUT may be\n"
    "sqlite:PATH#TABLE, postgres:CONNINFO#TABLE or a bare\n"
    "postgresql://...#TABLE URI (a password is never shown).  OUT is\n"
    "written atomically (a file by rename, a table in one transaction).\n"
    "exit: 0 converted, 2 usage error, 3 the input is malformed.\n";

int cw_cli_convert(int argc, char **argv, const char *home)
{
    unsigned long long rows;
    char shown[CW_MSG_MAX + 1];
    cw_err err;
    int rc;

    (void)home;
    if (cw_cli_wants_help(argc, argv)) {
        fputs(usage_convert, stdout);
        return EXIT_CLEAN;
    }
    if (argc != 2)
        return cw_cli_usage(usage_convert, "%s", "convert takes IN and OUT");
    rc = cw_convert(argv[0], argv[1], &rows, &err);
    if (rc != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        return rc == CW_EUSAGE ? EXIT_USAGE : EXIT_ABORTED;
    }
    cw_redact(shown, sizeof shown, argv[1]); /* a target: no password */
    fprintf(stderr, "converted %llu records to %s\n", rows, shown);
    return EXIT_CLEAN;
}
