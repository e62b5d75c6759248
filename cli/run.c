/*
** run.c -- 'crosswalk run' and 'crosswalk check': argument parsing,
** printing, the summary file and exit codes over cw_run_* (engine/api).
*/
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_run[] =
    "usage: crosswalk run RECIPE --input [NAME=]PATH... --out-dir DIR\n"
    "                     [--set KEY=VALUE]... [--rejects PATH]\n"
    "                     [--summary-json PATH] [--dry-run] [--strict]\n"
    "                     [--delimiter [NAME=]C] [--quote [NAME=]C]\n"
    "                     [--encoding [NAME=]ENC] [--ledger TARGET [--full]]\n"
    "\n"
    "Run the recipe RECIPE: a Lua file returning one table, a recipe\n"
    "folder holding recipe.lua, or the name of a recipe in the home's\n"
    "pipelines/ (as in 'crosswalk run impactive_to_organizer_text').\n"
    "\n"
    "  --input [NAME=]PATH  bind the recipe input NAME to PATH; without\n"
    "                       NAME, the main (streamed) input; '-' is stdin;\n"
    "                       PATH may also be sqlite:FILE#TABLE_OR_QUERY or\n"
    "                       postgres:CONNINFO#TABLE_OR_QUERY\n"
    "  --out-dir DIR        write outputs here (created if missing); files\n"
    "                       appear only when the run succeeds\n"
    "  --set KEY=VALUE      recipe parameter, read as params.KEY\n"
    "  --rejects PATH       rejects CSV (default DIR/rejects.csv): the\n"
    "                       original columns plus _file, _line, _column,\n"
    "                       _code, _message\n"
    "  --summary-json PATH  write the run's accounting as JSON\n"
    "  --db TARGET          database for outputs declared with a 'table':\n"
    "                       sqlite:PATH or postgres:CONNINFO (default\n"
    "                       sqlite:DIR/crosswalk.db); the connection may\n"
    "                       also come from PGHOST, PGDATABASE, ... and\n"
    "                       ~/.pgpass\n"
    "  --ledger TARGET      remember what each output delivered, and\n"
    "                       write no row twice: sqlite:PATH (or a path) or\n"
    "                       postgres:CONNINFO[#TABLE]; replaces the\n"
    "                       recipe's 'ledger' ('none': no ledger); see\n"
    "                       'crosswalk ledger --help'\n"
    "  --full               with a ledger: read every row of the main input,\n"
    "                       not only those past its watermark ('since')\n"
    "  --dry-run            process everything, commit nothing\n"
    "  --strict             a malformed CSV record (E_QUOTE: a stray quote,\n"
    "                       text after a closing quote) stops the run;\n"
    "                       by default it goes to the rejects file\n"
    "  --delimiter [NAME=]C the delimiter of the CSV input NAME, or without\n"
    "                       NAME of every CSV input: one character, or tab,\n"
    "                       comma, semicolon, pipe (default , or what the\n"
    "                       recipe's input declares); repeatable\n"
    "  --quote [NAME=]C     the same for the quote character (default \")\n"
    "  --encoding [NAME=]ENC\n"
    "                       the same for the encoding, any name iconv\n"
    "                       knows (latin1, windows-1252, UTF-16, ...;\n"
    "                       default UTF-8); outputs are always UTF-8\n"
    "  --max-instructions N Lua instructions per recipe call (default 50M)\n"
    "  --max-memory MB      Lua memory for the recipe (default 64)\n"
    "  --max-seconds N      deadline of each call into recipe code: loading\n"
    "                       it, each fn, predicate and map (default 5)\n"
    "\n"
    "The summary on stderr reads\n"
    "  read N = written W + rejected R + filtered F + merged M\n"
    "(merged: records folded into a group), with a ledger\n"
    "+ sent_before S (records delivered before, or waiting in a file not\n"
    "confirmed yet: not written again).  A failed run adds\n"
    "+ unprocessed U and says what was committed: nothing, unless the\n"
    "connection was lost during COMMIT or a rename failed after it.\n"
    "exit: 0 clean, 1 with rejects, 2 usage/recipe error, 3 aborted,\n"
    "4 sandbox limit, 130 interrupted (SIGINT; 143 SIGTERM, 129 SIGHUP).\n";

static const char usage_check[] =
    "usage: crosswalk check RECIPE [--set KEY=VALUE]...\n"
    "                       [--max-instructions N] [--max-memory MB]\n"
    "                       [--max-seconds N]\n"
    "\n"
    "Load and compile RECIPE and its schemas without reading data, under\n"
    "the sandbox limits of 'crosswalk run' (see its --help); check the\n"
    "column names it reads against its main input's schema (a name close\n"
    "to one of its columns is a misspelling; 'run' checks every name\n"
    "against the header), and that its output paths are distinct plain\n"
    "file names, none of them the default rejects.csv or crosswalk.db.\n"
    "exit: 0 the recipe is sound, 2 it is not (the message says why),\n"
    "4 it hit a sandbox limit while loading.\n";

/* Stop the run 'ud' (called from a signal handler). */
static void stop_run(void *ud)
{
    cw_run_interrupt(ud);
}

/* JSON string escaping for the summary file. */
static void json_str(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Write the summary file at 'path', atomically. */
static int write_summary_json(const char *path, const cw_run *r, int status)
{
    cw_summary s;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cw_err err;
    int rc;

    if (f == NULL) {
        fprintf(stderr, "crosswalk: %s: %s\n", path, strerror(errno));
        return -1;
    }
    cw_run_summary(r, &s);
    fprintf(f,
            "{\"status\": \"%s\", \"read\": %llu, \"written\": %llu, "
            "\"rejected\": %llu, \"filtered\": %llu, \"merged\": %llu, "
            "\"unprocessed\": %llu, \"warnings\": %llu, \"outputs\": [",
            status == CW_OK ? "ok" : "aborted", s.read, s.written, s.rejected,
            s.filtered, s.merged, s.unprocessed, s.warnings);
    for (size_t i = 0; i < s.noutputs; i++) {
        unsigned long long rows;
        const char *p = cw_run_output(r, i, &rows);

        fprintf(f, "%s{\"path\": ", i ? ", " : "");
        json_str(f, p);
        fprintf(f, ", \"rows\": %llu}", rows);
    }
    fputs("], \"rejects\": ", f);
    json_str(f, s.rejects);
    fputs(", \"stopped_at\": ", f);
    json_str(f, s.stopped_at);
    fprintf(f, ", \"commit_unknown\": %s", s.commit_unknown ? "true" : "false");
    cw_cli_ledger_json(f, r);
    fputs("}\n", f);
    if (fclose(f) != 0) {
        fprintf(stderr, "crosswalk: %s: %s\n", path, strerror(errno));
        free(text);
        return -1;
    }
    rc = cw_write_file(path, text, len, &err);
    free(text);
    if (rc != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static void print_summary(const cw_run *r, int status, int dryrun)
{
    cw_summary s;

    cw_run_summary(r, &s);
    if (status == CW_OK) {
        cw_cli_counts(&s, 1);
        cw_cli_ledger_report(r, dryrun);
        for (size_t i = 0; i < s.noutputs; i++) {
            unsigned long long rows;
            const char *p = cw_run_output(r, i, &rows);

            fprintf(stderr, "%s %s (%llu rows)\n",
                    dryrun ? "would write" : "wrote", p, rows);
        }
        if (s.rejects != NULL)
            fprintf(stderr, "%s %llu rejected records to %s\n",
                    dryrun ? "would write" : "wrote", s.rejected, s.rejects);
    } else {
        cw_cli_counts(&s, 0);
        for (size_t i = 0; i < s.noutputs; i++) {
            unsigned long long rows;
            const char *p = cw_run_output(r, i, &rows);

            fprintf(stderr, "committed %s (%llu rows) before the failure\n", p,
                    rows);
        }
        cw_cli_aborted(&s, s.noutputs);
    }
}

/*
** 1 when 'arg' reads NAME=PATH with NAME an identifier; NAME is then
** copied to 'name'.  Anything else is a path for the main input.
*/
static int input_name(const char *arg, char *name, size_t cap)
{
    const char *eq = strchr(arg, '=');
    size_t n = eq != NULL ? (size_t)(eq - arg) : 0;

    if (n == 0 || n >= cap)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((arg[i] >= 'a' && arg[i] <= 'z') ||
              (arg[i] >= 'A' && arg[i] <= 'Z') ||
              (arg[i] >= '0' && arg[i] <= '9') || arg[i] == '_'))
            return 0;
    memcpy(name, arg, n);
    name[n] = '\0';
    return 1;
}

/*
** The exit code of a finished cw_run_exec(): 0 or 1 when it succeeded;
** otherwise 2 when nothing was read (a usage error, an input that cannot
** be opened or lacks a required column), 3 for an abort, 4 for a sandbox
** limit, 130, 143 or 129 for an interruption by SIGINT, SIGTERM or
** SIGHUP.
*/
static int run_exit_code(const cw_run *r, int status)
{
    cw_summary s;
    int code;

    cw_run_summary(r, &s);
    if (status == CW_OK)
        return s.rejected > 0 ? EXIT_REJECTS : EXIT_CLEAN;
    code = cw_cli_exit_for(status);
    /* A recipe error found once data flows aborts the run. */
    if (code == EXIT_USAGE && (s.read > 0 || status == CW_ELUA))
        code = EXIT_ABORTED;
    if (code == EXIT_ABORTED && s.read == 0 && s.stopped_at == NULL &&
        (status == CW_EIO || status == CW_EINVALID))
        code = EXIT_USAGE;
    return code;
}

/* Parse --set KEY=VALUE into the run. */
static int add_param(cw_run *r, const char *kv, const char *usage)
{
    const char *eq = strchr(kv, '=');
    char key[256];

    if (eq == NULL || eq == kv || (size_t)(eq - kv) >= sizeof key)
        return cw_cli_usage(usage, "--set needs KEY=VALUE, got '%s'", kv);
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    if (cw_run_param(r, key, eq + 1) != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
        return EXIT_USAGE;
    }
    return 0;
}

/* Parse --max-seconds N (a number of seconds above 0) into the run. */
static int set_max_seconds(cw_run *r, const char *val, const char *usage)
{
    char *end;
    double sec = strtod(val, &end);

    if (end == val || *end != '\0' || !(sec > 0) ||
        cw_run_max_seconds(r, sec) != CW_OK)
        return cw_cli_usage(usage,
                            "--max-seconds needs a number of seconds above "
                            "0 (at most 1e9), got '%s'",
                            val);
    return 0;
}

/*
** A dialect option's value, [NAME=]VALUE: the VALUE, with NAME copied to
** 'name' (of 'cap' bytes) when there is one, else 'name' empty.
*/
static const char *dialect_value(const char *val, char *name, size_t cap)
{
    name[0] = '\0';
    if (input_name(val, name, cap) && val[strlen(name) + 1] != '\0')
        return val + strlen(name) + 1;
    name[0] = '\0';
    return val;
}

/*
** Give the run the 'n' dialect options at the indices 'at' of 'argv'
** (--delimiter, --quote, --encoding, each [NAME=]VALUE), in their order,
** once the recipe is loaded.  0, or an exit code after printing why.
*/
static int set_dialects(cw_run *r, char **argv, const int *at, int n,
                        const char *usage)
{
    for (int i = 0; i < n; i++) {
        cw_dialect d = {0, 0, NULL};
        char name[256];
        const char *val = dialect_value(argv[at[i] + 1], name, sizeof name);
        int k = cw_cli_dialect(argv[at[i]], val, &d, usage);

        if (k != 0)
            return k;
        if (cw_run_input_dialect(r, name[0] ? name : NULL, &d) != CW_OK) {
            fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
            return EXIT_USAGE;
        }
    }
    return 0;
}

/* 'crosswalk run', or 'crosswalk check' when 'checkonly'. */
static int run_or_check(int argc, char **argv, const char *home, int checkonly)
{
    const char *usage = checkonly ? usage_check : usage_run;
    const char *recipe = NULL, *outdir = NULL, *rejects = NULL;
    const char *summary = NULL, *db = NULL, *ledger = NULL;
    const char **inputs = NULL;
    int *dialects = NULL; /* indices of --delimiter, --quote, --encoding */
    int ninputs = 0, ndialects = 0, dryrun = 0, strict = 0, code, status;
    int full = 0;
    unsigned long long maxinstr = 0;
    size_t maxmem = 0;
    cw_cli_view view = {0, 20};
    cw_run *r = NULL;
    cw_err err;

    if (cw_cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return EXIT_CLEAN;
    }
    if (cw_run_new(&r, &err) != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        return EXIT_ABORTED;
    }
    inputs = calloc((size_t)argc + 1, sizeof *inputs);
    dialects = calloc((size_t)argc + 1, sizeof *dialects);
    if (inputs == NULL || dialects == NULL) {
        free(inputs);
        free(dialects);
        cw_run_free(r);
        return EXIT_ABORTED;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes =
            strcmp(a, "--input") == 0 || strcmp(a, "--out-dir") == 0 ||
            strcmp(a, "--set") == 0 || strcmp(a, "--rejects") == 0 ||
            strcmp(a, "--db") == 0 || strcmp(a, "--summary-json") == 0 ||
            strcmp(a, "--max-instructions") == 0 ||
            strcmp(a, "--max-memory") == 0 || strcmp(a, "--max-seconds") == 0 ||
            strcmp(a, "--delimiter") == 0 || strcmp(a, "--quote") == 0 ||
            strcmp(a, "--encoding") == 0 || strcmp(a, "--ledger") == 0;

        if (takes && val == NULL) {
            code = cw_cli_usage(usage, "%s needs a value", a);
            goto out;
        }
        if (checkonly && takes && strcmp(a, "--set") != 0 &&
            strncmp(a, "--max-", 6) != 0) {
            code = cw_cli_usage(usage, "unknown option '%s'", a);
            goto out;
        }
        if (strcmp(a, "--input") == 0) {
            inputs[ninputs++] = val;
        } else if (strcmp(a, "--out-dir") == 0) {
            outdir = val;
        } else if (strcmp(a, "--set") == 0) {
            if ((code = add_param(r, val, usage)) != 0)
                goto out;
        } else if (strcmp(a, "--rejects") == 0) {
            rejects = val;
        } else if (strcmp(a, "--db") == 0) {
            db = val;
        } else if (strcmp(a, "--summary-json") == 0) {
            summary = val;
        } else if (strcmp(a, "--ledger") == 0) {
            ledger = val;
        } else if (strcmp(a, "--max-instructions") == 0) {
            maxinstr = strtoull(val, NULL, 10);
        } else if (strcmp(a, "--max-memory") == 0) {
            maxmem = (size_t)strtoull(val, NULL, 10) * 1024 * 1024;
        } else if (strcmp(a, "--max-seconds") == 0) {
            if ((code = set_max_seconds(r, val, usage)) != 0)
                goto out;
        } else if (strcmp(a, "--delimiter") == 0 || strcmp(a, "--quote") == 0 ||
                   strcmp(a, "--encoding") == 0) {
            cw_dialect d = {0, 0, NULL};
            char name[256];

            /* checked now, set once the recipe is loaded (set_dialects) */
            if ((code = cw_cli_dialect(a, dialect_value(val, name, sizeof name),
                                       &d, usage)) != 0)
                goto out;
            dialects[ndialects++] = i;
        } else if (strcmp(a, "--dry-run") == 0 && !checkonly) {
            dryrun = 1;
            continue;
        } else if (strcmp(a, "--strict") == 0 && !checkonly) {
            strict = 1;
            continue;
        } else if (strcmp(a, "--full") == 0 && !checkonly) {
            full = 1;
            continue;
        } else if (a[0] == '-' && a[1] != '\0') {
            code = cw_cli_usage(usage, "unknown option '%s'", a);
            goto out;
        } else if (recipe == NULL) {
            recipe = a;
            continue;
        } else {
            code = cw_cli_usage(usage, "unexpected argument '%s'", a);
            goto out;
        }
        i++;
    }
    if (recipe == NULL) {
        code = cw_cli_usage(usage, "%s", "no recipe given");
        goto out;
    }
    if (!checkonly && (ninputs == 0 || outdir == NULL)) {
        code = cw_cli_usage(usage, "%s",
                            ninputs == 0 ? "no --input given"
                                         : "no --out-dir given");
        goto out;
    }
    cw_run_home(r, home);
    cw_run_limits(r, maxinstr, maxmem);
    status = cw_run_load(r, recipe);
    if (status != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
        /* Nothing was read: a missing recipe is a usage error too. */
        code = status == CW_ELIMIT ? EXIT_SANDBOX : EXIT_USAGE;
        goto out;
    }
    if (checkonly && cw_run_check(r) != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
        code = EXIT_USAGE;
        goto out;
    }
    if (checkonly) {
        printf("%s: ok\n", recipe);
        code = EXIT_CLEAN;
        goto out;
    }
    for (int i = 0; i < ninputs; i++) {
        char name[256];

        if (input_name(inputs[i], name, sizeof name))
            status = cw_run_input(r, name, strchr(inputs[i], '=') + 1);
        else
            status = cw_run_input(r, NULL, inputs[i]);
        if (status != CW_OK) {
            fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
            code = EXIT_USAGE;
            goto out;
        }
    }
    if ((code = set_dialects(r, argv, dialects, ndialects, usage)) != 0 ||
        (code = cw_cli_run_ledger(r, ledger, full)) != 0)
        goto out;
    cw_run_outdir(r, outdir);
    if (rejects != NULL)
        cw_run_rejects(r, rejects);
    if (db != NULL)
        cw_run_database(r, db);
    cw_run_dryrun(r, dryrun);
    cw_run_strict(r, strict);
    cw_run_on_problem(r, cw_cli_on_problem, &view);
    /* Files that clash stop the run before anything is written, the
    ** summary file included. */
    if ((summary != NULL &&
         cw_run_reserve(r, summary, "--summary-json") != CW_OK) ||
        cw_run_check_files(r) != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
        code = EXIT_USAGE;
        goto out;
    }
    cw_cli_catch(stop_run, r);
    status = cw_run_exec(r);
    cw_cli_release();
    cw_cli_more(&view);
    if (status != CW_OK)
        fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
    /* A summary file that cannot be written fails the command, but the
    ** run itself is done: its own status picks the summary's words. */
    code = status;
    if (summary != NULL && write_summary_json(summary, r, status) != 0 &&
        code == CW_OK)
        code = CW_EIO;
    code = run_exit_code(r, code);
    /* A run that read nothing has nothing to account for. */
    if (code != EXIT_USAGE)
        print_summary(r, status, dryrun);
out:
    free(inputs);
    free(dialects);
    cw_run_free(r);
    return code;
}

int cw_cli_run(int argc, char **argv, const char *home)
{
    return run_or_check(argc, argv, home, 0);
}

int cw_cli_check(int argc, char **argv, const char *home)
{
    return run_or_check(argc, argv, home, 1);
}
