/*
** inspect.c -- 'crosswalk inspect', 'crosswalk schemas' and 'crosswalk
** schema show': argument parsing, printing and exit codes over
** cw_inspect_new() and cw_schemaset_* (engine/api/inspect.c).
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char usage_inspect[] =
    "usage: crosswalk inspect [--json] [--delimiter C] [--quote C]\n"
    "                         [--encoding NAME] [--stray-quotes keep|reject]\n"
    "                         FILE\n"
    "\n"
    "Tell what FILE is before writing anything: its delimiter (sniffed\n"
    "among , ; TAB |) and quote character, its encoding (UTF-8, with or\n"
    "without a byte order mark; the first line with invalid UTF-8 is\n"
    "named; UTF-16, UTF-32 and Excel workbooks are refused, naming what to\n"
    "do), its line endings (LF, CRLF, CR or mixed), its row count (records, as "
    "the CSV parser reads them), and\n"
    "which schema its header matches: exactly, or the closest one with the\n"
    "columns missing from the file and the ones the schema does not know.\n"
    "A schema matches when all its required columns are there and it knows\n"
    "at least half of the file's columns; the best is the one that knows\n"
    "the most (ties: fewest missing, fewest unexpected, then by name).\n"
    "FILE may be '-' for standard input.  When the findings look wrong\n"
    "(a header that is one column holding another delimiter, bytes that\n"
    "are not UTF-8), a last line, 'hint', says what to try.\n"
    "\n"
    "  --json            print one JSON object: file, delimiter, quote,\n"
    "                    encoding, bom, line_endings, rows, columns, schema\n"
    "                    (null when none matches), exact, missing,\n"
    "                    unexpected, candidates, hint, ...; error when FILE\n"
    "                    cannot be inspected (docs/json.md)\n"
    "  --delimiter C     read FILE with this delimiter instead of the\n"
    "                    sniffed one: one character, or tab, comma,\n"
    "                    semicolon, pipe\n"
    "  --quote C         the same for the quote character\n"
    "  --encoding NAME   read FILE in this encoding, any name iconv knows\n"
    "                    (latin1, windows-1252, UTF-16, ...; default UTF-8)\n"
    "  --stray-quotes keep|reject\n"
    "                    keep: a quote inside an unquoted field\n"
    "                    (1,Tablet (10\" screen),x) is data, as in Python's\n"
    "                    csv module; reject (default): the file is\n"
    "                    malformed there, and the error says to try keep\n"
    "  -h, --help        this help\n"
    "  -V, --version     the version\n"
    "\n"
    "exit: 0 inspected (even when no schema matches), 2 usage error,\n"
    "3 the file is unreadable, malformed or not UTF-8, 4 a schema file hit\n"
    "a sandbox limit.\n";

static const char usage_schemas[] =
    "usage: crosswalk schemas\n"
    "\n"
    "List the known formats (HOME/schemas/TOOL/FORMAT.lua), one a line:\n"
    "name, number of columns, title.  'crosswalk schema show NAME' shows\n"
    "one of them.\n"
    "\n"
    "  -h, --help     this help\n"
    "  -V, --version  the version\n"
    "\n"
    "exit: 0 listed, 1 some schema files are broken (named on stderr),\n"
    "2 usage error or no schemas directory, 4 a schema file hit a sandbox\n"
    "limit (named on stderr).\n";

static const char usage_schema[] =
    "usage: crosswalk schema show NAME\n"
    "\n"
    "Show the format NAME (such as organizer/text_interactions): its title,\n"
    "key, Organizer import rules if any (file size cap, distinct-value\n"
    "cap), and one line per column: name, type, required or optional,\n"
    "aliases, allowed values for enums, and what the column holds.\n"
    "'crosswalk schemas' lists the names.\n"
    "\n"
    "  -h, --help     this help\n"
    "  -V, --version  the version\n"
    "\n"
    "exit: 0 shown, 2 usage error or unknown schema, 4 the schema file hit\n"
    "a sandbox limit.\n";

/* The exit code for a failed library call: the shared mapping, but an
** interruption is only an abort here. */
static int exit_for(int status)
{
    return status == CW_EINTR ? EXIT_ABORTED : cw_cli_exit_for(status);
}

/* ==== JSON ==== */

/* Print one character as a JSON string. */
static void json_chr(char c)
{
    char s[2] = {c, '\0'};

    cw_cli_json_str(stdout, s);
}

/* Print the 'n' strings that 'at'('x', i) gives as a JSON array. */
static void json_list(const cw_inspection *x, size_t n,
                      const char *(*at)(const cw_inspection *, size_t))
{
    putchar('[');
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", " : "", stdout);
        cw_cli_json_str(stdout, at(x, i));
    }
    putchar(']');
}

static const char *missing_at(const cw_inspection *x, size_t i)
{
    return cw_inspect_missing(x, i, NULL);
}

/* Print the inspection 'x' as one JSON object on one line. */
static void print_json(const cw_inspection *x)
{
    cw_inspectinfo in;
    const char *sep = "";
    int req;

    cw_inspect_info(x, &in);
    printf("{\"format_version\": %d, \"file\": ", CW_JSON_FORMAT_VERSION);
    cw_cli_json_str(stdout, in.file);
    fputs(", \"delimiter\": ", stdout);
    json_chr(in.delimiter);
    fputs(", \"quote\": ", stdout);
    json_chr(in.quote);
    fputs(", \"encoding\": ", stdout);
    cw_cli_json_str(stdout, in.encoding);
    fputs(", \"invalid_utf8_line\": ", stdout);
    if (in.bad_utf8_line != 0)
        printf("%lu", in.bad_utf8_line);
    else
        fputs("null", stdout);
    printf(", \"bom\": %s, \"line_endings\": ", in.bom ? "true" : "false");
    cw_cli_json_str(stdout, in.line_endings);
    printf(", \"rows\": %llu, \"bad_rows\": %llu, \"first_problem\": ", in.rows,
           in.bad_rows);
    cw_cli_json_str(stdout, in.first_problem);
    fputs(", \"columns\": ", stdout);
    json_list(x, in.ncolumns, cw_inspect_column);
    fputs(", \"schema\": ", stdout);
    cw_cli_json_str(stdout, in.schema);
    fputs(", \"title\": ", stdout);
    cw_cli_json_str(stdout, in.title);
    fputs(", \"closest\": ", stdout);
    cw_cli_json_str(stdout, in.closest);
    printf(", \"exact\": %s, \"missing\": ", in.exact ? "true" : "false");
    json_list(x, in.nmissing, missing_at);
    fputs(", \"missing_required\": [", stdout);
    for (size_t i = 0; i < in.nmissing; i++) {
        const char *m = cw_inspect_missing(x, i, &req);

        if (!req)
            continue;
        fputs(sep, stdout);
        cw_cli_json_str(stdout, m);
        sep = ", ";
    }
    fputs("], \"unexpected\": ", stdout);
    json_list(x, in.nunexpected, cw_inspect_unexpected);
    fputs(", \"candidates\": [", stdout);
    for (size_t i = 0; i < in.ncandidates; i++) {
        cw_inspectcand c;

        cw_inspect_candidate(x, i, &c);
        fputs(i ? ", {\"schema\": " : "{\"schema\": ", stdout);
        cw_cli_json_str(stdout, c.schema);
        printf(", \"score\": %.3f, \"matches\": %s, \"recognised\": %zu, "
               "\"missing\": %zu, \"missing_required\": %zu, "
               "\"unexpected\": %zu}",
               c.score, c.matches ? "true" : "false", c.recognised, c.missing,
               c.missing_required, c.unexpected);
    }
    fputs("], \"hint\": ", stdout);
    cw_cli_json_str(stdout, cw_inspect_hint(x));
    fputs(", \"error\": null}\n", stdout);
}

/* Print the JSON of a file that could not be inspected. */
static void print_json_error(const char *file, const char *msg)
{
    printf("{\"format_version\": %d, \"file\": ", CW_JSON_FORMAT_VERSION);
    cw_cli_json_str(stdout, file);
    fputs(", \"error\": ", stdout);
    cw_cli_json_str(stdout, msg);
    fputs("}\n", stdout);
}

/* ==== Text ==== */

/* A printable name for delimiter or quote 'c'.  One static buffer for
** a character without a name: one use per printf. */
static const char *charname(char c)
{
    static char buf[16];

    switch (c) {
    case ',':
        return "',' (comma)";
    case ';':
        return "';' (semicolon)";
    case '\t':
        return "TAB";
    case '|':
        return "'|' (pipe)";
    case '"':
        return "'\"' (double quote)";
    case '\'':
        return "'\\'' (single quote)";
    default:
        if (c > ' ' && c < 0x7F)
            snprintf(buf, sizeof buf, "'%c'", c);
        else
            snprintf(buf, sizeof buf, "'\\x%02X'", (unsigned char)c);
        return buf;
    }
}

/* 's' as a terminal may show it (cw_safe_text): a header name or a file
** name may hold any byte.  One static buffer: one use per printf. */
static const char *shown(const char *s)
{
    static char buf[CW_MSG_MAX + 1];

    cw_safe_text(buf, sizeof buf, s, strlen(s));
    return buf;
}

/* Print the missing and unexpected columns of 'x', and the candidates. */
static void print_diff(const cw_inspection *x, const cw_inspectinfo *in)
{
    const char *sep = "";
    int req;

    if (in->nmissing > 0) {
        printf("%-14s", "missing");
        for (size_t i = 0; i < in->nmissing; i++, sep = ", ") {
            const char *m = cw_inspect_missing(x, i, &req);

            printf("%s%s%s", sep, m, req ? " (required)" : "");
        }
        putchar('\n');
    }
    if (in->nunexpected > 0) {
        printf("%-14s", "unexpected");
        sep = "";
        for (size_t i = 0; i < in->nunexpected; i++, sep = ", ")
            printf("%s%s", sep, shown(cw_inspect_unexpected(x, i)));
        putchar('\n');
    }
}

/* Print what to try, when the inspection 'x' has a hint. */
static void print_hint(const cw_inspection *x)
{
    const char *hint = cw_inspect_hint(x);

    if (hint != NULL)
        printf("%-14s%s\n", "hint", shown(hint));
}

/* Print the inspection 'x' for people. */
static void print_text(const cw_inspection *x)
{
    cw_inspectinfo in;
    cw_inspectcand c;

    cw_inspect_info(x, &in);
    printf("%-14s%s\n", "file", shown(in.file));
    printf("%-14s%s\n", "delimiter", charname(in.delimiter));
    printf("%-14s%s\n", "quote", charname(in.quote));
    if (in.bad_utf8_line != 0)
        printf("%-14s%s (first invalid bytes on line %lu)\n", "encoding",
               in.encoding, in.bad_utf8_line);
    else
        printf("%-14s%s\n", "encoding", in.encoding);
    printf("%-14s%s\n", "bom", in.bom ? "yes" : "no");
    printf("%-14s%s\n", "line endings", in.line_endings);
    printf("%-14s%llu\n", "rows", in.rows);
    if (in.bad_rows > 0)
        printf("%-14s%llu (first: %s)\n", "bad rows", in.bad_rows,
               shown(in.first_problem));
    printf("%-14s%zu:", "columns", in.ncolumns);
    for (size_t i = 0; i < in.ncolumns; i++)
        printf("%s %s", i ? "," : "", shown(cw_inspect_column(x, i)));
    putchar('\n');
    if (in.closest == NULL) {
        printf("%-14s%s\n", "schema", "no schemas to compare with");
        print_hint(x);
        return;
    }
    cw_inspect_candidate(x, 0, &c);
    if (in.schema != NULL && in.exact)
        printf("%-14s%s (exact match)\n", "schema", in.schema);
    else if (in.schema != NULL)
        printf("%-14s%s (best match: %zu of %s recognised)\n", "schema",
               in.schema, c.recognised,
               cw_cli_count(in.ncolumns, "column", "columns"));
    else
        printf("%-14sno schema matches; closest: %s (%zu of %s "
               "recognised, %zu required missing)\n",
               "schema", in.closest, c.recognised,
               cw_cli_count(in.ncolumns, "column", "columns"),
               c.missing_required);
    if (in.title != NULL && in.title[0] != '\0')
        printf("%-14s%s\n", "", in.title);
    print_diff(x, &in);
    if (!in.exact && in.ncandidates > 1) {
        printf("%-14s", "candidates");
        for (size_t i = 0; i < in.ncandidates; i++) {
            cw_inspect_candidate(x, i, &c);
            printf("%s%s %.2f%s", i ? ", " : "", c.schema, c.score,
                   c.matches ? "" : " (no match)");
        }
        putchar('\n');
    }
    print_hint(x);
}

enum { OPT_JSON = CW_OPT_OWN };

static const struct option inspect_opts[] = {
    CW_OPTS_COMMON,
    CW_OPTS_DIALECT,
    {"json", no_argument, NULL, OPT_JSON},
    {NULL, 0, NULL, 0},
};

int cw_cli_inspect(int argc, char **argv, const char *home)
{
    cw_cli_args a;
    cw_dialect dialect = {0};
    const char *file = NULL;
    int json = 0, rc, c;
    cw_inspection *x;
    cw_err err;

    cw_cli_args_start(&a, "inspect", usage_inspect, inspect_opts, 0, argc,
                      argv);
    while ((c = cw_cli_next(&a)) != CW_OPT_END) {
        switch (c) {
        case CW_OPT_EXIT:
            return a.status;
        case CW_OPT_OPERAND:
            if (file != NULL) {
                cw_cli_args_error(&a, "one FILE at a time; extra: %s", a.arg);
                return EXIT_USAGE;
            }
            file = a.arg;
            break;
        case OPT_JSON:
            json = 1;
            break;
        default:
            if (cw_cli_dialect(cw_cli_dialect_option(c), a.arg, &dialect,
                               usage_inspect) > 0)
                return EXIT_USAGE;
            break;
        }
    }
    if (file == NULL) {
        cw_cli_args_error(&a, "no FILE given");
        return EXIT_USAGE;
    }
    rc = cw_inspect_new_dialect(home, file, &dialect, &x, &err);
    if (rc != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        if (json)
            print_json_error(file, err.msg);
        return exit_for(rc);
    }
    if (json)
        print_json(x);
    else
        print_text(x);
    cw_inspect_free(x);
    return 0;
}

static const struct option plain_opts[] = {
    CW_OPTS_COMMON,
    {NULL, 0, NULL, 0},
};

int cw_cli_schemas(int argc, char **argv, const char *home)
{
    size_t wname = 4, wcount = 1;
    cw_schemaset *set;
    cw_schemainfo in;
    int broken = 0, rc;
    cw_err err;

    cw_cli_args a;
    int c;

    cw_cli_args_start(&a, "schemas", usage_schemas, plain_opts, 0, argc, argv);
    while ((c = cw_cli_next(&a)) != CW_OPT_END) {
        if (c == CW_OPT_EXIT)
            return a.status;
        if (c == CW_OPT_OPERAND) {
            cw_cli_args_error(&a, "unexpected argument %s", a.arg);
            return EXIT_USAGE;
        }
    }
    rc = cw_schemaset_new(home, NULL, &set, &err);
    if (rc != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        return exit_for(rc);
    }
    for (size_t i = 0; i < cw_schemaset_count(set); i++) {
        char num[32];
        size_t n;

        cw_schemaset_info(set, i, &in);
        n = strlen(in.name);
        wname = n > wname ? n : wname;
        n = (size_t)snprintf(num, sizeof num, "%zu", in.ncolumns);
        wcount = n > wcount ? n : wcount;
    }
    for (size_t i = 0; i < cw_schemaset_count(set); i++) {
        cw_schemaset_info(set, i, &in);
        if (in.error != NULL) {
            fprintf(stderr, "crosswalk: %s\n", in.error);
            if (in.status == CW_ELIMIT)
                broken = EXIT_SANDBOX;
            else if (broken == 0)
                broken = 1;
            continue;
        }
        printf("%-*s  %*zu  %s\n", (int)wname, in.name, (int)wcount,
               in.ncolumns, in.title);
    }
    cw_schemaset_free(set);
    return broken;
}

/* Print the 'n' strings 'v' joined by ", ". */
static void print_list(const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? ", " : "", v[i]);
}

/* Print schema 0 of 'set' for 'crosswalk schema show'. */
static void print_schema(const cw_schemaset *set)
{
    size_t wname = 4, wtype = 4;
    cw_schemainfo in;
    cw_columninfo c;

    cw_schemaset_info(set, 0, &in);
    printf("%s: %s\n", in.name, in.title);
    if (in.nkey > 0) {
        printf("%-11s", "key");
        print_list(in.key, in.nkey);
        putchar('\n');
    }
    if (in.organizer) {
        printf("%-11s%s", "organizer", "yes: Organizer import rules apply");
        if (in.max_bytes > 0)
            printf("; max_bytes %llu", in.max_bytes);
        if (in.distinct_column != NULL && in.distinct_max > 0)
            printf("; distinct: at most %s of '%s' per file",
                   cw_cli_count(in.distinct_max, "value", "values"),
                   in.distinct_column);
        putchar('\n');
    } else if (in.max_bytes > 0 ||
               (in.distinct_column != NULL && in.distinct_max > 0)) {
        printf("%-11s", "limits");
        if (in.max_bytes > 0)
            printf("max_bytes %llu%s", in.max_bytes,
                   in.distinct_max > 0 ? "; " : "");
        if (in.distinct_column != NULL && in.distinct_max > 0)
            printf("distinct: at most %s of '%s' per file",
                   cw_cli_count(in.distinct_max, "value", "values"),
                   in.distinct_column);
        putchar('\n');
    }
    if (in.nprefixes > 0) {
        printf("%-11s", "prefixes");
        for (size_t i = 0; i < in.nprefixes; i++)
            printf("%s'%s'", i ? ", " : "", in.prefixes[i]);
        printf(" (columns named so are %s)\n",
               in.nprefixes > 1 ? "families" : "a family");
    }
    printf("%-11s%zu\n", "columns", in.ncolumns);
    for (size_t k = 0; k < in.ncolumns; k++) {
        size_t n;

        cw_schemaset_column(set, 0, k, &c);
        n = strlen(c.name);
        wname = n > wname ? n : wname;
        n = strlen(c.type);
        wtype = n > wtype ? n : wtype;
    }
    for (size_t k = 0; k < in.ncolumns; k++) {
        cw_schemaset_column(set, 0, k, &c);
        printf("  %-*s  %-*s  %-8s", (int)wname, c.name, (int)wtype, c.type,
               c.required   ? "required"
               : c.nonblank ? "nonblank"
                            : "optional");
        if (c.naliases > 0) {
            fputs("  aliases: ", stdout);
            print_list(c.aliases, c.naliases);
        }
        if (c.nvalues > 0) {
            fputs("  values: ", stdout);
            print_list(c.values, c.nvalues);
        }
        if (c.max_length >= 0)
            printf("  max length %ld", c.max_length);
        if (c.organizer_dates)
            fputs("  Organizer date forms", stdout);
        if (c.doc != NULL)
            printf("  -- %s", c.doc);
        putchar('\n');
    }
}

int cw_cli_schema(int argc, char **argv, const char *home)
{
    cw_cli_args a;
    const char *sub = NULL, *name = NULL;
    cw_schemaset *set;
    cw_err err;
    int rc, c;

    cw_cli_args_start(&a, "schema", usage_schema, plain_opts, 0, argc, argv);
    while ((c = cw_cli_next(&a)) != CW_OPT_END) {
        if (c == CW_OPT_EXIT)
            return a.status;
        if (c != CW_OPT_OPERAND)
            continue;
        if (sub == NULL && strcmp(a.arg, "show") != 0) {
            cw_cli_args_error(&a, "unknown subcommand %s", a.arg);
            return EXIT_USAGE;
        }
        if (sub == NULL) {
            sub = a.arg;
        } else if (name == NULL) {
            name = a.arg;
        } else {
            cw_cli_args_error(&a, "one NAME at a time; extra: %s", a.arg);
            return EXIT_USAGE;
        }
    }
    if (sub == NULL) {
        cw_cli_args_error(&a, "no subcommand (use: schema show NAME)");
        return EXIT_USAGE;
    }
    if (name == NULL) {
        cw_cli_args_error(&a, "no NAME given");
        return EXIT_USAGE;
    }
    rc = cw_schemaset_new(home, name, &set, &err);
    if (rc != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        return exit_for(rc);
    }
    print_schema(set);
    cw_schemaset_free(set);
    return 0;
}
