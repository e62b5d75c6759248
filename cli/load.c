/*
** load.c -- 'crosswalk load'.  Placeholder until the command lands.
*/
#include "cli.h"

#include <stdio.h>

int cw_cli_load(int argc, char **argv, const char *home)
{
    (void)argc;
    (void)argv;
    (void)home;
    fputs("crosswalk: load is not implemented yet\n", stderr);
    return 2;
}
