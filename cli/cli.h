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

/* The exit codes of the other signals that stop a run or load. */
enum {
    EXIT_HANGUP = 129,    /* stopped by SIGHUP */
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
** 'opt' is --delimiter, --quote or --encoding, set that field of 'd' from
** 'val' and return 0, or print a usage error with 'usage' and return
** EXIT_USAGE ('val' NULL, or not a character); return -1 for any other
** option.  A delimiter or quote is one character or a name: tab (or \t),
** comma, semicolon, pipe, space.  'val' stays borrowed.
*/
int cw_cli_dialect(const char *opt, const char *val, cw_dialect *d,
                   const char *usage);

/* The exit code for the status of a library call: 0 for CW_OK, 2 for a
** usage or Lua error, 4 for a sandbox limit (CW_ELIMIT, wherever it was
** hit), 130 for an interruption, else 3. */
int cw_cli_exit_for(int status);

/* The problems of a run or load, printed on stderr as "file:line:col:
** code: message": every warning, and the first 'limit' rejections. */
typedef struct cw_cli_view {
    unsigned long shown; /* rejections reported */
    unsigned long limit; /* how many to print */
} cw_cli_view;

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

#endif /* CW_CLI_H */
