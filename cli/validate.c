/*
** validate.c -- 'crosswalk validate --schema NAME FILE...': argument
** parsing, printing (lines, or JSON with --json) and exit codes over
** cw_validate_flags() (engine/api).
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_validate[] =
    "usage: crosswalk validate --schema TOOL/FORMAT [--strict] [--json]\n"
    "                          [--delimiter C] [--quote C] [--encoding NAME]\n"
    "                          [--stray-quotes keep|reject] [-q|-v] FILE...\n"
    "\n"
    "Check every FILE against the schema (e.g. organizer/text_interactions)\n"
    "and print every problem on stdout, one per line:\n"
    "  file:line:col: code: message\n"
    "(col is the 1-based field number, 0 for the whole row or file), and\n"
    "on stderr 'FILE: valid (0 errors)' or 'FILE: invalid (N errors)'.\n"
    "Organizer schemas also check Organizer's import rules: at most 5\n"
    "distinct Effort Names, booleans (true/false, yes/no, 1/0), dates, a\n"
    "value in every row, unique headers ignoring case, files under 500 MB.\n"
    "Organizer and Impactive schemas warn about values a spreadsheet may\n"
    "run as formulas (W_FORMULA: =, +, -, @ first; not numbers or phones).\n"
    "A malformed record (E_QUOTE: a stray quote, text after a closing\n"
    "quote) is reported and checking goes on at the next line; with\n"
    "--strict it is the last problem reported for its file.\n"
    "\n"
    "  --schema NAME     the schema to check against\n"
    "  --strict          stop checking a file at its first malformed record\n"
    "  --json            print one JSON object on stdout instead of lines:\n"
    "                    valid, errors, warnings, files and problems (file,\n"
    "                    line, col, column, code, message, warning), and\n"
    "                    error when a file could not be checked\n"
    "                    (docs/json.md)\n"
    "  --delimiter C     the files' delimiter: one character, or tab,\n"
    "                    comma, semicolon, pipe (default ,)\n"
    "  --quote C         their quote character (default \")\n"
    "  --encoding NAME   their encoding, any name iconv knows (latin1,\n"
    "                    windows-1252, UTF-16, ...; default UTF-8)\n"
    "  --stray-quotes keep|reject\n"
    "                    keep: a quote inside an unquoted field\n"
    "                    (1,Tablet (10\" screen),x) is data, as in Python's\n"
    "                    csv module; reject (default): E_QUOTE\n"
    "  -q, --quiet       no 'FILE: valid' lines on stderr\n"
    "  -v, --verbose     count the warnings on those lines too\n"
    "  -h, --help        this help\n"
    "  -V, --version     the version\n"
    "\n"
    "exit: 0 every file is valid, 1 problems found, 2 usage error,\n"
    "4 the schema file hit a sandbox limit.\n";

enum { OPT_SCHEMA = CW_OPT_OWN, OPT_STRICT, OPT_JSON };

static const struct option opts[] = {
    CW_OPTS_COMMON,
    CW_OPTS_DIALECT,
    {"schema", required_argument, NULL, OPT_SCHEMA},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"json", no_argument, NULL, OPT_JSON},
    {NULL, 0, NULL, 0},
};

/* What the problem callback prints to and counts. */
typedef struct checking {
    int json;                /* print JSON */
    unsigned long nproblems; /* problems printed (JSON: the separator) */
    unsigned long nwarnings; /* warnings of the current file */
} checking;

static void on_validate_problem(void *ud, const cw_problem *p)
{
    checking *c = ud;

    if (p->warning)
        c->nwarnings++;
    if (!c->json) {
        if (p->warning)
            printf("%s:%lu:%lu: warning: %s: %s\n", p->file, p->line, p->col,
                   p->code, p->message);
        else
            printf("%s:%lu:%lu: %s: %s\n", p->file, p->line, p->col, p->code,
                   p->message);
        return;
    }
    fputs(c->nproblems++ ? ",\n  {\"file\": " : "\n  {\"file\": ", stdout);
    cw_cli_json_str(stdout, p->file);
    printf(", \"line\": %lu, \"col\": %lu, \"column\": ", p->line, p->col);
    cw_cli_json_str(stdout, p->column);
    fputs(", \"code\": ", stdout);
    cw_cli_json_str(stdout, p->code);
    fputs(", \"message\": ", stdout);
    cw_cli_json_str(stdout, p->message);
    printf(", \"warning\": %s}", p->warning ? "true" : "false");
}

/* One checked file, for the JSON's "files". */
typedef struct checked {
    const char *file;
    unsigned long errors;
    unsigned long warnings;
} checked;

/* The exit code of a file that could not be checked (status 'rc'). */
static int failed(int rc)
{
    if (rc == CW_ELIMIT)
        return EXIT_SANDBOX;
    return rc == CW_EUSAGE || rc == CW_EIO ? EXIT_USAGE : EXIT_ABORTED;
}

int cw_cli_validate(int argc, char **argv, const char *home)
{
    cw_cli_args a;
    const char *schema = NULL, *error = NULL;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    checked *done = calloc((size_t)argc + 1, sizeof *done);
    cw_dialect dialect = {0};
    int nfiles = 0, ndone = 0, code = EXIT_CLEAN, flags = 0, c;
    unsigned long errors = 0, warnings = 0;
    checking chk = {0, 0, 0};
    cw_err err;

    if (files == NULL || done == NULL) {
        fprintf(stderr, "crosswalk: out of memory\n");
        code = EXIT_ABORTED;
        goto out;
    }
    cw_cli_args_start(&a, "validate", usage_validate, opts, 1, argc, argv);
    while ((c = cw_cli_next(&a)) != CW_OPT_END) {
        switch (c) {
        case CW_OPT_EXIT:
            code = a.status;
            goto out;
        case CW_OPT_OPERAND:
            files[nfiles++] = a.arg;
            break;
        case OPT_SCHEMA:
            schema = a.arg;
            break;
        case OPT_STRICT:
            flags = CW_VALIDATE_STRICT;
            break;
        case OPT_JSON:
            chk.json = 1;
            break;
        default:
            if (cw_cli_dialect(cw_cli_dialect_option(c), a.arg, &dialect,
                               usage_validate) > 0) {
                code = EXIT_USAGE;
                goto out;
            }
            break;
        }
    }
    if (schema == NULL || nfiles == 0) {
        cw_cli_args_error(
            &a, "%s", schema == NULL ? "no --schema given" : "no file given");
        code = EXIT_USAGE;
        goto out;
    }
    if (chk.json) {
        printf("{\"format_version\": %d, \"schema\": ", CW_JSON_FORMAT_VERSION);
        cw_cli_json_str(stdout, schema);
        printf(", \"strict\": %s, \"problems\": [", flags ? "true" : "false");
    }
    for (int i = 0; i < nfiles; i++) {
        unsigned long nerr;
        int rc;

        chk.nwarnings = 0;
        rc = cw_validate_dialect(home, schema, files[i], flags, &dialect,
                                 on_validate_problem, &chk, &nerr, &err);
        if (rc != CW_OK) {
            fprintf(stderr, "crosswalk: %s\n", err.msg);
            error = err.msg;
            code = failed(rc);
            break;
        }
        done[ndone++] = (checked){files[i], nerr, chk.nwarnings};
        errors += nerr;
        warnings += chk.nwarnings;
        if (cw_cli_talk == CW_TALK_VERBOSE)
            fprintf(stderr, "%s: %s (%s, %s)\n", files[i],
                    nerr == 0 ? "valid" : "invalid",
                    cw_cli_count(nerr, "error", "errors"),
                    cw_cli_count(chk.nwarnings, "warning", "warnings"));
        else if (cw_cli_talk == CW_TALK_NORMAL)
            fprintf(stderr, "%s: %s (%s)\n", files[i],
                    nerr == 0 ? "valid" : "invalid",
                    cw_cli_count(nerr, "error", "errors"));
        if (nerr > 0)
            code = EXIT_REJECTS;
    }
    if (chk.json) {
        fputs(chk.nproblems ? "\n], \"files\": [" : "], \"files\": [", stdout);
        for (int i = 0; i < ndone; i++) {
            fputs(i ? ", {\"file\": " : "{\"file\": ", stdout);
            cw_cli_json_str(stdout, done[i].file);
            printf(", \"valid\": %s, \"errors\": %lu, \"warnings\": %lu}",
                   done[i].errors == 0 ? "true" : "false", done[i].errors,
                   done[i].warnings);
        }
        printf("], \"valid\": %s, \"errors\": %lu, \"warnings\": %lu, "
               "\"error\": ",
               code == EXIT_CLEAN ? "true" : "false", errors, warnings);
        cw_cli_json_str(stdout, error);
        fputs("}\n", stdout);
    }
out:
    free(files);
    free(done);
    return code;
}
