/*
** convert.c -- 'crosswalk convert IN OUT': argument parsing, printing and
** exit codes over cw_convert() (engine/api).
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char usage_convert[] =
    "usage: crosswalk convert [--delimiter C] [--quote C] [--encoding NAME]\n"
    "                         IN OUT\n"
    "\n"
    "Convert between CSV (.csv) and NDJSON (.ndjson, .jsonl), chosen by\n"
    "the file extensions, or load a CSV into a table: OUT may be\n"
    "sqlite:PATH#TABLE, postgres:CONNINFO#TABLE or a bare\n"
    "postgresql://...#TABLE URI (a password is never shown).  OUT is\n"
    "written atomically (a file by rename, a table in one transaction).\n"
    "OUT is UTF-8; a CSV OUT uses commas.\n"
    "\n"
    "  --delimiter C    the CSV input's delimiter: one character, or tab,\n"
    "                   comma, semicolon, pipe (default ,)\n"
    "  --quote C        its quote character (default \")\n"
    "  --encoding NAME  its encoding, any name iconv knows (latin1,\n"
    "                   windows-1252, UTF-16, ...; default UTF-8)\n"
    "\n"
    "exit: 0 converted, 2 usage error, 3 the input is malformed.\n";

int cw_cli_convert(int argc, char **argv, const char *home)
{
    unsigned long long rows;
    char shown[CW_MSG_MAX + 1];
    const char *args[2];
    cw_dialect d = {0, 0, NULL};
    cw_err err;
    int rc, n = 0;

    (void)home;
    if (cw_cli_wants_help(argc, argv)) {
        fputs(usage_convert, stdout);
        return EXIT_CLEAN;
    }
    for (int i = 0; i < argc; i++) {
        int k = cw_cli_dialect(argv[i], i + 1 < argc ? argv[i + 1] : NULL, &d,
                               usage_convert);

        if (k > 0)
            return k;
        if (k == 0)
            i++;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cw_cli_usage(usage_convert, "unknown option '%s'", argv[i]);
        else if (n == 2)
            return cw_cli_usage(usage_convert, "%s",
                                "convert takes IN and OUT");
        else
            args[n++] = argv[i];
    }
    if (n != 2)
        return cw_cli_usage(usage_convert, "%s", "convert takes IN and OUT");
    rc = cw_convert_dialect(args[0], args[1], &d, &rows, &err);
    if (rc != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        return rc == CW_EUSAGE ? EXIT_USAGE : EXIT_ABORTED;
    }
    cw_redact(shown, sizeof shown, args[1]); /* a target: no password */
    fprintf(stderr, "converted %llu records to %s\n", rows, shown);
    return EXIT_CLEAN;
}
