/*
** run.c -- 'crosswalk run' and 'crosswalk check': argument parsing,
** printing, the summary file and exit codes over cw_run_* (engine/api).
*/
#include "cli.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_run_start[] =
    "usage: crosswalk run RECIPE --input [NAME=]PATH... --out-dir DIR\n"
    "                     [--set KEY=VALUE]... [--rejects PATH]\n"
    "                     [--summary-json PATH] [--dry-run] [--strict]\n"
    "                     [--delimiter [NAME=]C] [--quote [NAME=]C]\n"
    "                     [--encoding [NAME=]ENC] [-q|-v] [--[no-]progress]\n"
    "                     [--stray-quotes [NAME=]keep|reject]\n"
    "                     [--ledger TARGET [--full]] [--workers N]\n"
    "\n"
    "Run the recipe RECIPE: a Lua file returning one table, a recipe\n"
    "folder holding recipe.lua, or the name of a recipe in the home's\n"
    "pipelines/ (as in 'crosswalk run impactive_to_organizer_text').\n"
    "\n"
    "  --input [NAME=]PATH  bind the recipe input NAME to PATH; without\n"
    "                       NAME, the main (streamed) input; '-' is stdin;\n"
    "                       PATH may also be sqlite:FILE#TABLE_OR_QUERY or\n"
    "                       postgres:CONNINFO#TABLE_OR_QUERY\n"
    "  --out-dir DIR        write outputs here (created if missing) when\n"
    "                       the run succeeds; '-': the recipe's one file\n"
    "                       output to stdout (rejects to --rejects, default\n"
    "                       ./rejects.csv; table outputs need --db)\n"
    "  --set KEY=VALUE      recipe parameter, read as params.KEY\n"
    "  --rejects PATH       rejects CSV (default DIR/rejects.csv): the\n"
    "                       original columns plus _file, _line, _column,\n"
    "                       _code, _message\n"
    "  --summary-json PATH  write the run's accounting as JSON ('-': to\n"
    "                       stdout; docs/json.md)\n"
    "  --db TARGET          database for outputs declared with a 'table':\n"
    "                       sqlite:PATH or postgres:CONNINFO (default\n"
    "                       sqlite:DIR/crosswalk.db); PG* variables and\n"
    "                       ~/.pgpass apply\n"
    "  --ledger TARGET      write no row an output delivered before:\n"
    "                       sqlite:PATH or postgres:CONNINFO[#TABLE], over\n"
    "                       the recipe's 'ledger' ('none': no ledger);\n"
    "                       'crosswalk ledger --help'\n"
    "  --full               with a ledger: read every row of the main input,\n"
    "                       not only those past its watermark ('since')\n"
    "  --dry-run            process everything, commit nothing\n"
    "  --strict             a malformed CSV record (E_QUOTE) stops the run\n"
    "                       instead of going to the rejects file\n"
    "  --delimiter [NAME=]C the delimiter of input NAME (no NAME: of every\n"
    "                       CSV input): a character, tab, comma, semicolon\n"
    "                       or pipe (default: the recipe's, else ,)\n"
    "  --quote [NAME=]C     the same for the quote character (default \")\n"
    "  --encoding [NAME=]ENC\n"
    "                       the same for the encoding, any name iconv\n"
    "                       knows (latin1, windows-1252, UTF-16, ...;\n"
    "                       default UTF-8); outputs are always UTF-8\n"
    "  --stray-quotes [NAME=]keep|reject\n"
    "                       the same for a quote inside an unquoted field\n"
    "                       (1,Tablet (10\" screen),x): keep it as data (as\n"
    "                       Python's csv module does), or reject the record\n"
    "                       as malformed, E_QUOTE (default: the recipe's\n"
    "                       stray_quotes, else reject)\n"
    "  --max-instructions N Lua instructions per recipe call (default 50M)\n"
    "  --max-memory MB      Lua memory for the recipe (default 64)\n"
    "  --max-seconds N      deadline of each call into recipe code: loading\n"
    "                       it, each fn, predicate and map (default 5)\n"
    "  --workers N          Lua states that run the fn steps marked parallel\n"
    "                       at once, 1 to 64 (default: one per core, at\n"
    "                       most 8)\n";

/* The rest of the help of 'run' (two literals: one would pass the 4095
** bytes a C compiler must take). */
static const char usage_run_end[] =
    "  --progress           draw the progress line on stderr even when it\n"
    "                       is not a terminal; --no-progress: never\n"
    "                       (default: on a terminal, unless -q)\n"
    "  -q, --quiet          print errors only: no rejections, warnings or\n"
    "                       summary on stderr\n"
    "  -v, --verbose        print every rejection (not only the first 20)\n"
    "                       and the time taken\n"
    "  -h, --help           this help\n"
    "  -V, --version        the version\n"
    "\n"
    "The summary on stderr reads\n"
    "  read N = written W + rejected R + filtered F + merged M\n"
    "(merged: records folded into a group), with a ledger\n"
    "+ sent_before S (records delivered before, or waiting in a file not\n"
    "confirmed yet: not written again).  A failed run adds\n"
    "+ unprocessed U and says what was committed: nothing, unless the\n"
    "connection was lost during COMMIT or a rename failed after it.\n"
    "exit: 0 clean, 1 with rejects, 2 usage/recipe error, 3 aborted,\n"
    "4 sandbox limit, 130 interrupted (SIGINT; 143 SIGTERM, 129 SIGHUP),\n"
    "141 stdout closed before the end.\n";

/* The help of 'run': usage_run_start and usage_run_end. */
static const char *usage_run(void)
{
    static char text[sizeof usage_run_start + sizeof usage_run_end - 1];

    if (text[0] == '\0') {
        memcpy(text, usage_run_start, sizeof usage_run_start - 1);
        memcpy(text + sizeof usage_run_start - 1, usage_run_end,
               sizeof usage_run_end);
    }
    return text;
}

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
    "Prints 'RECIPE: ok' on stdout.\n"
    "-h (--help) prints this help, -V (--version) the version; -q and -v\n"
    "are accepted.\n"
    "exit: 0 the recipe is sound, 2 it is not (the message says why),\n"
    "4 it hit a sandbox limit while loading.\n";

enum {
    OPT_INPUT = CW_OPT_OWN,
    OPT_OUTDIR,
    OPT_SET,
    OPT_REJECTS,
    OPT_SUMMARY,
    OPT_DB,
    OPT_DRYRUN,
    OPT_STRICT,
    OPT_MAXINSTR,
    OPT_MAXMEM,
    OPT_MAXSEC,
    OPT_LEDGER,
    OPT_FULL,
    OPT_WORKERS
};

/* The options of 'crosswalk check', then those only 'run' takes. */
#define CHECK_OPTS                                                             \
    CW_OPTS_COMMON, {"set", required_argument, NULL, OPT_SET},                 \
        {"max-instructions", required_argument, NULL, OPT_MAXINSTR},           \
        {"max-memory", required_argument, NULL, OPT_MAXMEM},                   \
    {                                                                          \
        "max-seconds", required_argument, NULL, OPT_MAXSEC                     \
    }

static const struct option check_opts[] = {
    CHECK_OPTS,
    {NULL, 0, NULL, 0},
};

static const struct option run_opts[] = {
    CHECK_OPTS,
    CW_OPTS_PROGRESS,
    CW_OPTS_DIALECT,
    {"input", required_argument, NULL, OPT_INPUT},
    {"out-dir", required_argument, NULL, OPT_OUTDIR},
    {"rejects", required_argument, NULL, OPT_REJECTS},
    {"summary-json", required_argument, NULL, OPT_SUMMARY},
    {"db", required_argument, NULL, OPT_DB},
    {"dry-run", no_argument, NULL, OPT_DRYRUN},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"ledger", required_argument, NULL, OPT_LEDGER},
    {"full", no_argument, NULL, OPT_FULL},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {NULL, 0, NULL, 0},
};

/* Stop the run 'ud' (called from a signal handler). */
static void stop_run(void *ud)
{
    cw_run_interrupt(ud);
}

/* What a run prints its summaries with. */
typedef struct report {
    const char *stdout_dir; /* --out-dir -: the temp directory standing for
                               stdout, else NULL */
    cw_cli_view view;       /* the problems, counted by code */
} report;

/* Output path 'p' as the summaries name it: "-" for the file bound for
** stdout. */
static const char *shown_path(const report *rp, const char *p)
{
    size_t n = rp->stdout_dir != NULL ? strlen(rp->stdout_dir) : 0;

    if (n > 0 && strncmp(p, rp->stdout_dir, n) == 0 && p[n] == '/')
        return "-";
    return p;
}

/* The summary JSON of the run 'r' that ended with 'status', in a
** malloc'd string ('*len' bytes), or NULL after printing why. */
static char *summary_json(const cw_run *r, int status, const report *rp,
                          size_t *len)
{
    double t = cw_cli_elapsed();
    unsigned long long bytes = cw_cli_input_bytes();
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    cw_summary s;

    if (f == NULL) {
        fprintf(stderr, "crosswalk: --summary-json: %s\n", strerror(errno));
        return NULL;
    }
    cw_run_summary(r, &s);
    fprintf(f,
            "{\"format_version\": %d, \"status\": \"%s\", \"read\": %llu, "
            "\"written\": %llu, \"rejected\": %llu, \"filtered\": %llu, "
            "\"merged\": %llu, \"unprocessed\": %llu, \"warnings\": %llu, "
            "\"outputs\": [",
            CW_JSON_FORMAT_VERSION, status == CW_OK ? "ok" : "aborted", s.read,
            s.written, s.rejected, s.filtered, s.merged, s.unprocessed,
            s.warnings);
    for (size_t i = 0, n = 0; i < s.noutputs; i++) {
        unsigned long long rows;
        const char *p = shown_path(rp, cw_run_output(r, i, &rows));

        if (status != CW_OK && strcmp(p, "-") == 0)
            continue; /* not sent: the run failed */
        fprintf(f, "%s{\"path\": ", n++ ? ", " : "");
        cw_cli_json_str(f, p);
        fprintf(f, ", \"rows\": %llu}", rows);
    }
    fputs("], \"rejects\": ", f);
    cw_cli_json_str(f, s.rejects);
    fputs(", \"stopped_at\": ", f);
    cw_cli_json_str(f, s.stopped_at);
    fprintf(f, ", \"commit_unknown\": %s", s.commit_unknown ? "true" : "false");
    cw_cli_json_codes(f, &rp->view, ", ");
    fputs(", \"error\": ", f);
    cw_cli_json_str(f, status == CW_OK ? NULL : cw_run_errmsg(r));
    cw_cli_ledger_json(f, r);
    fprintf(f, ", \"elapsed_seconds\": %.3f, \"input_bytes\": ", t);
    if (bytes > 0)
        fprintf(f, "%llu", bytes);
    else
        fputs("null", f);
    fputs(", \"rows_per_second\": ", f);
    if (t > 0)
        fprintf(f, "%.0f}\n", (double)s.read / t);
    else
        fputs("null}\n", f);
    if (fclose(f) != 0) {
        fprintf(stderr, "crosswalk: --summary-json: %s\n", strerror(errno));
        free(text);
        return NULL;
    }
    return text;
}

/* Write the summary file at 'path' atomically, or to stdout for "-":
** 0, or an exit code after printing why not. */
static int write_summary_json(const char *path, const cw_run *r, int status,
                              const report *rp)
{
    size_t len = 0;
    char *text = summary_json(r, status, rp, &len);
    cw_err err;
    int rc;

    if (text == NULL)
        return EXIT_ABORTED;
    if (strcmp(path, "-") == 0) {
        rc = cw_cli_write_stdout(text, len);
        free(text);
        return rc;
    }
    rc = cw_write_file(path, text, len, &err);
    free(text);
    if (rc != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        return EXIT_ABORTED;
    }
    return 0;
}

static void print_summary(const cw_run *r, int status, int dryrun,
                          const report *rp)
{
    cw_summary s;

    cw_run_summary(r, &s);
    if (status == CW_OK) {
        cw_cli_counts(&s, 1);
        if (cw_cli_talk == CW_TALK_QUIET)
            return;
        cw_cli_ledger_report(r, dryrun);
        for (size_t i = 0; i < s.noutputs; i++) {
            unsigned long long rows;
            const char *p = shown_path(rp, cw_run_output(r, i, &rows));

            fprintf(stderr, "%s %s (%s)\n", dryrun ? "would write" : "wrote",
                    strcmp(p, "-") == 0 ? "standard output" : p,
                    cw_cli_count(rows, "row", "rows"));
        }
        if (s.rejects != NULL)
            fprintf(
                stderr, "%s %s to %s\n", dryrun ? "would write" : "wrote",
                cw_cli_count(s.rejected, "rejected record", "rejected records"),
                s.rejects);
    } else {
        size_t n = 0;

        cw_cli_counts(&s, 0);
        for (size_t i = 0; i < s.noutputs; i++) {
            unsigned long long rows;
            const char *p = shown_path(rp, cw_run_output(r, i, &rows));

            if (strcmp(p, "-") == 0)
                continue; /* not sent: the run failed */
            if (cw_cli_talk != CW_TALK_QUIET)
                fprintf(stderr, "committed %s (%s) before the failure\n", p,
                        cw_cli_count(rows, "row", "rows"));
            n++;
        }
        cw_cli_aborted(&s, n);
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

/* Parse the whole number 'val' of option 'opt' into '*n': 0, or
** EXIT_USAGE after saying why not. */
static int whole_number(const char *opt, const char *val, unsigned long long *n,
                        const char *usage)
{
    char *end;

    errno = 0;
    *n = strtoull(val, &end, 10);
    if (val[0] < '0' || val[0] > '9' || *end != '\0' || errno != 0)
        return cw_cli_usage(usage, "%s needs a whole number, got '%s'", opt,
                            val);
    return 0;
}

/* A dialect option given to a run: --delimiter, --quote or --encoding
** (as getopt's id), and its [NAME=]VALUE. */
typedef struct dialect_opt {
    int opt;
    const char *val;
} dialect_opt;

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
** Give the run the 'n' dialect options 'v', in their order, once the
** recipe is loaded: each for the input NAME, or without NAME for every
** CSV input.  0, or an exit code after printing why.
*/
static int set_dialects(cw_run *r, const dialect_opt *v, size_t n,
                        const char *usage)
{
    for (size_t i = 0; i < n; i++) {
        cw_dialect d = {0};
        char name[256];
        const char *val = dialect_value(v[i].val, name, sizeof name);
        int k = cw_cli_dialect(cw_cli_dialect_option(v[i].opt), val, &d, usage);

        if (k != 0)
            return k;
        if (cw_run_input_dialect(r, name[0] ? name : NULL, &d) != CW_OK) {
            fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
            return EXIT_USAGE;
        }
    }
    return 0;
}

/*
** For --out-dir -: check that the recipe has one file output (and tables
** only with --db), make the temp directory standing for stdout, and send
** the rejects to ./rejects.csv unless --rejects names a file.  0, or an
** exit code after saying why not.
*/
static int bind_stdout(cw_run *r, const char *recipe, const char *rejects,
                       const char *db, const char *summary, char *dir,
                       size_t cap)
{
    size_t files = 0, tables = 0;
    char list[512] = "", tlist[512] = "";

    if (summary != NULL && strcmp(summary, "-") == 0) {
        fprintf(stderr, "crosswalk: --out-dir - and --summary-json - would "
                        "both write to standard output\n");
        return EXIT_USAGE;
    }
    for (size_t i = 0; cw_run_output_decl(r, i, NULL, NULL, NULL) != NULL;
         i++) {
        const char *path;
        const char *name = cw_run_output_decl(r, i, &path, NULL, NULL);
        size_t n = strlen(list);

        if (path == NULL) {
            n = strlen(tlist);
            snprintf(tlist + n, sizeof tlist - n, "%soutputs.%s",
                     tables ? ", " : "", name);
            tables++;
            continue;
        }
        snprintf(list + n, sizeof list - n, "%soutputs.%s", files ? ", " : "",
                 name);
        files++;
    }
    if (files != 1) {
        fprintf(stderr,
                "crosswalk: --out-dir - writes a recipe's one file output to "
                "standard output; %s has %zu%s%s%s\n",
                recipe, files, files ? " (" : "", list, files ? ")" : "");
        return EXIT_USAGE;
    }
    if (tables > 0 && db == NULL) {
        fprintf(stderr,
                "crosswalk: %s also writes %s (%s): with --out-dir -, --db "
                "must name the database\n",
                recipe, tables == 1 ? "a table" : "tables", tlist);
        return EXIT_USAGE;
    }
    if (cw_cli_tmpdir(dir, cap) != 0)
        return EXIT_ABORTED;
    if (cw_run_outdir(r, dir) != CW_OK ||
        (rejects == NULL && cw_run_rejects(r, "rejects.csv") != CW_OK)) {
        fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
        return EXIT_ABORTED;
    }
    return 0;
}

/* After a successful run with --out-dir -: copy its one output file
** (in the directory 'rp' names) to stdout.  0, or an exit code after
** saying why not. */
static int send_stdout(const cw_run *r, int dryrun, const report *rp)
{
    const char *file = NULL;
    size_t nfiles = 0;
    cw_summary s;

    if (dryrun)
        return 0;
    cw_run_summary(r, &s);
    for (size_t i = 0; i < s.noutputs; i++) {
        const char *p = cw_run_output(r, i, NULL);

        if (strcmp(shown_path(rp, p), "-") == 0) {
            file = p;
            nfiles++;
        }
    }
    if (nfiles != 1) {
        fprintf(stderr,
                "crosswalk: the output was split into %zu files (a cap on "
                "its size or distinct values); --out-dir - writes one\n",
                nfiles);
        return EXIT_ABORTED;
    }
    return cw_cli_cat(file);
}

/* The arguments of a run, as parsed. */
typedef struct runargs {
    const char *recipe, *outdir, *rejects, *summary, *db, *ledger;
    const char **inputs;   /* --input values */
    int ninputs;           /* count of 'inputs' */
    dialect_opt *dialects; /* --delimiter, --quote, --encoding */
    size_t ndialects;      /* count of 'dialects' */
    int dryrun, strict, progress, full;
    unsigned long long maxinstr, maxmem;
} runargs;

/* Parse the arguments of 'run' ('check' when 'checkonly') into 'ra',
** applying --set and --max-seconds to 'r' as they come.  -1 to go on, or
** the exit code to return (0 after --help or --version). */
static int parse(int argc, char **argv, int checkonly, cw_run *r, runargs *ra)
{
    const char *usage = checkonly ? usage_check : usage_run();
    cw_cli_args a;
    int c, code;

    cw_cli_args_start(&a, checkonly ? "check" : "run", usage,
                      checkonly ? check_opts : run_opts, 1, argc, argv);
    while ((c = cw_cli_next(&a)) != CW_OPT_END) {
        switch (c) {
        case CW_OPT_EXIT:
            return a.status;
        case CW_OPT_OPERAND:
            if (ra->recipe != NULL)
                return cw_cli_usage(usage, "unexpected argument '%s'", a.arg);
            ra->recipe = a.arg;
            break;
        case OPT_INPUT:
            ra->inputs[ra->ninputs++] = a.arg;
            break;
        case OPT_OUTDIR:
            ra->outdir = a.arg;
            break;
        case OPT_SET:
            if ((code = add_param(r, a.arg, usage)) != 0)
                return code;
            break;
        case OPT_REJECTS:
            ra->rejects = a.arg;
            break;
        case OPT_DB:
            ra->db = a.arg;
            break;
        case OPT_SUMMARY:
            ra->summary = a.arg;
            break;
        case OPT_MAXINSTR:
            if ((code = whole_number("--max-instructions", a.arg, &ra->maxinstr,
                                     usage)) != 0)
                return code;
            break;
        case OPT_MAXMEM:
            if ((code = whole_number("--max-memory", a.arg, &ra->maxmem,
                                     usage)) != 0)
                return code;
            break;
        case OPT_MAXSEC:
            if ((code = set_max_seconds(r, a.arg, usage)) != 0)
                return code;
            break;
        case OPT_WORKERS: {
            unsigned long long n;

            if ((code = whole_number("--workers", a.arg, &n, usage)) != 0)
                return code;
            if (n < 1 || n > CW_WORKERS_MAX)
                return cw_cli_usage(usage, "--workers takes 1 to %d, got %s",
                                    CW_WORKERS_MAX, a.arg);
            cw_run_workers(r, (unsigned)n);
            break;
        }
        case OPT_DRYRUN:
            ra->dryrun = 1;
            break;
        case OPT_STRICT:
            ra->strict = 1;
            break;
        case OPT_LEDGER:
            ra->ledger = a.arg;
            break;
        case OPT_FULL:
            ra->full = 1;
            break;
        case CW_OPT_PROGRESS:
            ra->progress = 1;
            break;
        case CW_OPT_NO_PROGRESS:
            ra->progress = 0;
            break;
        default: {
            cw_dialect d = {0};
            char name[256];

            /* checked now, set once the recipe is loaded (set_dialects) */
            code = cw_cli_dialect(cw_cli_dialect_option(c),
                                  dialect_value(a.arg, name, sizeof name), &d,
                                  usage);
            if (code > 0)
                return code;
            if (code == 0)
                ra->dialects[ra->ndialects++] = (dialect_opt){c, a.arg};
            break;
        }
        }
    }
    if (ra->recipe == NULL)
        return cw_cli_usage(usage, "%s", "no recipe given");
    if (!checkonly && (ra->ninputs == 0 || ra->outdir == NULL))
        return cw_cli_usage(usage, "%s",
                            ra->ninputs == 0 ? "no --input given"
                                             : "no --out-dir given");
    if (ra->maxmem > (unsigned long long)SIZE_MAX / (1024 * 1024))
        return cw_cli_usage(usage, "--max-memory is too large: %llu MB",
                            ra->maxmem);
    return -1;
}

/* Bind the inputs of 'ra' to the loaded run.  0, or an exit code. */
static int bind_inputs(cw_run *r, const runargs *ra)
{
    for (int i = 0; i < ra->ninputs; i++) {
        const char *in = ra->inputs[i];
        char name[256];
        int status;

        if (input_name(in, name, sizeof name))
            status = cw_run_input(r, name, strchr(in, '=') + 1);
        else
            status = cw_run_input(r, NULL, in);
        if (status != CW_OK) {
            fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
            return EXIT_USAGE;
        }
    }
    return 0;
}

/* 'crosswalk run', or 'crosswalk check' when 'checkonly'. */
static int run_or_check(int argc, char **argv, const char *home, int checkonly)
{
    runargs ra = {0};
    report rp = {NULL, {0, 0, NULL, 0}};
    char tmpdir[4096];
    int code, status, out_rc = 0, sum_rc = 0;
    cw_run *r = NULL;
    cw_err err;

    ra.progress = -1;
    if (cw_run_new(&r, &err) != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        return EXIT_ABORTED;
    }
    ra.inputs = calloc((size_t)argc + 1, sizeof *ra.inputs);
    ra.dialects = calloc((size_t)argc + 1, sizeof *ra.dialects);
    if (ra.inputs == NULL || ra.dialects == NULL) {
        fprintf(stderr, "crosswalk: out of memory\n");
        code = EXIT_ABORTED;
        goto out;
    }
    if ((code = parse(argc, argv, checkonly, r, &ra)) >= 0)
        goto out;
    cw_cli_view_init(&rp.view);
    cw_run_home(r, home);
    cw_run_limits(r, ra.maxinstr, (size_t)ra.maxmem * 1024 * 1024);
    status = cw_run_load(r, ra.recipe);
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
        printf("%s: ok\n", ra.recipe);
        code = EXIT_CLEAN;
        goto out;
    }
    if ((code = bind_inputs(r, &ra)) != 0 ||
        (code = set_dialects(r, ra.dialects, ra.ndialects, usage_run())) != 0 ||
        (code = cw_cli_run_ledger(r, ra.ledger, ra.full)) != 0)
        goto out;
    if (strcmp(ra.outdir, "-") == 0) {
        if ((code = bind_stdout(r, ra.recipe, ra.rejects, ra.db, ra.summary,
                                tmpdir, sizeof tmpdir)) != 0)
            goto out;
        rp.stdout_dir = tmpdir;
    } else {
        cw_run_outdir(r, ra.outdir);
    }
    if (ra.rejects != NULL)
        cw_run_rejects(r, ra.rejects);
    if (ra.db != NULL)
        cw_run_database(r, ra.db);
    cw_run_dryrun(r, ra.dryrun);
    cw_run_strict(r, ra.strict);
    cw_run_on_problem(r, cw_cli_on_problem, &rp.view);
    cw_run_on_progress(r, cw_cli_on_progress, NULL);
    /* Files that clash stop the run before anything is written, the
    ** summary file included. */
    if ((ra.summary != NULL && strcmp(ra.summary, "-") != 0 &&
         cw_run_reserve(r, ra.summary, "--summary-json") != CW_OK) ||
        cw_run_check_files(r) != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
        code = EXIT_USAGE;
        goto out;
    }
    cw_cli_progress_start(ra.progress);
    cw_cli_catch(stop_run, r);
    status = cw_run_exec(r);
    cw_cli_release();
    cw_cli_progress_end();
    cw_cli_more(&rp.view);
    if (status != CW_OK)
        fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
    /* The output bound for stdout goes there once the run succeeded. */
    if (status == CW_OK && rp.stdout_dir != NULL)
        out_rc = send_stdout(r, ra.dryrun, &rp);
    /* A summary file that cannot be written fails the command, but the
    ** run itself is done: its own status picks the summary's words. */
    if (ra.summary != NULL)
        sum_rc = write_summary_json(ra.summary, r, status, &rp);
    if (status != CW_OK)
        code = run_exit_code(r, status);
    else if (out_rc != 0 || sum_rc == EXIT_PIPE)
        code = out_rc != 0 ? out_rc : sum_rc;
    else
        code = run_exit_code(r, sum_rc != 0 ? CW_EIO : CW_OK);
    /* A run that read nothing has nothing to account for; stdout that
    ** failed was not written. */
    if (code != EXIT_USAGE && out_rc == 0 && code != EXIT_PIPE) {
        cw_summary s;

        print_summary(r, status, ra.dryrun, &rp);
        cw_run_summary(r, &s);
        cw_cli_timing(s.read);
    }
out:
    if (rp.stdout_dir != NULL)
        cw_cli_rmtree(rp.stdout_dir);
    cw_cli_view_free(&rp.view);
    free(ra.inputs);
    free(ra.dialects);
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
