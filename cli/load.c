/*
** load.c -- 'crosswalk load FILE... --into TARGET': argument parsing,
** printing and exit codes over cw_load_* (engine/api/load.c).
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char usage_load[] =
    "usage: crosswalk load FILE... --into TARGET [--schema NAME|none]\n"
    "                      [--table NAME] [--mode MODE] [--key COLUMN]...\n"
    "                      [--rejects PATH] [--strict] [--delimiter C]\n"
    "                      [--quote C] [--encoding NAME]\n"
    "                      [--stray-quotes keep|reject] [-q|-v]\n"
    "                      [--[no-]progress]\n"
    "\n"
    "Load CSV files into typed database tables, all in one transaction per\n"
    "database: a failed or interrupted load leaves the database as it was.\n"
    "\n"
    "  --into TARGET     sqlite:PATH or postgres:CONNINFO, optionally\n"
    "                    followed by #TABLE (sqlite:crm.db#messages)\n"
    "  --schema NAME     the files' schema (impactive/messages); default:\n"
    "                    recognised from each header (the schema whose\n"
    "                    required columns are all there and that knows the\n"
    "                    most columns); 'none' loads every column as text\n"
    "  --table NAME      the table (default: #TABLE, else the schema's\n"
    "                    format, e.g. messages, else the file name without\n"
    "                    its extension)\n"
    "  --mode MODE       create (fail if the table exists), append, replace\n"
    "                    or upsert (insert or update on the key); default\n"
    "                    upsert when there is a key, else create\n"
    "  --key COLUMN      a key column (repeatable; default the schema's)\n"
    "  --rejects PATH    rejects CSV (default ./rejects-TABLE.csv): the\n"
    "                    columns plus _file, _line, _column, _code, _message\n"
    "  --strict          a malformed CSV record (E_QUOTE: a stray quote,\n"
    "                    text after a closing quote) stops the load; by\n"
    "                    default it goes to the rejects file\n"
    "  --delimiter C     the files' delimiter: one character, or tab,\n"
    "                    comma, semicolon, pipe (default ,)\n"
    "  --quote C         their quote character (default \")\n"
    "  --encoding NAME   their encoding, any name iconv knows (latin1,\n"
    "                    windows-1252, UTF-16, ...; default UTF-8); text is\n"
    "                    stored as UTF-8\n"
    "  --stray-quotes keep|reject\n"
    "                    keep: a quote inside an unquoted field\n"
    "                    (1,Tablet (10\" screen),x) is data, as in Python's\n"
    "                    csv module; reject (default): E_QUOTE\n"
    "  --progress        draw the progress line on stderr even when it is\n"
    "                    not a terminal; --no-progress: never (default:\n"
    "                    on a terminal, unless -q)\n"
    "  -q, --quiet       print errors only: no rejections, warnings or\n"
    "                    summary on stderr\n"
    "  -v, --verbose     print every rejection (not only the first 20)\n"
    "                    and the time taken\n"
    "  -h, --help        this help\n"
    "  -V, --version     the version\n"
    "\n"
    "Columns get the schema's types: id/text TEXT, integer INTEGER, number\n"
    "REAL, boolean INTEGER 0/1, dates TEXT in ISO 8601; columns the schema\n"
    "does not know are TEXT.  A new table gets a PRIMARY KEY on the key.\n"
    "Values are checked as a recipe input's are; rows that fail go to the\n"
    "rejects file.  The summary on stderr reads\n"
    "  read N = written W + rejected R + filtered 0 + merged 0\n"
    "(a failed load adds + unprocessed U and says what was committed).\n"
    "exit: 0 all rows loaded, 1 loaded with rejects, 2 usage error (nothing\n"
    "read), 3 aborted and rolled back, 4 the schema file hit a sandbox\n"
    "limit; interrupted and rolled back: 130 (SIGINT), 143 (SIGTERM),\n"
    "129 (SIGHUP).\n";

/* Stop the load 'ud' (called from a signal handler). */
static void stop_load(void *ud)
{
    cw_load_interrupt(ud);
}

enum {
    OPT_INTO = CW_OPT_OWN,
    OPT_SCHEMA,
    OPT_TABLE,
    OPT_MODE,
    OPT_KEY,
    OPT_REJECTS,
    OPT_STRICT
};

static const struct option opts[] = {
    CW_OPTS_COMMON,
    CW_OPTS_PROGRESS,
    CW_OPTS_DIALECT,
    {"into", required_argument, NULL, OPT_INTO},
    {"schema", required_argument, NULL, OPT_SCHEMA},
    {"table", required_argument, NULL, OPT_TABLE},
    {"mode", required_argument, NULL, OPT_MODE},
    {"key", required_argument, NULL, OPT_KEY},
    {"rejects", required_argument, NULL, OPT_REJECTS},
    {"strict", no_argument, NULL, OPT_STRICT},
    {NULL, 0, NULL, 0},
};

/* Print the summary of a finished or aborted load. */
static void print_summary(const cw_load *l, int status)
{
    cw_summary s;
    size_t n = 0;

    cw_load_summary(l, &s);
    if (status != CW_OK) {
        cw_cli_counts(&s, 0);
        for (size_t i = 0; i < cw_load_ntables(l); i++) {
            cw_loadinfo t;

            if (cw_load_info(l, i, &t) == CW_OK && t.committed == 1) {
                if (cw_cli_talk != CW_TALK_QUIET)
                    fprintf(stderr,
                            "committed table %s (%s) before the failure\n",
                            t.table, cw_cli_count(t.rows, "row", "rows"));
                n++;
            }
        }
        cw_cli_aborted(&s, n);
        return;
    }
    cw_cli_counts(&s, 1);
    for (size_t i = 0; cw_cli_talk != CW_TALK_QUIET && i < cw_load_ntables(l);
         i++) {
        cw_loadinfo t;

        if (cw_load_info(l, i, &t) != CW_OK)
            continue;
        fprintf(stderr, "wrote table %s (%s; %s%s, %s%s%s)\n", t.table,
                cw_cli_count(t.rows, "row", "rows"),
                t.schema ? "schema " : "no schema, all text",
                t.schema ? t.schema : "", t.mode, t.key ? ", key " : "",
                t.key ? t.key : "");
        if (t.rejects != NULL)
            fprintf(
                stderr, "wrote %s to %s\n",
                cw_cli_count(t.rejected, "rejected record", "rejected records"),
                t.rejects);
    }
}

int cw_cli_load(int argc, char **argv, const char *home)
{
    cw_cli_args a;
    cw_dialect dialect = {0};
    int nfiles = 0, into = 0, progress = -1, code, status = CW_OK, c;
    cw_cli_view v;
    cw_summary s;
    cw_load *l;
    cw_err err;

    if (cw_load_new(&l, &err) != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        return EXIT_ABORTED;
    }
    status = cw_load_home(l, home);
    cw_cli_args_start(&a, "load", usage_load, opts, 0, argc, argv);
    while (status == CW_OK && (c = cw_cli_next(&a)) != CW_OPT_END) {
        switch (c) {
        case CW_OPT_EXIT:
            cw_load_free(l);
            return a.status;
        case CW_OPT_OPERAND:
            status = cw_load_file(l, a.arg);
            nfiles++;
            break;
        case OPT_INTO:
            status = cw_load_into(l, a.arg);
            into = 1;
            break;
        case OPT_SCHEMA:
            status = cw_load_schema(l, a.arg);
            break;
        case OPT_TABLE:
            status = cw_load_table(l, a.arg);
            break;
        case OPT_MODE:
            status = cw_load_mode(l, a.arg);
            break;
        case OPT_KEY:
            status = cw_load_key(l, a.arg);
            break;
        case OPT_REJECTS:
            status = cw_load_rejects(l, a.arg);
            break;
        case OPT_STRICT:
            status = cw_load_strict(l, 1);
            break;
        case CW_OPT_PROGRESS:
            progress = 1;
            break;
        case CW_OPT_NO_PROGRESS:
            progress = 0;
            break;
        default:
            if (cw_cli_dialect(cw_cli_dialect_option(c), a.arg, &dialect,
                               usage_load) > 0) {
                cw_load_free(l);
                return EXIT_USAGE;
            }
            break;
        }
    }
    if (status == CW_OK)
        status = cw_load_dialect(l, &dialect);
    if (status != CW_OK) {
        code = cw_cli_misuse("load", cw_load_errmsg(l), "");
        cw_load_free(l);
        return code;
    }
    if (nfiles == 0 || !into) {
        cw_load_free(l);
        return cw_cli_misuse(
            "load", nfiles == 0 ? "no file given" : "no --into TARGET given",
            "");
    }
    cw_cli_view_init(&v);
    cw_load_on_problem(l, cw_cli_on_problem, &v);
    cw_load_on_progress(l, cw_cli_on_progress, NULL);
    cw_cli_progress_start(progress);
    cw_cli_catch(stop_load, l);
    status = cw_load_exec(l);
    cw_cli_release();
    cw_cli_progress_end();
    cw_cli_more(&v);
    if (status != CW_OK)
        fprintf(stderr, "crosswalk: %s\n", cw_load_errmsg(l));
    print_summary(l, status);
    cw_load_summary(l, &s);
    cw_cli_timing(s.read);
    if (status == CW_OK)
        code = s.rejected > 0 ? EXIT_REJECTS : EXIT_CLEAN;
    else if (status == CW_EINTR)
        code = cw_cli_stop_exit();
    else if (status == CW_ELIMIT)
        code = EXIT_SANDBOX;
    else if (status == CW_EUSAGE && s.read == 0)
        code = EXIT_USAGE;
    else
        code = EXIT_ABORTED;
    cw_cli_view_free(&v);
    cw_load_free(l);
    return code;
}
