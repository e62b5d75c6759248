/*
** main.c -- embedding crosswalk: run a recipe on one input file into an
** output directory and print the run's accounting and its files.  No
** home is set: the library finds the schemas where it is installed.
**
**   usage: embed RECIPE INPUT OUT_DIR
**   with P=PREFIX/share/crosswalk/pipelines, for instance:
**   embed $P/rally_to_impactive_contacts \
**         $P/samples/rally/mobilizers.csv /tmp/out
*/
#include <crosswalk.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    cw_run *r;
    cw_summary s;
    cw_err err;
    int rc;

    if (argc != 4) {
        fputs("usage: embed RECIPE INPUT OUT_DIR\n", stderr);
        return 2;
    }
    if (cw_run_new(&r, &err) != CW_OK) {
        fprintf(stderr, "embed: %s\n", err.msg);
        return 1;
    }
    if ((rc = cw_run_load(r, argv[1])) == CW_OK &&
        (rc = cw_run_input(r, NULL, argv[2])) == CW_OK &&
        (rc = cw_run_outdir(r, argv[3])) == CW_OK)
        rc = cw_run_exec(r);
    if (rc != CW_OK) {
        fprintf(stderr, "embed: %s (%s)\n", cw_run_errmsg(r), cw_strstatus(rc));
        cw_run_free(r);
        return 1;
    }
    cw_run_summary(r, &s);
    printf("read %llu = written %llu + rejected %llu + filtered %llu + "
           "merged %llu\n",
           s.read, s.written, s.rejected, s.filtered, s.merged);
    for (size_t i = 0; i < s.noutputs; i++) {
        unsigned long long rows;
        const char *path = cw_run_output(r, i, &rows);

        printf("%s: %llu rows\n", path, rows);
    }
    cw_run_free(r);
    return 0;
}
