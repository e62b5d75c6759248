/*
** print.c -- what the commands of the CLI share: help and usage errors,
** the exit code of a status, problems and the summary lines of a run or
** load, the signals that stop one, and output bound for standard output.
*/
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cw_cli_talk = CW_TALK_NORMAL;

const char *cw_cli_count(unsigned long long n, const char *one,
                         const char *many)
{
    static char buf[4][96];
    static int next;
    char *b = buf[next++ % 4];

    snprintf(b, sizeof buf[0], "%llu %s", n, n == 1 ? one : many);
    return b;
}

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
        strcmp(opt, "--encoding") != 0 && strcmp(opt, "--stray-quotes") != 0)
        return -1;
    if (val == NULL)
        return cw_cli_usage(usage, "%s needs a value", opt);
    if (strcmp(opt, "--stray-quotes") == 0) {
        if (strcmp(val, "keep") == 0)
            d->stray_quotes = CW_STRAY_KEEP;
        else if (strcmp(val, "reject") == 0)
            d->stray_quotes = CW_STRAY_REJECT;
        else
            return cw_cli_usage(usage,
                                "--stray-quotes needs keep (a quote inside "
                                "an unquoted field is data) or reject; got "
                                "'%s'",
                                val);
        return 0;
    }
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

void cw_cli_view_init(cw_cli_view *v)
{
    v->shown = 0;
    v->limit = cw_cli_talk == CW_TALK_QUIET     ? 0
               : cw_cli_talk == CW_TALK_VERBOSE ? ULONG_MAX
                                                : 20;
    v->codes = NULL;
    v->ncodes = 0;
}

void cw_cli_view_free(cw_cli_view *v)
{
    for (size_t i = 0; i < v->ncodes; i++)
        free(v->codes[i].code);
    free(v->codes);
    v->codes = NULL;
    v->ncodes = 0;
}

/* Count one problem of 'code' in 'v' (kept in order of the codes' names;
** out of memory, it goes uncounted). */
static void tally(cw_cli_view *v, const char *code, int warning)
{
    size_t at = v->ncodes;
    cw_cli_code *nv;
    char *copy;

    for (size_t i = 0; i < v->ncodes; i++) {
        int cmp = strcmp(v->codes[i].code, code);

        if (v->codes[i].warning != warning)
            continue;
        if (cmp == 0) {
            v->codes[i].n++;
            return;
        }
        if (cmp > 0 && at == v->ncodes)
            at = i;
    }
    if ((nv = realloc(v->codes, (v->ncodes + 1) * sizeof *nv)) == NULL)
        return;
    v->codes = nv;
    if ((copy = strdup(code)) == NULL)
        return;
    memmove(nv + at + 1, nv + at, (v->ncodes - at) * sizeof *nv);
    nv[at] = (cw_cli_code){copy, 1, warning};
    v->ncodes++;
}

void cw_cli_on_problem(void *ud, const cw_problem *p)
{
    cw_cli_view *v = ud;

    tally(v, p->code, p->warning);
    if (p->warning) {
        if (cw_cli_talk == CW_TALK_QUIET)
            return;
        cw_cli_progress_clear();
        fprintf(stderr, "warning: ");
        print_problem(p);
        return;
    }
    if (v->shown++ < v->limit) {
        cw_cli_progress_clear();
        print_problem(p);
    }
}

void cw_cli_more(const cw_cli_view *v)
{
    if (v->shown > v->limit && cw_cli_talk != CW_TALK_QUIET)
        fprintf(stderr, "... and %s\n",
                cw_cli_count(v->shown - v->limit, "more rejected record",
                             "more rejected records"));
}

void cw_cli_counts(const cw_summary *s, int ok)
{
    if (cw_cli_talk == CW_TALK_QUIET)
        return;
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

/* ==== Standard output ==== */

int cw_cli_tmpdir(char *out, size_t cap)
{
    const char *tmp = getenv("TMPDIR");

    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    if ((size_t)snprintf(out, cap, "%s/crosswalk-stdout.XXXXXX", tmp) >= cap) {
        fprintf(stderr, "crosswalk: $TMPDIR is too long\n");
        return -1;
    }
    if (mkdtemp(out) == NULL) {
        fprintf(stderr,
                "crosswalk: cannot make a temp directory in %s (for "
                "standard output): %s\n",
                tmp, strerror(errno));
        return -1;
    }
    return 0;
}

/* Write 'len' bytes at 'p' to standard output: 0, or the errno. */
static int put_stdout(const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The exit code after a failed write to standard output with 'e'. */
static int stdout_failed(int e)
{
    if (e == EPIPE)
        return EXIT_PIPE;
    fprintf(stderr, "crosswalk: standard output: %s\n", strerror(e));
    return EXIT_ABORTED;
}

/*
** Write to standard output with SIGPIPE ignored, so that a reader gone
** away is an EPIPE the command can clean up after.
*/
static int write_stdout_with(int (*fn)(void *ud), void *ud)
{
    struct sigaction ign, old;
    int e;

    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    ign.sa_flags = 0;
    fflush(stdout);
    sigaction(SIGPIPE, &ign, &old);
    e = fn(ud);
    sigaction(SIGPIPE, &old, NULL);
    return e == 0 ? 0 : stdout_failed(e);
}

typedef struct span {
    const char *p;
    size_t len;
} span;

static int put_span(void *ud)
{
    const span *s = ud;

    return put_stdout(s->p, s->len);
}

int cw_cli_write_stdout(const char *text, size_t len)
{
    span s = {text, len};

    return write_stdout_with(put_span, &s);
}

/* Copy the open file 'ud' (an int *) to standard output: 0 or errno. */
static int put_file(void *ud)
{
    int fd = *(int *)ud;
    char buf[65536];

    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        int e;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return 0;
        if ((e = put_stdout(buf, (size_t)n)) != 0)
            return e;
    }
}

int cw_cli_cat(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

    if (fd < 0) {
        fprintf(stderr, "crosswalk: %s: %s\n", path, strerror(errno));
        return EXIT_ABORTED;
    }
    rc = write_stdout_with(put_file, &fd);
    close(fd);
    return rc;
}

void cw_cli_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_MAX];

    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}
