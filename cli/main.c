/*
** main.c -- the crosswalk command line: dispatches to the command files
** (cli.h).  Nothing else: the library finds the home directory.
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    "  recipe info RECIPE           a recipe's inputs, outputs, parameters\n"
    "  load FILE... --into TARGET   load files into typed database tables\n"
    "  inspect FILE                 what is this file? dialect, schema\n"
    "  schemas                      list the known formats\n"
    "  schema show NAME             the columns of one format\n"
    "  ledger status|confirm|release  what runs delivered (run --ledger)\n"
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
    "lua/ (default: the build tree's source, or PREFIX/share/crosswalk of\n"
    "the install this program is in, wherever it was moved).\n";

/* The commands, by name. */
static const struct command {
    const char *name;
    int (*run)(int argc, char **argv, const char *home);
} commands[] = {
    {"run", cw_cli_run},           {"check", cw_cli_check},
    {"validate", cw_cli_validate}, {"convert", cw_cli_convert},
    {"load", cw_cli_load},         {"inspect", cw_cli_inspect},
    {"schemas", cw_cli_schemas},   {"schema", cw_cli_schema},
    {"test", cw_cli_test},         {"recipe", cw_cli_recipe},
    {"ledger", cw_cli_ledger},
};

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
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            /* no home: the library's own (crosswalk.h, cw_run_home):
            ** $CROSSWALK_HOME, else the tree this program was built from
            ** when run from its build directory, else the installed one */
            return commands[i].run(argc - 2, argv + 2, NULL);
    return cw_cli_usage(usage_main, "unknown command '%s'", cmd);
}
