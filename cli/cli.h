/*
** cli.h -- commands of the crosswalk CLI that live outside main.c.
*/
#ifndef CW_CLI_H
#define CW_CLI_H

#include "crosswalk.h"

/* 'crosswalk test [RECIPE|DIR]': run recipe cases; returns an exit code. */
int cw_cli_test(int argc, char **argv, const char *home);

/* 'crosswalk inspect', 'crosswalk schemas' and 'crosswalk schema show'
** (cli/inspect.c): return an exit code. */
int cw_cli_inspect(int argc, char **argv, const char *home);
int cw_cli_schemas(int argc, char **argv, const char *home);
int cw_cli_schema(int argc, char **argv, const char *home);

/* 'crosswalk load FILE... --into TARGET' (cli/load.c). */
int cw_cli_load(int argc, char **argv, const char *home);

/* The last line of a failed run or load on stderr: where it stopped and
** what was committed ('ncommitted' outputs, listed before it). */
void cw_cli_aborted(const cw_summary *s, size_t ncommitted);

#endif /* CW_CLI_H */
