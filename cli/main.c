/*
** main.c -- the crosswalk command line: argument parsing, printing and
** exit codes over the public API in crosswalk.h.  Nothing else.
*/
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Exit codes, documented in --help and the README. */
enum {
    EXIT_CLEAN = 0,      /* every record written */
    EXIT_REJECTS = 1,    /* finished, some records rejected */
    EXIT_USAGE = 2,      /* usage, recipe or schema error; nothing read */
    EXIT_ABORTED = 3,    /* aborted mid-run; outputs rolled back */
    EXIT_SANDBOX = 4,    /* a recipe hit a sandbox limit */
    EXIT_INTERRUPT = 130 /* interrupted by SIGINT */
};

static const char *progname = "crosswalk";

static const char usage_main[] =
    "usage: crosswalk COMMAND [OPTIONS]\n"
    "\n"
    "Stream records through sandboxed Lua recipes into validated outputs,\n"
    "with every input record written, rejected with a reason, or filtered.\n"
    "\n"
    "commands:\n"
    "  run RECIPE --input [NAME=]PATH... --out-dir DIR   run a recipe\n"
    "  check RECIPE                 load and compile a recipe; read no data\n"
    "  validate --schema NAME FILE...  check files against a schema\n"
    "  convert IN OUT               CSV <-> NDJSON, chosen by extension\n"
    "  test [RECIPE|DIR]            run recipes' test cases\n"
    "  load FILE... --into TARGET   load files into typed database tables\n"
    "  inspect FILE                 what is this file? dialect, schema\n"
    "  schemas                      list the known formats\n"
    "  schema show NAME             the columns of one format\n"
    "\n"
    "options:\n"
    "  -h, --help     show help (also 'crosswalk COMMAND --help')\n"
    "  --version      print the version\n"
    "\n"
    "exit codes: 0 all records written; 1 finished with rejects (or, for\n"
    "validate, problems found); 2 usage or recipe error, nothing read;\n"
    "3 aborted mid-run, outputs rolled back; 4 recipe sandbox limit hit;\n"
    "130 interrupted.\n"
    "\n"
    "environment: CROSSWALK_HOME names the directory holding schemas/ and\n"
    "lua/ (default: found next to the executable).\n";

static const char usage_run[] =
    "usage: crosswalk run RECIPE --input [NAME=]PATH... --out-dir DIR\n"
    "                     [--set KEY=VALUE]... [--rejects PATH]\n"
    "                     [--summary-json PATH] [--dry-run]\n"
    "\n"
    "Run the recipe RECIPE (a Lua file returning one table).\n"
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
    "  --dry-run            process everything, commit nothing\n"
    "  --max-instructions N Lua instructions per recipe call (default 50M)\n"
    "  --max-memory MB      Lua memory for the recipe (default 64)\n"
    "\n"
    "The summary on stderr reads\n"
    "  read N = written W + rejected R + filtered F + merged M\n"
    "(merged: records folded into a group).  A failed run adds\n"
    "+ unprocessed U and says what was committed: nothing, unless the\n"
    "connection was lost during COMMIT or a rename failed after it.\n"
    "exit: 0 clean, 1 with rejects, 2 usage/recipe error, 3 aborted,\n"
    "4 sandbox limit, 130 interrupted.\n";

static const char usage_check[] =
    "usage: crosswalk check RECIPE [--set KEY=VALUE]...\n"
    "\n"
    "Load and compile RECIPE and its schemas without reading data.\n"
    "exit: 0 the recipe is sound, 2 it is not (the message says why),\n"
    "4 it hit a sandbox limit while loading.\n";

static const char usage_validate[] =
    "usage: crosswalk validate --schema TOOL/FORMAT FILE...\n"
    "\n"
    "Check every FILE against the schema (e.g. organizer/text_interactions)\n"
    "and print every problem, one per line:\n"
    "  file:line:col: code: message\n"
    "(col is the 1-based field number, 0 for the whole row or file).\n"
    "Organizer schemas also check Organizer's import rules: at most 5\n"
    "distinct Effort Names, booleans, dates, a value in every row, unique\n"
    "headers ignoring case, files under 500 MB.\n"
    "exit: 0 every file is valid, 1 problems found, 2 usage error.\n";

static const char usage_convert[] =
    "usage: crosswalk convert IN OUT\n"
    "\n"
    "Convert between CSV (.csv) and NDJSON (.ndjson, .jsonl), chosen by\n"
    "the file extensions, or load a CSV into a table: OUT may be\n"
    "sqlite:PATH#TABLE or postgres:CONNINFO#TABLE.  OUT is written\n"
    "atomically (a file by rename, a table in one transaction).\n"
    "exit: 0 converted, 2 usage error, 3 the input is malformed.\n";

static const char usage_test[] =
    "usage: crosswalk test [RECIPE|DIR]\n"
    "\n"
    "Run the test cases of a recipe, or of every recipe in DIR (default\n"
    "pipelines).  The cases of NAME.lua live in NAME/cases/CASE/: one CSV\n"
    "per recipe input (named after it), an optional 'params' file of\n"
    "KEY=VALUE lines, and expected/ with the exact output files, the\n"
    "rejects.csv when rows are rejected, and summary.txt holding the run's\n"
    "summary line.  A failing case prints the first differing lines.\n"
    "exit: 0 every case passed, 1 a case failed, 2 usage error.\n";

/* ==== Helpers ==== */

static int wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    return 0;
}

static int usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print "crosswalk: <message>" and the command's usage; return 2. */
static int usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n\n%s", usage);
    return EXIT_USAGE;
}

static int isdir(const char *p)
{
    struct stat st;

    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
** Find the directory holding schemas/ and lua/: $CROSSWALK_HOME, else
** the executable's directory or one of its parents (a build tree), else
** the installed data directory.
*/
static const char *find_home(void)
{
    static char home[PATH_MAX];
    const char *env = getenv("CROSSWALK_HOME");
    char probe[PATH_MAX + 16];
    ssize_t n;

    if (env != NULL && env[0] != '\0')
        return env;
    n = readlink("/proc/self/exe", home, sizeof home - 1);
    if (n > 0) {
        home[n] = '\0';
        for (int up = 0; up < 3; up++) {
            char *slash = strrchr(home, '/');

            if (slash == NULL)
                break;
            *slash = '\0';
            snprintf(probe, sizeof probe, "%s/schemas", home);
            if (isdir(probe))
                return home;
        }
    }
    return CW_DATADIR;
}

static int exit_for(int status)
{
    switch (status) {
    case CW_OK:
        return EXIT_CLEAN;
    case CW_EUSAGE:
    case CW_ELUA:
        return EXIT_USAGE;
    case CW_ELIMIT:
        return EXIT_SANDBOX;
    case CW_EINTR:
        return EXIT_INTERRUPT;
    default:
        return EXIT_ABORTED;
    }
}

/* Print a problem as "file:line:col: code: message". */
static void print_problem(const cw_problem *p)
{
    fprintf(stderr, "%s:%lu:%lu: %s: %s\n", p->file ? p->file : "-", p->line,
            p->col, p->code, p->message);
}

/* ==== run and check ==== */

typedef struct runview {
    unsigned long shown; /* rejections printed */
    unsigned long limit; /* how many to print */
} runview;

static void on_run_problem(void *ud, const cw_problem *p)
{
    runview *v = ud;

    if (p->warning) {
        fprintf(stderr, "warning: ");
        print_problem(p);
        return;
    }
    if (v->shown++ < v->limit)
        print_problem(p);
}

static cw_run *the_run; /* for the SIGINT handler */

static void on_sigint(int sig)
{
    (void)sig;
    if (the_run != NULL)
        cw_run_interrupt(the_run);
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

static int write_summary_json(const char *path, const cw_run *r, int status)
{
    cw_summary s;
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
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
    fprintf(f, ", \"commit_unknown\": %s}\n",
            s.commit_unknown ? "true" : "false");
    if (fclose(f) != 0) {
        fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
        return -1;
    }
    return 0;
}

static void print_summary(const cw_run *r, int status, int dryrun)
{
    cw_summary s;

    cw_run_summary(r, &s);
    if (status == CW_OK) {
        fprintf(stderr,
                "read %llu = written %llu + rejected %llu + filtered %llu "
                "+ merged %llu\n",
                s.read, s.written, s.rejected, s.filtered, s.merged);
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
        fprintf(stderr,
                "read %llu = written %llu + rejected %llu + filtered %llu "
                "+ merged %llu + unprocessed %llu\n",
                s.read, s.written, s.rejected, s.filtered, s.merged,
                s.unprocessed);
        for (size_t i = 0; i < s.noutputs; i++) {
            unsigned long long rows;
            const char *p = cw_run_output(r, i, &rows);

            fprintf(stderr, "committed %s (%llu rows) before the failure\n", p,
                    rows);
        }
        cw_cli_aborted(&s, s.noutputs);
    }
}

void cw_cli_aborted(const cw_summary *s, size_t ncommitted)
{
    const char *rest = "nothing was committed";

    if (s->commit_unknown)
        rest = "whether a database commit went through is unknown (see "
               "the message above); nothing else was committed";
    else if (ncommitted > 0)
        rest = "nothing else was committed";
    fprintf(stderr, "aborted%s%s; %s\n", s->stopped_at ? " at " : "",
            s->stopped_at ? s->stopped_at : "", rest);
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
** limit, 130 for an interruption.
*/
static int run_exit_code(const cw_run *r, int status)
{
    cw_summary s;
    int code;

    cw_run_summary(r, &s);
    if (status == CW_OK)
        return s.rejected > 0 ? EXIT_REJECTS : EXIT_CLEAN;
    code = exit_for(status);
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
        return usage_error(usage, "--set needs KEY=VALUE, got '%s'", kv);
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    if (cw_run_param(r, key, eq + 1) != CW_OK) {
        fprintf(stderr, "%s: %s\n", progname, cw_run_errmsg(r));
        return EXIT_USAGE;
    }
    return 0;
}

static int cmd_run(int argc, char **argv, int checkonly)
{
    const char *usage = checkonly ? usage_check : usage_run;
    const char *recipe = NULL, *outdir = NULL, *rejects = NULL;
    const char *summary = NULL, *db = NULL;
    const char **inputs = NULL;
    int ninputs = 0, dryrun = 0, code, status;
    unsigned long long maxinstr = 0;
    size_t maxmem = 0;
    runview view = {0, 20};
    struct sigaction sa, old;
    cw_run *r = NULL;
    cw_err err;

    if (wants_help(argc, argv)) {
        fputs(usage, stdout);
        return EXIT_CLEAN;
    }
    if (cw_run_new(&r, &err) != CW_OK) {
        fprintf(stderr, "%s: %s\n", progname, err.msg);
        return EXIT_ABORTED;
    }
    inputs = calloc((size_t)argc + 1, sizeof *inputs);
    if (inputs == NULL) {
        cw_run_close(r);
        return EXIT_ABORTED;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = strcmp(a, "--input") == 0 || strcmp(a, "--out-dir") == 0 ||
                    strcmp(a, "--set") == 0 || strcmp(a, "--rejects") == 0 ||
                    strcmp(a, "--db") == 0 ||
                    strcmp(a, "--summary-json") == 0 ||
                    strcmp(a, "--max-instructions") == 0 ||
                    strcmp(a, "--max-memory") == 0;

        if (takes && val == NULL) {
            code = usage_error(usage, "%s needs a value", a);
            goto out;
        }
        if (checkonly && takes && strcmp(a, "--set") != 0) {
            code = usage_error(usage, "unknown option '%s'", a);
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
        } else if (strcmp(a, "--max-instructions") == 0) {
            maxinstr = strtoull(val, NULL, 10);
        } else if (strcmp(a, "--max-memory") == 0) {
            maxmem = (size_t)strtoull(val, NULL, 10) * 1024 * 1024;
        } else if (strcmp(a, "--dry-run") == 0 && !checkonly) {
            dryrun = 1;
            continue;
        } else if (a[0] == '-' && a[1] != '\0') {
            code = usage_error(usage, "unknown option '%s'", a);
            goto out;
        } else if (recipe == NULL) {
            recipe = a;
            continue;
        } else {
            code = usage_error(usage, "unexpected argument '%s'", a);
            goto out;
        }
        i++;
    }
    if (recipe == NULL) {
        code = usage_error(usage, "%s", "no recipe given");
        goto out;
    }
    if (!checkonly && (ninputs == 0 || outdir == NULL)) {
        code = usage_error(usage, "%s",
                           ninputs == 0 ? "no --input given"
                                        : "no --out-dir given");
        goto out;
    }
    cw_run_home(r, find_home());
    cw_run_limits(r, maxinstr, maxmem);
    status = cw_run_load(r, recipe);
    if (status != CW_OK) {
        fprintf(stderr, "%s: %s\n", progname, cw_run_errmsg(r));
        /* Nothing was read: a missing recipe is a usage error too. */
        code = status == CW_ELIMIT ? EXIT_SANDBOX : EXIT_USAGE;
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
            fprintf(stderr, "%s: %s\n", progname, cw_run_errmsg(r));
            code = EXIT_USAGE;
            goto out;
        }
    }
    cw_run_outdir(r, outdir);
    if (rejects != NULL)
        cw_run_rejects(r, rejects);
    if (db != NULL)
        cw_run_database(r, db);
    cw_run_dryrun(r, dryrun);
    cw_run_on_problem(r, on_run_problem, &view);
    the_run = r;
    /* No SA_RESTART: a read blocked on a pipe returns, so the run sees
    ** the interruption at once. */
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, &old);
    status = cw_run_exec(r);
    sigaction(SIGINT, &old, NULL);
    the_run = NULL;
    if (view.shown > view.limit)
        fprintf(stderr, "... and %lu more rejected records\n",
                view.shown - view.limit);
    if (status != CW_OK)
        fprintf(stderr, "%s: %s\n", progname, cw_run_errmsg(r));
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
    cw_run_close(r);
    return code;
}

/* ==== validate ==== */

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

static int cmd_validate(int argc, char **argv)
{
    const char *schema = NULL;
    int nfiles = 0, code = EXIT_CLEAN;

    if (wants_help(argc, argv)) {
        fputs(usage_validate, stdout);
        return EXIT_CLEAN;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--schema") == 0) {
            if (i + 1 >= argc)
                return usage_error(usage_validate, "%s",
                                   "--schema needs a name");
            schema = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error(usage_validate, "unknown option '%s'", argv[i]);
        } else {
            nfiles++;
        }
    }
    if (schema == NULL || nfiles == 0)
        return usage_error(usage_validate, "%s",
                           schema == NULL ? "no --schema given"
                                          : "no file given");
    for (int i = 0; i < argc; i++) {
        unsigned long nerr;
        cw_err err;
        int rc;

        if (strcmp(argv[i], "--schema") == 0) {
            i++;
            continue;
        }
        rc = cw_validate(find_home(), schema, argv[i], on_validate_problem,
                         NULL, &nerr, &err);
        if (rc != CW_OK) {
            fprintf(stderr, "%s: %s\n", progname, err.msg);
            return rc == CW_EUSAGE || rc == CW_EIO ? EXIT_USAGE : EXIT_ABORTED;
        }
        fprintf(stderr, "%s: %s (%lu error%s)\n", argv[i],
                nerr == 0 ? "valid" : "invalid", nerr, nerr == 1 ? "" : "s");
        if (nerr > 0)
            code = EXIT_REJECTS;
    }
    return code;
}

/* ==== convert ==== */

static int cmd_convert(int argc, char **argv)
{
    unsigned long long rows;
    cw_err err;
    int rc;

    if (wants_help(argc, argv)) {
        fputs(usage_convert, stdout);
        return EXIT_CLEAN;
    }
    if (argc != 2)
        return usage_error(usage_convert, "%s", "convert takes IN and OUT");
    rc = cw_convert(argv[0], argv[1], &rows, &err);
    if (rc != CW_OK) {
        fprintf(stderr, "%s: %s\n", progname, err.msg);
        return rc == CW_EUSAGE ? EXIT_USAGE : EXIT_ABORTED;
    }
    fprintf(stderr, "converted %llu records to %s\n", rows, argv[1]);
    return EXIT_CLEAN;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (cmd == NULL) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
        strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return EXIT_CLEAN;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("crosswalk %s\n", cw_version());
        return EXIT_CLEAN;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 2, argv + 2, 0);
    if (strcmp(cmd, "check") == 0)
        return cmd_run(argc - 2, argv + 2, 1);
    if (strcmp(cmd, "validate") == 0)
        return cmd_validate(argc - 2, argv + 2);
    if (strcmp(cmd, "convert") == 0)
        return cmd_convert(argc - 2, argv + 2);
    if (strcmp(cmd, "load") == 0)
        return cw_cli_load(argc - 2, argv + 2, find_home());
    if (strcmp(cmd, "inspect") == 0)
        return cw_cli_inspect(argc - 2, argv + 2, find_home());
    if (strcmp(cmd, "schemas") == 0)
        return cw_cli_schemas(argc - 2, argv + 2, find_home());
    if (strcmp(cmd, "schema") == 0)
        return cw_cli_schema(argc - 2, argv + 2, find_home());
    if (strcmp(cmd, "test") == 0) {
        if (wants_help(argc - 2, argv + 2)) {
            fputs(usage_test, stdout);
            return EXIT_CLEAN;
        }
        return cw_cli_test(argc - 2, argv + 2, find_home());
    }
    return usage_error(usage_main, "unknown command '%s'", cmd);
}
