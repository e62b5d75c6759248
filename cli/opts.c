/*
** opts.c -- the options of every command, through getopt_long: --opt=value
** and --opt value, -h/--help and -V/--version anywhere, '--' ending the
** options, and usage errors that name the closest option when one is
** mistyped.
*/
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== Usage errors ==== */

void cw_cli_args_error(const cw_cli_args *a, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (a->full_usage)
        cw_cli_usage(a->usage, "%s", msg);
    else
        cw_cli_misuse(a->cmd, msg, "");
}

/* ==== The closest name ==== */

size_t cw_cli_distance(const char *a, size_t na, const char *b, size_t nb)
{
    /* Optimal string alignment: insertions, deletions, substitutions and
    ** swaps of two neighbours each cost 1.  Three rows of at most 64. */
    size_t rows[3][65], *pp = rows[0], *p = rows[1], *c = rows[2];

    if (na > 64 || nb > 64)
        return (size_t)-1;
    for (size_t j = 0; j <= nb; j++)
        p[j] = j;
    for (size_t i = 1; i <= na; i++) {
        c[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t d = p[j] + 1;

            if (c[j - 1] + 1 < d)
                d = c[j - 1] + 1;
            if (p[j - 1] + cost < d)
                d = p[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && pp[j - 2] + 1 < d)
                d = pp[j - 2] + 1;
            c[j] = d;
        }
        {
            size_t *t = pp;

            pp = p;
            p = c;
            c = t;
        }
    }
    return p[nb];
}

const char *cw_cli_closest(const char *typed, size_t n,
                           const char *const *names, size_t count)
{
    /* Close enough to be the one meant: one edit for a short name, two
    ** for a longer one, three for a long one. */
    size_t most = n <= 4 ? 1 : n <= 9 ? 2 : 3, best = most + 1;
    const char *found = NULL;

    for (size_t i = 0; i < count; i++) {
        size_t d = cw_cli_distance(typed, n, names[i], strlen(names[i]));

        if (d < best) {
            best = d;
            found = names[i];
        }
    }
    return found;
}

/* The long option of 'a' that 'name' ('n' bytes, no "--") is closest to,
** or NULL. */
static const char *closest_option(const cw_cli_args *a, const char *name,
                                  size_t n)
{
    const char *names[64];
    size_t count = 0;

    for (const struct option *o = a->longopts; o->name != NULL && count < 64;
         o++)
        names[count++] = o->name;
    return cw_cli_closest(name, n, names, count);
}

/* ==== Parsing ==== */

/* The long option of 'a' whose id is 'val', or NULL. */
static const struct option *option_of(const cw_cli_args *a, int val)
{
    for (const struct option *o = a->longopts; o->name != NULL; o++)
        if (o->val == val)
            return o;
    return NULL;
}

/* Report the bad long option 'text' ("--name" or "--name=value"). */
static void bad_long(const cw_cli_args *a, const char *text)
{
    const char *name = text + 2, *eq = strchr(name, '=');
    size_t n = eq != NULL ? (size_t)(eq - name) : strlen(name);
    const struct option *match[16];
    size_t nmatch = 0;
    char list[512] = "";
    const char *near;

    for (const struct option *o = a->longopts; o->name != NULL; o++) {
        if (strncmp(o->name, name, n) != 0)
            continue;
        if (strlen(o->name) == n) { /* the option itself: a value given */
            cw_cli_args_error(a, "--%s takes no value", o->name);
            return;
        }
        if (nmatch < 16)
            match[nmatch++] = o;
    }
    if (nmatch > 1) {
        for (size_t i = 0; i < nmatch; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s--%s",
                     i ? ", " : "", match[i]->name);
        cw_cli_args_error(a, "option '--%.*s' is ambiguous: %s", (int)n, name,
                          list);
        return;
    }
    near = closest_option(a, name, n);
    if (near != NULL)
        cw_cli_args_error(a, "unknown option '%.*s' (did you mean '--%s'?)",
                          (int)(name - text + n), text, near);
    else
        cw_cli_args_error(a, "unknown option '%.*s'", (int)(name - text + n),
                          text);
}

/* Report the bad short option 'c', met in the argument 'text'. */
static void bad_short(const cw_cli_args *a, int c, const char *text)
{
    const char *name = text[0] == '-' ? text + 1 : text;
    const char *eq = strchr(name, '=');
    size_t n = eq != NULL ? (size_t)(eq - name) : strlen(name);
    const char *near = NULL;

    /* "-out-dir": a long option written with one dash */
    if (n > 1 && name[0] != '-') {
        for (const struct option *o = a->longopts; o->name != NULL; o++)
            if (strlen(o->name) == n && strncmp(o->name, name, n) == 0)
                near = o->name;
        if (near == NULL)
            near = closest_option(a, name, n);
    }
    if (near != NULL)
        cw_cli_args_error(a, "unknown option '%.*s' (did you mean '--%s'?)",
                          (int)(name - text + n), text, near);
    else if (c > 0x20 && c < 0x7F)
        cw_cli_args_error(a, "unknown option '-%c'", c);
    else
        cw_cli_args_error(a, "unknown option '%s'", text);
}

void cw_cli_args_start(cw_cli_args *a, const char *cmd, const char *usage,
                       const struct option *longopts, int full_usage, int argc,
                       char **argv)
{
    size_t k = 0;

    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->usage = usage;
    a->longopts = longopts;
    a->full_usage = full_usage;
    a->argc = argc;
    a->argv = argv;
    /* '-': operands come back in order, as option 1, whatever
    ** POSIXLY_CORRECT says; ':': a missing value is told apart.  Then
    ** the options whose id is a letter, as short options. */
    a->spec[k++] = '-';
    a->spec[k++] = ':';
    for (const struct option *o = longopts; o->name != NULL; o++) {
        if (o->val <= ' ' || o->val >= 0x7F || k + 3 > sizeof a->spec)
            continue;
        a->spec[k++] = (char)o->val;
        if (o->has_arg == required_argument)
            a->spec[k++] = ':';
    }
    a->spec[k] = '\0';
    opterr = 0;
    optind = 0; /* glibc: start over, as for a new argv */
}

int cw_cli_next(cw_cli_args *a)
{
    /* getopt_long() takes argv[0] for the program: the element before
    ** 'argv', the command's name, as main() passes them. */
    char **argv = a->argv - 1;
    int argc = a->argc + 1, before, c;

    a->arg = NULL;
    if (a->rest) { /* after "--": operands only */
        if (optind >= argc)
            return CW_OPT_END;
        a->arg = argv[optind++];
        return CW_OPT_OPERAND;
    }
    before = optind == 0 ? 1 : optind;
    c = getopt_long(argc, argv, a->spec, a->longopts, NULL);
    a->arg = optarg;
    switch (c) {
    case -1:
        /* "--" ends the options; the rest are operands */
        a->rest = 1;
        return cw_cli_next(a);
    case 1:
        return CW_OPT_OPERAND;
    case 'h':
        fputs(a->usage, stdout);
        a->status = EXIT_CLEAN;
        return CW_OPT_EXIT;
    case 'V':
        printf("crosswalk %s\n", cw_version());
        a->status = EXIT_CLEAN;
        return CW_OPT_EXIT;
    case 'q': /* -q and -v set how much every command prints */
        cw_cli_talk = CW_TALK_QUIET;
        return cw_cli_next(a);
    case 'v':
        cw_cli_talk = CW_TALK_VERBOSE;
        return cw_cli_next(a);
    case ':': {
        const struct option *o = option_of(a, optopt);
        const char *text = before < argc ? argv[before] : "";

        if (strncmp(text, "--", 2) == 0 && o != NULL)
            cw_cli_args_error(a, "--%s needs a value", o->name);
        else
            cw_cli_args_error(a, "-%c needs a value", optopt);
        a->status = EXIT_USAGE;
        return CW_OPT_EXIT;
    }
    case '?': {
        const char *text = before < argc ? argv[before] : "";

        if (strncmp(text, "--", 2) == 0)
            bad_long(a, text);
        else
            bad_short(a, optopt, text);
        a->status = EXIT_USAGE;
        return CW_OPT_EXIT;
    }
    default:
        return c;
    }
}

/* ==== Dialects ==== */

const char *cw_cli_dialect_option(int id)
{
    switch (id) {
    case CW_OPT_DELIMITER:
        return "--delimiter";
    case CW_OPT_QUOTE:
        return "--quote";
    case CW_OPT_ENCODING:
        return "--encoding";
    case CW_OPT_STRAY_QUOTES:
        return "--stray-quotes";
    default:
        return "";
    }
}
