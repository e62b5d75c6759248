/*
** ledger.c -- 'crosswalk ledger status|confirm|release' over cw_ledger_*,
** and what 'crosswalk run' prints and writes of its ledger (--ledger, the
** summary's ledger line and JSON).
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char usage_ledger[] =
    "usage: crosswalk ledger status --ledger TARGET\n"
    "       crosswalk ledger confirm FILE... --ledger TARGET [--force]\n"
    "       crosswalk ledger release FILE... --ledger TARGET\n"
    "\n"
    "The delivery ledger of 'crosswalk run --ledger TARGET': what each\n"
    "output of a recipe delivered, so that no run writes a row twice.\n"
    "The rows of a file a run wrote wait (pending) until the file is\n"
    "confirmed or released; a run leaves them out meanwhile.\n"
    "\n"
    "  status          the ledger's files (state, rows, run, when written)\n"
    "                  and watermarks\n"
    "  confirm FILE... FILE was imported: its rows count as delivered for\n"
    "                  good, and the next run reads its input past them\n"
    "                  (the watermark)\n"
    "  release FILE... FILE will not be imported: the next run writes its\n"
    "                  rows again\n"
    "  --force         confirm FILE even when it changed since the run\n"
    "                  wrote it (saved by a spreadsheet): the ledger keeps\n"
    "                  the rows the run wrote\n"
    "  --ledger TARGET sqlite:PATH (or a path), postgres:CONNINFO[#TABLE] or\n"
    "                  a postgresql:// URI (#TABLE: crosswalk_ledger by\n"
    "                  default); the password is never shown\n"
    "\n"
    "FILE is the file as the run wrote it (any relative or absolute path\n"
    "to it), or the same file moved elsewhere.\n"
    "exit: 0 done, 2 usage error (no such file in the ledger, a file that\n"
    "is not pending, no ledger there, one in use), 3 a database error.\n";

/* ==== crosswalk ledger ==== */

static void print_file(const cw_ledgerfile *f)
{
    printf("  %-9s %8llu %5llu  %-20s  %s\n", f->state, f->rows, f->run,
           f->written != NULL && f->written[0] ? f->written : "-", f->path);
}

static int status(cw_ledger *l)
{
    size_t n = cw_ledger_nfiles(l), m = cw_ledger_nmarks(l);
    cw_ledgerfile f;
    cw_ledgermark k, next;

    printf("ledger %s\n", cw_ledger_target(l));
    printf("files:%s\n", n == 0 ? " none" : "");
    if (n > 0)
        printf("  %-9s %8s %5s  %-20s  %s\n", "state", "rows", "run", "written",
               "file");
    for (size_t i = 0; i < n; i++)
        if (cw_ledger_file(l, i, &f) == CW_OK)
            print_file(&f);
    printf("watermarks:%s\n", m == 0 ? " none" : "");
    /* By input and column, in run order: the latest usable one is what
    ** the next run reads past; later ones wait for their files; earlier
    ** ones are superseded. */
    for (size_t i = 0; i < m;) {
        size_t j = i, last = m;

        if (cw_ledger_mark(l, i, &k) != CW_OK)
            break;
        while (j < m && cw_ledger_mark(l, j, &next) == CW_OK &&
               strcmp(next.input, k.input) == 0 &&
               strcmp(next.column, k.column) == 0) {
            if (next.usable)
                last = j;
            j++;
        }
        for (size_t x = last < m ? last : i; x < j; x++) {
            if (cw_ledger_mark(l, x, &next) != CW_OK ||
                (x != last && next.usable))
                continue;
            printf("  %s %s: '%s' (run %llu; %s)\n", next.input, next.column,
                   next.value, next.run,
                   next.usable ? "the next run reads past it"
                               : "used once its files are confirmed");
        }
        i = j;
    }
    return EXIT_CLEAN;
}

static int settle(cw_ledger *l, char **files, int n, int release)
{
    int code = EXIT_CLEAN;

    for (int i = 0; i < n; i++) {
        cw_ledgerfile f;
        int rc = release ? cw_ledger_release(l, files[i], &f)
                         : cw_ledger_confirm(l, files[i], &f);

        if (rc != CW_OK) {
            fprintf(stderr, "crosswalk: %s\n", cw_ledger_errmsg(l));
            if (code == EXIT_CLEAN)
                code = cw_cli_exit_for(rc);
            continue;
        }
        if (release)
            printf("released %s: the next run writes its %llu row%s again\n",
                   f.path, f.rows, f.rows == 1 ? "" : "s");
        else
            printf("confirmed %s: %llu row%s of run %llu imported\n", f.path,
                   f.rows, f.rows == 1 ? "" : "s", f.run);
    }
    return code;
}

int cw_cli_ledger(int argc, char **argv, const char *home)
{
    const char *target = NULL, *cmd = NULL;
    char **files;
    int nfiles = 0, code, force = 0;
    cw_ledger *l = NULL;
    cw_err err;

    (void)home;
    if (cw_cli_wants_help(argc, argv)) {
        fputs(usage_ledger, stdout);
        return EXIT_CLEAN;
    }
    files = argv;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--ledger") == 0) {
            if (i + 1 >= argc)
                return cw_cli_usage(usage_ledger, "--ledger needs a value");
            target = argv[++i];
        } else if (strcmp(a, "--force") == 0) {
            force = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            return cw_cli_usage(usage_ledger, "unknown option '%s'", a);
        } else if (cmd == NULL) {
            cmd = a;
        } else {
            files[nfiles++] = argv[i]; /* compacted in place */
        }
    }
    if (cmd == NULL)
        return cw_cli_usage(usage_ledger, "%s",
                            "say status, confirm FILE... or release FILE...");
    if (strcmp(cmd, "status") != 0 && strcmp(cmd, "confirm") != 0 &&
        strcmp(cmd, "release") != 0)
        return cw_cli_usage(usage_ledger, "unknown ledger command '%s'", cmd);
    if (strcmp(cmd, "status") == 0 && nfiles > 0)
        return cw_cli_usage(usage_ledger, "status takes no file, got '%s'",
                            files[0]);
    if (strcmp(cmd, "status") != 0 && nfiles == 0)
        return cw_cli_usage(usage_ledger, "%s needs the FILE(s) to %s", cmd,
                            cmd);
    if (target == NULL)
        return cw_cli_usage(usage_ledger, "%s",
                            "no --ledger given (the TARGET the runs used)");
    if ((code = cw_ledger_new(target, &l, &err)) != CW_OK) {
        fprintf(stderr, "crosswalk: %s\n", err.msg);
        return cw_cli_exit_for(code);
    }
    cw_ledger_force(l, force);
    if (strcmp(cmd, "status") == 0)
        code = status(l);
    else
        code = settle(l, files, nfiles, strcmp(cmd, "release") == 0);
    cw_ledger_free(l);
    return code;
}

/* ==== crosswalk run --ledger ==== */

int cw_cli_run_ledger(cw_run *r, const char *target, int full)
{
    if ((target == NULL || cw_run_ledger(r, target) == CW_OK) &&
        (!full || cw_run_ledger_full(r, 1) == CW_OK))
        return 0;
    fprintf(stderr, "crosswalk: %s\n", cw_run_errmsg(r));
    return EXIT_USAGE;
}

void cw_cli_ledger_report(const cw_run *r, int dryrun)
{
    cw_ledgerrun g;

    cw_run_ledger_info(r, &g);
    if (g.target == NULL)
        return;
    if (dryrun)
        fprintf(stderr, "ledger %s: a dry run records nothing\n", g.target);
    else if (g.recorded == 0)
        fprintf(stderr, "ledger %s: run %llu recorded no new row\n", g.target,
                g.run);
    else
        fprintf(stderr,
                "ledger %s: run %llu recorded %llu row%s, pending until %s "
                "confirmed (crosswalk ledger confirm FILE)\n",
                g.target, g.run, g.recorded, g.recorded == 1 ? "" : "s",
                "the files are");
    if (g.since != NULL && g.full)
        fprintf(stderr, "ledger: %s read whole (--full)\n", g.input);
    else if (g.since != NULL && g.from == NULL)
        fprintf(stderr,
                "ledger: %s read whole: no confirmed watermark of %s yet\n",
                g.input, g.since);
    else if (g.since != NULL && g.pushed)
        fprintf(stderr,
                "ledger: %s read past %s '%s' (the database returned only the "
                "rows after it)\n",
                g.input, g.since, g.from);
    else if (g.since != NULL)
        fprintf(stderr,
                "ledger: %s read past %s '%s' (%llu row%s at or before it "
                "filtered)\n",
                g.input, g.since, g.from, g.before, g.before == 1 ? "" : "s");
}

void cw_cli_ledger_json(FILE *f, const cw_run *r)
{
    cw_summary s;
    cw_ledgerrun g;

    cw_run_summary(r, &s);
    cw_run_ledger_info(r, &g);
    if (!s.ledger || g.target == NULL)
        return;
    fprintf(
        f, ", \"sent_before\": %llu, \"ledger\": {\"target\": ", s.sent_before);
    cw_cli_json_str(f, g.target);
    fprintf(f, ", \"run\": %llu, \"recorded\": %llu, \"waiting\": %llu", g.run,
            g.recorded, g.waiting);
    fputs(", \"since\": ", f);
    cw_cli_json_str(f, g.since);
    fputs(", \"from\": ", f);
    cw_cli_json_str(f, g.from);
    fputs(", \"to\": ", f);
    cw_cli_json_str(f, g.to);
    fprintf(f,
            ", \"before_watermark\": %llu, \"pushed_down\": %s, "
            "\"full\": %s}",
            g.before, g.pushed ? "true" : "false", g.full ? "true" : "false");
}
