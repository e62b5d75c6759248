/*
** cli.h -- commands of the crosswalk CLI that live outside main.c.
*/
#ifndef CW_CLI_H
#define CW_CLI_H

#include "crosswalk.h"

/* 'crosswalk test [RECIPE|DIR]': run recipe cases; returns an exit code. */
int cw_cli_test(int argc, char **argv, const char *home);

#endif /* CW_CLI_H */
