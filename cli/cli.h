/*
** cli.h -- the crosswalk command line: the exit codes, one file per
** command, main.c dispatching to them, and print.c holding what the
** commands share (help, usage errors, problems, summaries, signals).  A
** command file calls print.c and the public API only; no cli/ file calls
** main.c.
*/
#ifndef CW_CLI_H
#define CW_CLI_H

#include "crosswalk.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes, documented in --help and the README. */
enum {
    EXIT_CLEAN = 0,      /* every record written */
    EXIT_REJECTS = 1,    /* finished, some records rejected */
    EXIT_USAGE = 2,      /* usage, recipe or schema error; nothing read */
    EXIT_ABORTED = 3,    /* aborted mid-run; outputs rolled back */
    EXIT_SANDBOX = 4,    /* a recipe hit a sandbox limit */
    EXIT_INTERRUPT = 130 /* interrupted by SIGINT */
};

/* The exit codes of the other signals that stop a run or load, and of a
** reader of standard output gone (as SIGPIPE's). */
enum {
    EXIT_HANGUP = 129,    /* stopped by SIGHUP */
    EXIT_PIPE = 141,      /* standard output closed by its reader */
    EXIT_TERMINATED = 143 /* stopped by SIGTERM */
};

/* ==== Commands: each returns an exit code ==== */

/* 'crosswalk run' and 'crosswalk check' (cli/run.c). */
int cw_cli_run(int argc, char **argv, const char *home);
int cw_cli_check(int argc, char **argv, const char *home);

/* 'crosswalk validate' (cli/validate.c). */
int cw_cli_validate(int argc, char **argv, const char *home);

/* 'crosswalk convert IN OUT' (cli/convert.c); 'home' is unused. */
int cw_cli_convert(int argc, char **argv, const char *home);

/* 'crosswalk test [RECIPE|DIR]': run recipe cases (cli/testrun.c). */
int cw_cli_test(int argc, char **argv, const char *home);

/* 'crosswalk recipe info RECIPE': describe a recipe (cli/recipe.c). */
int cw_cli_recipe(int argc, char **argv, const char *home);

/* 'crosswalk inspect', 'crosswalk schemas' and 'crosswalk schema show'
** (cli/inspect.c). */
int cw_cli_inspect(int argc, char **argv, const char *home);
int cw_cli_schemas(int argc, char **argv, const char *home);
int cw_cli_schema(int argc, char **argv, const char *home);

/* 'crosswalk load FILE... --into TARGET' (cli/load.c). */
int cw_cli_load(int argc, char **argv, const char *home);

/* ==== Options (cli/opts.c) ==== */

/*
** A command's options go through getopt_long(): "--opt value" and
** "--opt=value", unambiguous abbreviations of long options, short options
** grouped ("-qv"), "--" ending the options.  A command declares its
** options in a table, an option whose id is a letter being also that
** short option, and loops on cw_cli_next():
**
**     static const struct option opts[] = {
**         CW_OPTS_COMMON, {"out", required_argument, NULL, 'o'}, {0}};
**     cw_cli_args a;
**     int c;
**
**     cw_cli_args_start(&a, "cmd", usage_cmd, opts, 0, argc, argv);
**     while ((c = cw_cli_next(&a)) != CW_OPT_END)
**         switch (c) {
**         case CW_OPT_EXIT:    return a.status;  (help, version, error)
**         case CW_OPT_OPERAND: ... a.arg ...
**         case 'o':            ... a.arg ...
**         }
**
** 'argv' must be the arguments after the command's name as main() passes
** them: getopt_long() is given the name before them as its argv[0].
** -h/--help prints 'usage' on stdout and -V/--version the version, and
** -q/-v set cw_cli_talk without being returned (when the table has them:
** CW_OPTS_COMMON); a usage error is printed in the
** command's style ('full_usage': the whole usage after the message, as
** run, check, validate and convert do; else a pointer to --help), with
** the closest option when one was mistyped.
*/
enum {
    CW_OPT_END = -1,       /* no more arguments */
    CW_OPT_EXIT = -2,      /* return 'status': help or version shown, or a
                              usage error printed */
    CW_OPT_OPERAND = 1,    /* an operand, in 'arg' */
    CW_OPT_PROGRESS = 256, /* --progress */
    CW_OPT_NO_PROGRESS,    /* --no-progress */
    CW_OPT_DELIMITER,      /* --delimiter CHAR */
    CW_OPT_QUOTE,          /* --quote CHAR */
    CW_OPT_ENCODING,       /* --encoding NAME */
    CW_OPT_STRAY_QUOTES,   /* --stray-quotes keep|reject */
    CW_OPT_OWN = 300       /* a command's own long-only options from here */
};

/* Long options many commands share, for their tables. */
#define CW_OPTS_COMMON                                                         \
    {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},     \
        {"quiet", no_argument, NULL, 'q'},                                     \
    {                                                                          \
        "verbose", no_argument, NULL, 'v'                                      \
    }
#define CW_OPTS_PROGRESS                                                       \
    {"progress", no_argument, NULL, CW_OPT_PROGRESS},                          \
    {                                                                          \
        "no-progress", no_argument, NULL, CW_OPT_NO_PROGRESS                   \
    }
#define CW_OPTS_DIALECT                                                        \
    {"delimiter", required_argument, NULL, CW_OPT_DELIMITER},                  \
        {"quote", required_argument, NULL, CW_OPT_QUOTE},                      \
        {"encoding", required_argument, NULL, CW_OPT_ENCODING},                \
    {                                                                          \
        "stray-quotes", required_argument, NULL, CW_OPT_STRAY_QUOTES           \
    }

/* The parsing of one command's arguments: set by cw_cli_args_start(). */
typedef struct cw_cli_args {
    const char *cmd;               /* "run": named in messages */
    const char *usage;             /* its --help text */
    const struct option *longopts; /* its options, ended by {0} */
    int full_usage;                /* 1: errors print 'usage' whole */
    const char *arg; /* the value of the option (or the operand) last
                        returned */
    int status;      /* the exit code with CW_OPT_EXIT */
    int argc;        /* the arguments (private) */
    char **argv;     /* (private) */
    int rest;        /* 1 after "--" (private) */
    char spec[128];  /* getopt's short options (private) */
} cw_cli_args;

void cw_cli_args_start(cw_cli_args *a, const char *cmd, const char *usage,
                       const struct option *longopts, int full_usage, int argc,
                       char **argv);

/* The next option's id (its short letter, or a long-only id), an operand
** (CW_OPT_OPERAND), CW_OPT_EXIT or CW_OPT_END. */
int cw_cli_next(cw_cli_args *a);

/* Print a usage error of the command 'a' parses, in its style. */
void cw_cli_args_error(const cw_cli_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The edit distance of two names (swapping two neighbours is one edit);
** (size_t)-1 for names longer than 64 bytes. */
size_t cw_cli_distance(const char *a, size_t na, const char *b, size_t nb);

/* Of the 'count' 'names', the one closest to the 'n' bytes at 'typed'
** when it is close enough to be the one meant, else NULL. */
const char *cw_cli_closest(const char *typed, size_t n,
                           const char *const *names, size_t count);

/* "--delimiter", "--quote", "--encoding" or "--stray-quotes" for the
** option id CW_OPT_DELIMITER, CW_OPT_QUOTE, CW_OPT_ENCODING or
** CW_OPT_STRAY_QUOTES, "" for another, as cw_cli_dialect() takes them. */
const char *cw_cli_dialect_option(int id);

/* 'crosswalk ledger status|confirm|release' (cli/ledger.c), and what
** 'crosswalk run' does with --ledger and --full: set them on the run (0,
** or an exit code after printing why), print its lines after the summary's
*counts,
** and add its fields to the summary JSON object being written to 'f'
** (nothing when the run used no ledger). */
int cw_cli_ledger(int argc, char **argv, const char *home);
int cw_cli_run_ledger(cw_run *r, const char *target, int full);
void cw_cli_ledger_report(const cw_run *r, int dryrun);
void cw_cli_ledger_json(FILE *f, const cw_run *r);

/* ==== Shared by the commands (cli/print.c) ==== */

/* How much a command says on stderr: -q (errors only), the default, -v
** (more).  Set by the command from its options. */
enum { CW_TALK_QUIET, CW_TALK_NORMAL, CW_TALK_VERBOSE };
extern int cw_cli_talk;

/* "1 row", "2 rows": 'n' and the word 'one' or 'many' (printed with
** thousands unseparated), in one of four static buffers used in turn. */
const char *cw_cli_count(unsigned long long n, const char *one,
                         const char *many);

/* 1 when one of the 'argc' arguments is -h or --help. */
int cw_cli_wants_help(int argc, char **argv);

/* Print "crosswalk: <message>" and the command's 'usage'; return
** EXIT_USAGE. */
int cw_cli_usage(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print "crosswalk CMD: WHAT ARG" and a pointer to CMD's help; return
** EXIT_USAGE. */
int cw_cli_misuse(const char *cmd, const char *what, const char *arg);

/*
** The dialect options of run, validate, inspect, load and convert: when
** 'opt' is --delimiter, --quote, --encoding or --stray-quotes, set that
** field of 'd' from 'val' and return 0, or print a usage error with
** 'usage' and return EXIT_USAGE ('val' NULL, not a character, or not keep
** or reject); return -1 for any other option.  A delimiter or quote is
** one character or a name: tab (or \t), comma, semicolon, pipe, space.
** 'val' stays borrowed.
*/
int cw_cli_dialect(const char *opt, const char *val, cw_dialect *d,
                   const char *usage);

/* The exit code for the status of a library call: 0 for CW_OK, 2 for a
** usage or Lua error, 4 for a sandbox limit (CW_ELIMIT, wherever it was
** hit), 130 for an interruption, else 3. */
int cw_cli_exit_for(int status);

/* How many problems of one code a run or load reported. */
typedef struct cw_cli_code {
    char *code;           /* E_PHONE, W_FORMULA, ... */
    unsigned long long n; /* how many times */
    int warning;          /* 1 for a warning */
} cw_cli_code;

/* The problems of a run or load, printed on stderr as "file:line:col:
** code: message": every warning, and the first 'limit' rejections (none
** of them with -q, all with -v); and counted by code. */
typedef struct cw_cli_view {
    unsigned long shown; /* rejections reported */
    unsigned long limit; /* how many to print */
    cw_cli_code *codes;  /* the codes seen, in order of their names */
    size_t ncodes;       /* count of 'codes' */
} cw_cli_view;

/* A view printing the first 20 rejections (per cw_cli_talk). */
void cw_cli_view_init(cw_cli_view *v);
void cw_cli_view_free(cw_cli_view *v);

/* A cw_problem_fn printing through the cw_cli_view 'ud'. */
void cw_cli_on_problem(void *ud, const cw_problem *p);

/* Say how many rejections 'v' did not print, if any. */
void cw_cli_more(const cw_cli_view *v);

/* The first line of a summary on stderr: "read N = written W + ...",
** with "+ unprocessed U" when the run or load failed ('ok' 0). */
void cw_cli_counts(const cw_summary *s, int ok);

/* The last line of a failed run or load on stderr: where it stopped and
** what was committed ('ncommitted' outputs, listed before it). */
void cw_cli_aborted(const cw_summary *s, size_t ncommitted);

/*
** Until cw_cli_release(), call 'stop'('ud') on SIGINT, SIGTERM and SIGHUP
** (without SA_RESTART: a system call they interrupt fails with EINTR): 'stop'
** asks the library to stop, roll back and return CW_EINTR.
*/
void cw_cli_catch(void (*stop)(void *ud), void *ud);
void cw_cli_release(void);

/* The exit code of a run or load that returned CW_EINTR: 130, 143 or
** 129 after SIGINT, SIGTERM or SIGHUP. */
int cw_cli_stop_exit(void);

/* ==== Progress on stderr (cli/progress.c) ==== */

/*
** Start the clock of a run or load and choose whether to draw progress:
** 'mode' 1 (--progress) always, 0 (--no-progress) never, -1 (neither)
** only when stderr is a terminal and the command is not quiet.  The line
** is redrawn at most four times a second and erased by
** cw_cli_progress_clear() before anything else is printed on stderr.
*/
void cw_cli_progress_start(int mode);

/* A cw_progress_fn ('ud' unused) drawing the line. */
void cw_cli_on_progress(void *ud, const cw_progress *p);

/* Erase the line, if drawn (it comes back at the next draw). */
void cw_cli_progress_clear(void);

/* Erase the line for good; the statistics stay. */
void cw_cli_progress_end(void);

/* With -v, print how long the run or load took, its rows per second and
** the input's size: "took 1.52 s (812,345 rows/s), input 98.3 MB". */
void cw_cli_timing(unsigned long long rows);

/* Seconds since cw_cli_progress_start(); the input bytes reported last
** (0 when none, or unknown). */
double cw_cli_elapsed(void);
unsigned long long cw_cli_input_bytes(void);

/* ==== JSON (cli/json.c) ==== */

/*
** The version of every JSON document crosswalk prints (docs/json.md):
** raised when a field changes meaning or goes; new fields may come
** without it.
*/
#define CW_JSON_FORMAT_VERSION 1

/* Write 's' (NULL: null) to 'f' as a JSON string: quotes, backslashes
** and control bytes escaped, bytes that are not UTF-8 as U+FFFD, so that
** the document is valid JSON whatever the input held. */
void cw_cli_json_str(FILE *f, const char *s);

/* Write the codes of 'v' as two JSON objects {code: count}: the
** rejections' as "reject_codes" and the warnings' as "warning_codes",
** each key preceded by 'sep'. */
void cw_cli_json_codes(FILE *f, const cw_cli_view *v, const char *sep);

/* ==== Standard output (cli/print.c) ==== */

/*
** Output bound for standard output ("-") is written as a file first, in
** a private directory under $TMPDIR, and copied out when the command has
** succeeded: a failed command prints nothing there.
**   cw_cli_tmpdir: make that directory; its path in 'out'.  0, or -1
**                  after printing why.
**   cw_cli_cat:    copy the file 'path' to standard output: 0, EXIT_PIPE
**                  (quietly) when its reader is gone, EXIT_ABORTED after
**                  printing a write error.
**   cw_cli_rmtree: remove the directory 'dir' and the files in it.
*/
int cw_cli_tmpdir(char *out, size_t cap);
int cw_cli_cat(const char *path);
void cw_cli_rmtree(const char *dir);

/* Write the 'len' bytes at 'text' to standard output, as cw_cli_cat(). */
int cw_cli_write_stdout(const char *text, size_t len);

#endif /* CW_CLI_H */
