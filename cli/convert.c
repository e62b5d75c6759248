/*
** convert.c -- 'crosswalk convert IN OUT': argument parsing, printing and
** exit codes over cw_convert() (engine/api); OUT '-' is standard output.
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char usage_convert[] =
    "usage: crosswalk convert [--to csv|ndjson] [--delimiter C] [--quote C]\n"
    "                         [--encoding NAME] [--stray-quotes keep|reject]\n"
    "                         [-q|-v] IN OUT\n"
    "\n"
    "Convert between CSV (.csv) and NDJSON (.ndjson, .jsonl), chosen by\n"
    "the file extensions, or load a CSV into a table: OUT may be\n"
    "sqlite:PATH#TABLE, postgres:CONNINFO#TABLE or a bare\n"
    "postgresql://...#TABLE URI (a password is never shown).  OUT is\n"
    "written atomically (a file by rename, a table in one transaction).\n"
    "OUT is UTF-8; a CSV OUT uses commas.\n"
    "IN '-' is standard input, read as CSV.  OUT '-' is standard output,\n"
    "in the format --to names (default: NDJSON from CSV, CSV from\n"
    "NDJSON); it is written once the whole input is converted, so a\n"
    "malformed input prints nothing there.\n"
    "\n"
    "  --to FORMAT       csv or ndjson: the format of OUT '-'\n"
    "  --delimiter C     the CSV input's delimiter: one character, or tab,\n"
    "                    comma, semicolon, pipe (default ,)\n"
    "  --quote C         its quote character (default \")\n"
    "  --encoding NAME   its encoding, any name iconv knows (latin1,\n"
    "                    windows-1252, UTF-16, ...; default UTF-8)\n"
    "  --stray-quotes keep|reject\n"
    "                    keep: a quote inside an unquoted field\n"
    "                    (1,Tablet (10\" screen),x) is data, as in Python's\n"
    "                    csv module; reject (default): the input is\n"
    "                    malformed (E_QUOTE)\n"
    "  -q, --quiet       no 'converted N records' line on stderr\n"
    "  -v, --verbose     (accepted; says nothing more)\n"
    "  -h, --help        this help\n"
    "  -V, --version     the version\n"
    "\n"
    "exit: 0 converted, 2 usage error, 3 the input is malformed, 141\n"
    "standard output closed before the end.\n";

enum { OPT_TO = CW_OPT_OWN };

static const struct option opts[] = {
    CW_OPTS_COMMON,
    CW_OPTS_DIALECT,
    {"to", required_argument, NULL, OPT_TO},
    {NULL, 0, NULL, 0},
};

/* The file extension of the format named 'to', or NULL. */
static const char *extension(const char *to)
{
    if (strcmp(to, "csv") == 0)
        return "csv";
    if (strcmp(to, "ndjson") == 0 || strcmp(to, "jsonl") == 0)
        return "ndjson";
    return NULL;
}

/* 1 when 'path' ends in ".ext" ('ext' lower case), ignoring case. */
static int ends_in(const char *path, const char *ext)
{
    size_t n = strlen(path), k = strlen(ext);

    if (n < k + 2 || path[n - k - 1] != '.')
        return 0;
    for (size_t i = 0; i < k; i++) {
        char c = path[n - k + i];

        if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != ext[i])
            return 0;
    }
    return 1;
}

/* Print the message 'msg' about the temp file 'path' standing for
** standard output, which it names "-". */
static void print_error(const char *msg, const char *path)
{
    const char *at;
    size_t n = strlen(path);

    fputs("crosswalk: ", stderr);
    while ((at = strstr(msg, path)) != NULL) {
        fwrite(msg, 1, (size_t)(at - msg), stderr);
        fputc('-', stderr);
        msg = at + n;
    }
    fprintf(stderr, "%s\n", msg);
}

/* Convert 'in' to standard output in the format with the extension
** 'ext', through a temp file. */
static int to_stdout(const char *in, const char *ext, const cw_dialect *d,
                     unsigned long long *rows)
{
    char dir[4096], path[4200];
    cw_err err;
    int rc;

    if (cw_cli_tmpdir(dir, sizeof dir) != 0)
        return EXIT_ABORTED;
    snprintf(path, sizeof path, "%s/stdout.%s", dir, ext);
    rc = cw_convert_dialect(in, path, d, rows, &err);
    if (rc != CW_OK) {
        print_error(err.msg, path);
        rc = rc == CW_EUSAGE ? EXIT_USAGE : EXIT_ABORTED;
    } else {
        rc = cw_cli_cat(path);
    }
    cw_cli_rmtree(dir);
    return rc;
}

int cw_cli_convert(int argc, char **argv, const char *home)
{
    cw_cli_args a;
    cw_dialect dialect = {0};
    const char *operand[2] = {NULL, NULL}, *to = NULL, *ext;
    unsigned long long rows;
    char shown[CW_MSG_MAX + 1];
    int n = 0, rc, c;
    cw_err err;

    (void)home;
    cw_cli_args_start(&a, "convert", usage_convert, opts, 1, argc, argv);
    while ((c = cw_cli_next(&a)) != CW_OPT_END) {
        switch (c) {
        case CW_OPT_EXIT:
            return a.status;
        case CW_OPT_OPERAND:
            if (n == 2) {
                cw_cli_args_error(&a, "convert takes IN and OUT; extra: %s",
                                  a.arg);
                return EXIT_USAGE;
            }
            operand[n++] = a.arg;
            break;
        case OPT_TO:
            to = a.arg;
            break;
        default:
            if (cw_cli_dialect(cw_cli_dialect_option(c), a.arg, &dialect,
                               usage_convert) > 0)
                return EXIT_USAGE;
            break;
        }
    }
    if (n != 2) {
        cw_cli_args_error(&a, "%s", "convert takes IN and OUT");
        return EXIT_USAGE;
    }
    if (to != NULL && extension(to) == NULL) {
        cw_cli_args_error(&a, "--to takes csv or ndjson, not '%s'", to);
        return EXIT_USAGE;
    }
    if (to != NULL && strcmp(operand[1], "-") != 0) {
        cw_cli_args_error(&a, "--to is for OUT '-' (standard output); the "
                              "extension of a file names its format");
        return EXIT_USAGE;
    }
    if (strcmp(operand[1], "-") == 0) {
        int from_ndjson =
            ends_in(operand[0], "ndjson") || ends_in(operand[0], "jsonl");

        ext = to != NULL ? extension(to) : from_ndjson ? "csv" : "ndjson";
        if (strcmp(ext, from_ndjson ? "ndjson" : "csv") == 0) {
            cw_cli_args_error(&a, "%s is %s already; --to %s converts it",
                              operand[0], from_ndjson ? "NDJSON" : "CSV",
                              from_ndjson ? "csv" : "ndjson");
            return EXIT_USAGE;
        }
        if ((rc = to_stdout(operand[0], ext, &dialect, &rows)) != 0)
            return rc;
        if (cw_cli_talk != CW_TALK_QUIET)
            fprintf(stderr, "converted %s to standard output\n",
                    cw_cli_count(rows, "record", "records"));
        return EXIT_CLEAN;
    }
    rc = cw_convert_dialect(operand[0], operand[1], &dialect, &rows, &err);
    if (rc != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        return rc == CW_EUSAGE ? EXIT_USAGE : EXIT_ABORTED;
    }
    cw_redact(shown, sizeof shown, operand[1]); /* a target: no password */
    if (cw_cli_talk != CW_TALK_QUIET)
        fprintf(stderr, "converted %s to %s\n",
                cw_cli_count(rows, "record", "records"), shown);
    return EXIT_CLEAN;
}
