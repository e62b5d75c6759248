/*
** print.c -- what the commands of the CLI share: help and usage errors,
** the exit code of a status, problems and the summary lines of a run or
** load, and the signals that stop one.
*/
#include "cli.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cw_cli_wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    return 0;
}

int cw_cli_usage(const char *usage, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "crosswalk: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n\n%s", usage);
    return EXIT_USAGE;
}

int cw_cli_misuse(const char *cmd, const char *what, const char *arg)
{
    fprintf(stderr, "crosswalk %s: %s%s\n(see 'crosswalk %s --help')\n", cmd,
            what, arg, cmd);
    return EXIT_USAGE;
}

int cw_cli_dialect(const char *opt, const char *val, cw_dialect *d,
                   const char *usage)
{
    static const struct {
        const char *name;
        char c;
    } names[] = {{"tab", '\t'},      {"\\t", '\t'}, {"comma", ','},
                 {"semicolon", ';'}, {"pipe", '|'}, {"space", ' '}};
    int quote = strcmp(opt, "--quote") == 0;
    char *c = quote ? &d->quote : &d->delimiter;

    if (!quote && strcmp(opt, "--delimiter") != 0 &&
        strcmp(opt, "--encoding") != 0)
        return -1;
    if (val == NULL)
        return cw_cli_usage(usage, "%s needs a value", opt);
    if (strcmp(opt, "--encoding") == 0) {
        d->encoding = val;
        return 0;
    }
    if (strlen(val) == 1) {
        *c = val[0];
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(val, names[i].name) == 0) {
            *c = names[i].c;
            return 0;
        }
    return cw_cli_usage(usage,
                        "%s needs one character, or tab, comma, semicolon, "
                        "pipe or space; got '%s'",
                        opt, val);
}

int cw_cli_exit_for(int status)
{
    switch (status) {
    case CW_OK:
        return EXIT_CLEAN;
    case CW_EUSAGE:
    case CW_ELUA:
        return EXIT_USAGE;
    case CW_ELIMIT:
        return EXIT_SANDBOX;
    case CW_EINTR:
        return cw_cli_stop_exit();
    default:
        return EXIT_ABORTED;
    }
}

/* Print a problem on stderr as "file:line:col: code: message", every
** part escaped and cut by cw_safe_text(): the input's bytes may hold
** anything, terminal escapes included. */
static void print_problem(const cw_problem *p)
{
    const char *file = p->file ? p->file : "-";
    char f[CW_MSG_MAX + 1], c[CW_MSG_MAX + 1], m[CW_MSG_MAX + 1];

    cw_safe_text(f, sizeof f, file, strlen(file));
    cw_safe_text(c, sizeof c, p->code, strlen(p->code));
    cw_safe_text(m, sizeof m, p->message, strlen(p->message));
    fprintf(stderr, "%s:%lu:%lu: %s: %s\n", f, p->line, p->col, c, m);
}

void cw_cli_on_problem(void *ud, const cw_problem *p)
{
    cw_cli_view *v = ud;

    if (p->warning) {
        fprintf(stderr, "warning: ");
        print_problem(p);
        return;
    }
    if (v->shown++ < v->limit)
        print_problem(p);
}

void cw_cli_more(const cw_cli_view *v)
{
    if (v->shown > v->limit)
        fprintf(stderr, "... and %lu more rejected records\n",
                v->shown - v->limit);
}

void cw_cli_counts(const cw_summary *s, int ok)
{
    if (s->ledger) { /* a ledger adds a term: rows delivered before */
        fprintf(stderr,
                "read %llu = written %llu + rejected %llu + filtered %llu "
                "+ merged %llu + sent_before %llu",
                s->read, s->written, s->rejected, s->filtered, s->merged,
                s->sent_before);
        if (!ok)
            fprintf(stderr, " + unprocessed %llu", s->unprocessed);
        fputc('\n', stderr);
        return;
    }
    if (ok)
        fprintf(stderr,
                "read %llu = written %llu + rejected %llu + filtered %llu "
                "+ merged %llu\n",
                s->read, s->written, s->rejected, s->filtered, s->merged);
    else
        fprintf(stderr,
                "read %llu = written %llu + rejected %llu + filtered %llu "
                "+ merged %llu + unprocessed %llu\n",
                s->read, s->written, s->rejected, s->filtered, s->merged,
                s->unprocessed);
}

void cw_cli_aborted(const cw_summary *s, size_t ncommitted)
{
    const char *rest = "nothing was committed";

    if (s->commit_unknown)
        rest = "whether a database commit went through is unknown (see "
               "the message above); nothing else was committed";
    else if (ncommitted > 0)
        rest = "nothing else was committed";
    fprintf(stderr, "aborted%s%s; %s\n", s->stopped_at ? " at " : "",
            s->stopped_at ? s->stopped_at : "", rest);
}

/* ==== Signals ==== */

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction saved[3];      /* actions before cw_cli_catch() */
static void (*stop_fn)(void *);        /* what a signal calls */
static void *stop_ud;                  /* its argument */
static volatile sig_atomic_t received; /* the last signal caught */

static void on_stop_signal(int sig)
{
    received = sig;
    if (stop_fn != NULL)
        stop_fn(stop_ud);
}

void cw_cli_catch(void (*stop)(void *ud), void *ud)
{
    struct sigaction sa;

    stop_fn = stop;
    stop_ud = ud;
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    for (size_t i = 0; i < 3; i++)
        sigaction(stop_signals[i], &sa, &saved[i]);
}

void cw_cli_release(void)
{
    for (size_t i = 0; i < 3; i++)
        sigaction(stop_signals[i], &saved[i], NULL);
    stop_fn = NULL;
    stop_ud = NULL;
}

int cw_cli_stop_exit(void)
{
    if (received == SIGTERM)
        return EXIT_TERMINATED;
    if (received == SIGHUP)
        return EXIT_HANGUP;
    return EXIT_INTERRUPT;
}
