/*
** validate.c -- 'crosswalk validate --schema NAME FILE...': argument
** parsing, printing and exit codes over cw_validate() (engine/api).
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char usage_validate[] =
    "usage: crosswalk validate --schema TOOL/FORMAT [--strict]\n"
    "                          [--delimiter C] [--quote C] [--encoding NAME]\n"
    "                          FILE...\n"
    "\n"
    "Check every FILE against the schema (e.g. organizer/text_interactions)\n"
    "and print every problem, one per line:\n"
    "  file:line:col: code: message\n"
    "(col is the 1-based field number, 0 for the whole row or file).\n"
    "Organizer schemas also check Organizer's import rules: at most 5\n"
    "distinct Effort Names, booleans (true/false, yes/no, 1/0), dates, a\n"
    "value in every row, unique headers ignoring case, files under 500 MB.\n"
    "Organizer and Impactive schemas warn about values a spreadsheet may\n"
    "run as formulas (W_FORMULA: =, +, -, @ first; not numbers or phones).\n"
    "A malformed record (E_QUOTE: a stray quote, text after a closing\n"
    "quote) is reported and checking goes on at the next line; with\n"
    "--strict it is the last problem reported for its file.\n"
    "\n"
    "  --delimiter C    the files' delimiter: one character, or tab,\n"
    "                   comma, semicolon, pipe (default ,)\n"
    "  --quote C        their quote character (default \")\n"
    "  --encoding NAME  their encoding, any name iconv knows (latin1,\n"
    "                   windows-1252, UTF-16, ...; default UTF-8)\n"
    "\n"
    "exit: 0 every file is valid, 1 problems found, 2 usage error,\n"
    "4 the schema file hit a sandbox limit.\n";

static void on_validate_problem(void *ud, const cw_problem *p)
{
    (void)ud;
    if (p->warning)
        printf("%s:%lu:%lu: warning: %s: %s\n", p->file, p->line, p->col,
               p->code, p->message);
    else
        printf("%s:%lu:%lu: %s: %s\n", p->file, p->line, p->col, p->code,
               p->message);
}

int cw_cli_validate(int argc, char **argv, const char *home)
{
    const char *schema = NULL;
    int nfiles = 0, code = EXIT_CLEAN, flags = 0, k;
    cw_dialect d = {0, 0, NULL};

    if (cw_cli_wants_help(argc, argv)) {
        fputs(usage_validate, stdout);
        return EXIT_CLEAN;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--schema") == 0) {
            if (i + 1 >= argc)
                return cw_cli_usage(usage_validate, "%s",
                                    "--schema needs a name");
            schema = argv[++i];
        } else if (strcmp(argv[i], "--strict") == 0) {
            flags = CW_VALIDATE_STRICT;
        } else if ((k = cw_cli_dialect(argv[i],
                                       i + 1 < argc ? argv[i + 1] : NULL, &d,
                                       usage_validate)) >= 0) {
            if (k != 0)
                return k;
            i++;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cw_cli_usage(usage_validate, "unknown option '%s'", argv[i]);
        } else {
            nfiles++;
        }
    }
    if (schema == NULL || nfiles == 0)
        return cw_cli_usage(usage_validate, "%s",
                            schema == NULL ? "no --schema given"
                                           : "no file given");
    for (int i = 0; i < argc; i++) {
        unsigned long nerr;
        cw_err err;
        int rc;

        if (strcmp(argv[i], "--schema") == 0 ||
            strcmp(argv[i], "--delimiter") == 0 ||
            strcmp(argv[i], "--quote") == 0 ||
            strcmp(argv[i], "--encoding") == 0) {
            i++;
            continue;
        }
        if (strcmp(argv[i], "--strict") == 0)
            continue;
        rc = cw_validate_dialect(home, schema, argv[i], flags, &d,
                                 on_validate_problem, NULL, &nerr, &err);
        if (rc != CW_OK) {
            fprintf(stderr, "crosswalk: %s\n", err.msg);
            if (rc == CW_ELIMIT)
                return EXIT_SANDBOX;
            return rc == CW_EUSAGE || rc == CW_EIO ? EXIT_USAGE : EXIT_ABORTED;
        }
        fprintf(stderr, "%s: %s (%lu error%s)\n", argv[i],
                nerr == 0 ? "valid" : "invalid", nerr, nerr == 1 ? "" : "s");
        if (nerr > 0)
            code = EXIT_REJECTS;
    }
    return code;
}
