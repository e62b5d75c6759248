/*
** progress.c -- the progress line of a run or load on stderr: how much of
** the input is read (a percent when its size is known), the rows, the
** rows per second and the time left.  Drawn only on a terminal unless
** asked for, at most four times a second, on one line rewritten in place
** with a carriage return, and erased before anything else is printed.
** No colour and no terminal escapes: a carriage return and spaces work
** on every terminal.
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define REDRAW 0.25 /* seconds between two draws, at least */

static struct {
    int on;                   /* draw the line */
    struct timespec start;    /* when the run or load started */
    double last;              /* when the line was drawn last, or -1 */
    size_t shown;             /* bytes of the line on the screen, 0: none */
    unsigned long long bytes; /* the input bytes reported last */
} pr = {0, {0, 0}, -1, 0, 0};

void cw_cli_progress_start(int mode)
{
    clock_gettime(CLOCK_MONOTONIC, &pr.start);
    pr.last = -1;
    pr.shown = 0;
    pr.bytes = 0;
    if (mode >= 0)
        pr.on = mode;
    else
        pr.on = cw_cli_talk != CW_TALK_QUIET && isatty(STDERR_FILENO);
}

double cw_cli_elapsed(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - pr.start.tv_sec) +
           (double)(now.tv_nsec - pr.start.tv_nsec) / 1e9;
}

unsigned long long cw_cli_input_bytes(void)
{
    return pr.bytes;
}

/* ==== Drawing ==== */

/* 'n' with its thousands separated by commas, into 'out'. */
static void grouped(char *out, size_t cap, unsigned long long n)
{
    char digits[32];
    size_t len = (size_t)snprintf(digits, sizeof digits, "%llu", n), k = 0;

    for (size_t i = 0; i < len && k + 2 < cap; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = '\0';
}

/* 'n' bytes for people: "512 bytes", "27.4 MB". */
static void bytesize(char *out, size_t cap, unsigned long long n)
{
    static const char *const units[] = {"kB", "MB", "GB", "TB"};
    double v = (double)n;
    size_t u = 0;

    if (n < 1000) {
        snprintf(out, cap, "%llu bytes", n);
        return;
    }
    v /= 1000;
    while (v >= 999.95 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1000;
        u++;
    }
    snprintf(out, cap, "%.1f %s", v, units[u]);
}

/* 's' seconds for people: "6 s", "2 min 05 s", "1 h 02 min". */
static void duration(char *out, size_t cap, double s)
{
    unsigned long t = (unsigned long)(s + 0.5);

    if (t < 60)
        snprintf(out, cap, "%lu s", t);
    else if (t < 3600)
        snprintf(out, cap, "%lu min %02lu s", t / 60, t % 60);
    else
        snprintf(out, cap, "%lu h %02lu min", t / 3600, t / 60 % 60);
}

/* The width of the terminal on stderr, 80 when unknown. */
static size_t columns(void)
{
    struct winsize ws;

    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/* Write 'n' spaces to stderr. */
static void spaces(size_t n)
{
    static const char blank[] = "                                ";

    while (n > 0) {
        size_t k = n < sizeof blank - 1 ? n : sizeof blank - 1;

        fwrite(blank, 1, k, stderr);
        n -= k;
    }
}

/* Draw the line for 'p', 't' seconds into the run. */
static void draw(const cw_progress *p, double t)
{
    char line[256], rows[40], num[40], a[40], b[40];
    size_t len = 0, width = columns();

    grouped(rows, sizeof rows, p->rows);
    if (p->total > 0) {
        unsigned long long pct =
            p->bytes >= p->total ? 100 : p->bytes * 100 / p->total;

        bytesize(a, sizeof a, p->total);
        len = (size_t)snprintf(line, sizeof line, "%llu%% of %s, ", pct, a);
    } else if (p->bytes > 0) {
        bytesize(a, sizeof a, p->bytes);
        len = (size_t)snprintf(line, sizeof line, "%s read, ", a);
    }
    len += (size_t)snprintf(line + len, sizeof line - len, "%s %s", rows,
                            p->rows == 1 ? "row" : "rows");
    if (t > 0 && len < sizeof line) {
        grouped(num, sizeof num, (unsigned long long)((double)p->rows / t));
        len +=
            (size_t)snprintf(line + len, sizeof line - len, ", %s rows/s", num);
    }
    if (p->total > 0 && p->bytes > 0 && p->bytes < p->total &&
        len < sizeof line) {
        duration(b, sizeof b,
                 t * (double)(p->total - p->bytes) / (double)p->bytes);
        len += (size_t)snprintf(line + len, sizeof line - len, ", %s left", b);
    }
    if (len >= sizeof line)
        len = sizeof line - 1;
    /* never the last column: a full line would wrap */
    if (width > 1 && len > width - 1)
        len = width - 1;
    fputc('\r', stderr);
    fwrite(line, 1, len, stderr);
    if (pr.shown > len) {
        spaces(pr.shown - len);
        fputc('\r', stderr);
        fwrite(line, 1, len, stderr);
    }
    fflush(stderr);
    pr.shown = len;
}

void cw_cli_on_progress(void *ud, const cw_progress *p)
{
    double t;

    (void)ud;
    pr.bytes = p->bytes;
    if (!pr.on)
        return;
    t = cw_cli_elapsed();
    if (pr.last >= 0 && t - pr.last < REDRAW)
        return;
    pr.last = t;
    draw(p, t);
}

void cw_cli_progress_clear(void)
{
    if (pr.shown == 0)
        return;
    fputc('\r', stderr);
    spaces(pr.shown);
    fputc('\r', stderr);
    fflush(stderr);
    pr.shown = 0;
}

void cw_cli_progress_end(void)
{
    cw_cli_progress_clear();
    pr.on = 0;
}

void cw_cli_timing(unsigned long long rows)
{
    double t = cw_cli_elapsed();
    char rate[40], read[40];

    if (cw_cli_talk != CW_TALK_VERBOSE)
        return;
    grouped(rate, sizeof rate,
            t > 0 ? (unsigned long long)((double)rows / t + 0.5) : 0);
    if (pr.bytes > 0)
        bytesize(read, sizeof read, pr.bytes);
    fprintf(stderr, "took %.2f s (%s rows/s)%s%s\n", t, rate,
            pr.bytes > 0 ? ", input " : "", pr.bytes > 0 ? read : "");
}
