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
                fprintf(stderr,
                        "committed table %s (%llu rows) before the failure\n",
                        t.table, t.rows);
                n++;
            }
        }
        cw_cli_aborted(&s, n);
        return;
    }
    cw_cli_counts(&s, 1);
    for (size_t i = 0; i < cw_load_ntables(l); i++) {
        cw_loadinfo t;

        if (cw_load_info(l, i, &t) != CW_OK)
            continue;
        fprintf(stderr, "wrote table %s (%llu rows; %s%s, %s%s%s)\n", t.table,
                t.rows, t.schema ? "schema " : "no schema, all text",
                t.schema ? t.schema : "", t.mode, t.key ? ", key " : "",
                t.key ? t.key : "");
        if (t.rejects != NULL)
            fprintf(stderr, "wrote %llu rejected records to %s\n", t.rejected,
                    t.rejects);
    }
}

int cw_cli_load(int argc, char **argv, const char *home)
{
    static const char *const takes[] = {
        "--into",    "--schema",    "--table", "--mode",     "--key",
        "--rejects", "--delimiter", "--quote", "--encoding", NULL};
    int nfiles = 0, into = 0, code, status = CW_OK;
    cw_dialect d = {0, 0, NULL};
    cw_cli_view v = {0, 20};
    cw_summary s;
    cw_load *l;
    cw_err err;

    if (cw_cli_wants_help(argc, argv)) {
        fputs(usage_load, stdout);
        return EXIT_CLEAN;
    }
    if (cw_load_new(&l, &err) != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        return EXIT_ABORTED;
    }
    status = cw_load_home(l, home);
    for (int i = 0; status == CW_OK && i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int k;

        for (k = 0; takes[k] != NULL; k++)
            if (strcmp(a, takes[k]) == 0)
                break;
        if (takes[k] != NULL && val == NULL) {
            cw_load_free(l);
            return cw_cli_misuse("load", a, " needs a value");
        }
        if (takes[k] == NULL && strcmp(a, "--strict") == 0) {
            status = cw_load_strict(l, 1);
            continue;
        }
        if (takes[k] == NULL && a[0] == '-' && a[1] != '\0') {
            cw_load_free(l);
            return cw_cli_misuse("load", "unknown option ", a);
        }
        if (takes[k] == NULL) {
            status = cw_load_file(l, a);
            nfiles++;
            continue;
        }
        i++;
        if (strcmp(a, "--into") == 0) {
            status = cw_load_into(l, val);
            into = 1;
        } else if (strcmp(a, "--schema") == 0) {
            status = cw_load_schema(l, val);
        } else if (strcmp(a, "--table") == 0) {
            status = cw_load_table(l, val);
        } else if (strcmp(a, "--mode") == 0) {
            status = cw_load_mode(l, val);
        } else if (strcmp(a, "--key") == 0) {
            status = cw_load_key(l, val);
        } else if (strcmp(a, "--rejects") == 0) {
            status = cw_load_rejects(l, val);
        } else if ((code = cw_cli_dialect(a, val, &d, usage_load)) != 0) {
            cw_load_free(l);
            return code;
        }
    }
    if (status == CW_OK)
        status = cw_load_dialect(l, &d);
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
    cw_load_on_problem(l, cw_cli_on_problem, &v);
    cw_cli_catch(stop_load, l);
    status = cw_load_exec(l);
    cw_cli_release();
    cw_cli_more(&v);
    if (status != CW_OK)
        fprintf(stderr, "crosswalk: %s\n", cw_load_errmsg(l));
    print_summary(l, status);
    cw_load_summary(l, &s);
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
    cw_load_free(l);
    return code;
}
