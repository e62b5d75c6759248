/*
** inspect.c -- 'crosswalk inspect', 'schemas' and 'schema show'.
** Placeholder until the commands land.
*/
#include "cli.h"

#include <stdio.h>

int cw_cli_inspect(int argc, char **argv, const char *home)
{
    (void)argc;
    (void)argv;
    (void)home;
    fputs("crosswalk: inspect is not implemented yet\n", stderr);
    return 2;
}

int cw_cli_schemas(int argc, char **argv, const char *home)
{
    return cw_cli_inspect(argc, argv, home);
}

int cw_cli_schema(int argc, char **argv, const char *home)
{
    return cw_cli_inspect(argc, argv, home);
}
