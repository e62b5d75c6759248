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
    "  test [--bless] [TARGET...]   run recipes' test cases\n"
    "  recipe info RECIPE           a recipe's inputs, outputs, parameters\n"
    "  load FILE... --into TARGET   load files into typed database tables\n"
    "  inspect FILE                 what is this file? dialect, schema\n"
    "  schemas                      list the known formats\n"
    "  schema show NAME             the columns of one format\n"
    "  ledger status|confirm|release  what runs delivered (run --ledger)\n"
    "\n"
    "options:\n"
    "  -h, --help     show help (also 'crosswalk COMMAND --help')\n"
    "  -V, --version  print the version (also 'crosswalk COMMAND -V')\n"
    "\n"
    "Options take their value as '--opt VALUE' or '--opt=VALUE'; a long\n"
    "option may be shortened while it stays unambiguous; '--' ends the\n"
    "options.  -q (--quiet) prints errors only, -v (--verbose) more.  run\n"
    "and load draw a progress line on stderr when it is a terminal\n"
    "(--progress: always, --no-progress: never).  '-' as an output is\n"
    "standard output: 'convert IN - --to ndjson', 'run --out-dir -' (a\n"
    "recipe with one file output), '--summary-json -'.  validate and\n"
    "inspect print JSON with --json (docs/json.md).\n"
    "\n"
    "exit codes: 0 all records written; 1 finished with rejects (or, for\n"
    "validate, problems found); 2 usage or recipe error, nothing read;\n"
    "3 aborted mid-run, outputs rolled back; 4 recipe sandbox limit hit;\n"
    "130 interrupted; 141 standard output closed by its reader.\n"
    "\n"
    "environment: CROSSWALK_HOME names the directory holding schemas/ and\n"
    "lua/ (default: the build tree's source, or PREFIX/share/crosswalk of\n"
    "the install this program is in, wherever it was moved).  TMPDIR\n"
    "(default /tmp) holds standard output until a command succeeds, and\n"
    "the batches an upsert into an empty PostgreSQL table keeps to send\n"
    "again (up to 32 MiB, in an unlinked file).\n";

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

#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* An unknown command or option 'arg': say so, with the closest one. */
static int unknown(const char *arg)
{
    static const char *const options[] = {"--help", "--version"};
    const char *names[NCOMMANDS], *near;
    size_t n = strlen(arg);

    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    if (arg[0] == '-') {
        near = cw_cli_closest(arg, n, options, 2);
        if (near != NULL)
            return cw_cli_usage(usage_main,
                                "unknown option '%s' (did you mean '%s'?)", arg,
                                near);
        return cw_cli_usage(usage_main, "unknown option '%s'", arg);
    }
    near = cw_cli_closest(arg, n, names, NCOMMANDS);
    if (near != NULL)
        return cw_cli_usage(
            usage_main, "unknown command '%s' (did you mean '%s'?)", arg, near);
    return cw_cli_usage(usage_main, "unknown command '%s'", arg);
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
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0 ||
        strcmp(cmd, "version") == 0) {
        printf("crosswalk %s\n", cw_version());
        return EXIT_CLEAN;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            /* no home: the library's own (crosswalk.h, cw_run_home):
            ** $CROSSWALK_HOME, else the tree this program was built from
            ** when run from its build directory, else the installed one */
            return commands[i].run(argc - 2, argv + 2, NULL);
    return unknown(cmd);
}
