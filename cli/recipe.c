/*
** recipe.c -- 'crosswalk recipe info NAME|PATH': what a recipe is for,
** what it reads and writes, and its parameters, from the recipe itself
** (its name, description and 'params' table) and its folder's README.md.
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_recipe[] =
    "usage: crosswalk recipe info RECIPE [--set KEY=VALUE]...\n"
    "\n"
    "Describe RECIPE (a recipe file, a recipe folder, or the name of a\n"
    "recipe in the home's pipelines/, as for 'crosswalk run'): its name\n"
    "and description, its file and folder, its inputs with their schemas\n"
    "(and the main input's 'since' column), its outputs (with their 'key'),\n"
    "its 'ledger' (a password shown as ***), its parameters with the\n"
    "descriptions of its 'params' table, and the first paragraph of the\n"
    "folder's README.md.  The recipe is loaded as 'crosswalk check' loads\n"
    "it; --set gives parameters that change its inputs or outputs (or\n"
    "that it needs to load).\n"
    "exit: 0 described, 2 usage error or a recipe that does not load,\n"
    "4 it hit a sandbox limit while loading.\n";

/* Text width of the descriptions, and the widest key column. */
enum { WIDTH = 78, KEYMAX = 18 };

/*
** Print 'text' wrapped at WIDTH, its first line after 'col' characters
** already printed, every other line indented by 'indent' spaces.  Runs
** of spaces and newlines are one space.
*/
static void wrap(const char *text, int col, int indent)
{
    const char *p = text;

    while (*p != '\0') {
        size_t n;

        while (*p == ' ' || *p == '\n' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        n = strcspn(p, " \n\t");
        if (col > indent && col + 1 + (int)n > WIDTH) {
            printf("\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            putchar(' ');
            col++;
        }
        printf("%.*s", (int)n, p);
        col += (int)n;
        p += n;
    }
    putchar('\n');
}

/* Print "  KEY  text" rows: the key padded to 'keyw', the text wrapped
** beside it, or on the next line when the key is wider. */
static void row(const char *key, const char *text, int keyw)
{
    int col = printf("  %s", key);

    if (text == NULL || text[0] == '\0') {
        putchar('\n');
        return;
    }
    if ((int)strlen(key) > keyw) {
        printf("\n%*s", keyw + 4, "");
        col = keyw + 4;
    } else {
        printf("%*s", keyw + 4 - col, "");
        col = keyw + 4;
    }
    wrap(text, col, keyw + 4);
}

/* The first paragraph of 'folder'/README.md, after its headings, printed
** indented; nothing when there is no such file. */
static void readme(const char *folder)
{
    char path[4200], line[1024];
    int started = 0;
    FILE *f;

    if ((size_t)snprintf(path, sizeof path, "%s/README.md", folder) >=
            sizeof path ||
        (f = fopen(path, "r")) == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        size_t n = strcspn(line, "\r\n");
        int blank = strspn(line, " \t\r\n") == strlen(line);

        line[n] = '\0';
        if (!started && (blank || line[0] == '#'))
            continue;
        if (started && (blank || line[0] == '#'))
            break;
        if (!started)
            printf("\nREADME.md:\n");
        started = 1;
        printf("  %s\n", line);
    }
    fclose(f);
}

/* The width of the key column for 'n' keys got by 'key'(r, i). */
static int keywidth(const cw_run *r, const char *(*key)(const cw_run *, size_t))
{
    int w = 0;
    const char *k;

    for (size_t i = 0; (k = key(r, i)) != NULL; i++)
        if ((int)strlen(k) > w && (int)strlen(k) <= KEYMAX)
            w = (int)strlen(k);
    return w;
}

/* Parameter 'i''s name (for keywidth). */
static const char *param_key(const cw_run *r, size_t i)
{
    return cw_run_param_decl(r, i, NULL);
}

/* Input 'i''s name (for keywidth). */
static const char *input_key(const cw_run *r, size_t i)
{
    return cw_run_input_name(r, i, NULL);
}

/* Output 'i''s name (for keywidth). */
static const char *output_key(const cw_run *r, size_t i)
{
    return cw_run_output_decl(r, i, NULL, NULL, NULL);
}

/* Print what the loaded recipe 'r', named 'given', declares. */
static void describe(const cw_run *r, const char *given)
{
    const char *name = cw_run_recipe_name(r);
    const char *desc = cw_run_recipe_description(r);
    const char *folder = cw_run_recipe_folder(r);
    const char *k, *doc, *path, *table, *schema, *since, *ledger;
    char text[600];
    int w;

    if (desc != NULL) {
        int col = printf("%s:", name != NULL ? name : given);

        wrap(desc, col, 2);
    } else {
        printf("%s\n", name != NULL ? name : given);
    }
    if (folder != NULL)
        printf("folder: %s\n", folder);
    else
        printf("file: %s\n", cw_run_recipe_file(r));

    printf("\ninputs (--input [NAME=]PATH):\n");
    w = keywidth(r, input_key);
    for (size_t i = 0; (k = cw_run_input_name(r, i, NULL)) != NULL; i++) {
        int ismain;

        (void)cw_run_input_name(r, i, &ismain);
        schema = cw_run_input_schema(r, i);
        since = cw_run_input_since(r, i);
        snprintf(text, sizeof text, "%s%s%s%s%s", ismain ? "(main) " : "",
                 schema != NULL ? "schema " : "any header",
                 schema != NULL ? schema : "", since != NULL ? ", since " : "",
                 since != NULL ? since : "");
        row(k, text, w);
    }

    printf("outputs:\n");
    w = keywidth(r, output_key);
    for (size_t i = 0;
         (k = cw_run_output_decl(r, i, &path, &table, &schema)) != NULL; i++) {
        const char *const *key;
        size_t nkey = cw_run_output_key(r, i, &key);
        int n = snprintf(
            text, sizeof text, "%s %s%s%s", path != NULL ? "file" : "table",
            path != NULL ? path : table, schema != NULL ? ", schema " : "",
            schema != NULL ? schema : "");

        for (size_t j = 0; j < nkey && n > 0 && (size_t)n < sizeof text; j++)
            n += snprintf(text + n, sizeof text - (size_t)n, "%s%s",
                          j == 0 ? ", key " : " ", key[j]);
        row(k, text, w);
    }
    if ((ledger = cw_run_recipe_ledger(r)) != NULL) {
        cw_redact(text, sizeof text, ledger);
        printf("ledger: %s (--ledger replaces it)\n", text);
    }

    if (cw_run_param_decl(r, 0, NULL) == NULL) {
        printf("parameters: none\n");
    } else {
        printf("parameters (--set KEY=VALUE):\n");
        w = keywidth(r, param_key);
        for (size_t i = 0; (k = cw_run_param_decl(r, i, &doc)) != NULL; i++)
            row(k, doc != NULL ? doc : "(no description)", w);
    }
    if (folder != NULL)
        readme(folder);
}

/* 'crosswalk recipe info RECIPE [--set KEY=VALUE]...'. */
static int info(int argc, char **argv, const char *home)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"set", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    const char *given = NULL;
    cw_run *r = NULL;
    cw_cli_args a;
    cw_err err;
    int c, code = EXIT_CLEAN, status;

    if (cw_run_new(&r, &err) != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        return EXIT_ABORTED;
    }
    cw_cli_args_start(&a, "recipe info", usage_recipe, opts, 0, argc, argv);
    while ((c = cw_cli_next(&a)) != CW_OPT_END) {
        if (c == CW_OPT_EXIT) {
            code = a.status;
            goto out;
        }
        if (c == 's') {
            const char *eq = strchr(a.arg, '=');
            char key[256];

            if (eq == NULL || eq == a.arg ||
                (size_t)(eq - a.arg) >= sizeof key) {
                cw_cli_args_error(&a, "--set needs KEY=VALUE, got '%s'", a.arg);
                code = EXIT_USAGE;
                goto out;
            }
            memcpy(key, a.arg, (size_t)(eq - a.arg));
            key[eq - a.arg] = '\0';
            if (cw_run_param(r, key, eq + 1) != CW_OK) {
                fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
                code = EXIT_USAGE;
                goto out;
            }
        } else if (c == CW_OPT_OPERAND && given == NULL) {
            given = a.arg;
        } else if (c == CW_OPT_OPERAND) {
            cw_cli_args_error(&a, "unexpected argument '%s'", a.arg);
            code = EXIT_USAGE;
            goto out;
        }
    }
    if (given == NULL) {
        code = cw_cli_usage(usage_recipe, "%s", "no recipe given");
        goto out;
    }
    cw_run_home(r, home);
    status = cw_run_load(r, given);
    if (status != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
        code = status == CW_ELIMIT ? EXIT_SANDBOX : EXIT_USAGE;
        goto out;
    }
    describe(r, given);
out:
    cw_run_free(r);
    return code;
}

int cw_cli_recipe(int argc, char **argv, const char *home)
{
    if (argc == 0)
        return cw_cli_usage(usage_recipe, "%s",
                            "no subcommand given (recipe info RECIPE)");
    if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0 ||
        cw_cli_wants_help(argc, argv)) {
        fputs(usage_recipe, stdout);
        return EXIT_CLEAN;
    }
    if (strcmp(argv[0], "info") == 0)
        return info(argc - 1, argv + 1, home);
    return cw_cli_usage(usage_recipe, "unknown subcommand '%s'", argv[0]);
}
