/*
** testcase.h -- one case of 'crosswalk test' (cli/testcase.c): run it
** with its own directory as the working directory, then compare its
** files with expected/ or, when blessing, write them there.  Used by
** cli/testrun.c only.
*/
#ifndef CW_CLI_TESTCASE_H
#define CW_CLI_TESTCASE_H

#include <stddef.h>

/* What became of a case; the reason has been printed. */
enum tc_outcome {
    TC_PASS,      /* the run matched every expected file */
    TC_DIFF,      /* the run differed from expected/ */
    TC_FAIL,      /* the run did not succeed */
    TC_CHANGED,   /* blessed: expected files written or removed */
    TC_UNCHANGED, /* blessed: expected/ already held this run */
    TC_REFUSED    /* not blessed: the run did not succeed */
};

/* One case of one recipe. */
struct tc_case {
    const char *home;   /* the home directory, absolute; NULL: the default */
    const char *recipe; /* the recipe file (NAME.lua or NAME/recipe.lua) */
    const char *dir;    /* the case directory, holding the inputs */
    const char *label;  /* "NAME/CASE", for messages */
};

/*
** Run case 'c' and compare its files with its expected/ folder (bless 0)
** or write them there (bless 1), printing the verdict on stdout.  The
** inputs are bound as "INPUT.csv" with the case directory as the working
** directory, so the paths a run writes (the '_file' column of rejects)
** are relative to the case and the same from wherever 'crosswalk test'
** was started.  '*sandbox' is set to 1 when the recipe hit a sandbox
** limit.
*/
enum tc_outcome cw_cli_case(const struct tc_case *c, int bless, int *sandbox);

/* The sorted names in 'dir' of directories (wantdir 1) or files
** (wantdir 0) ending in 'suffix', dot files left out.  Returns the
** count; '*out' is malloc'd (NULL when there are none), freed with
** cw_cli_freelist(). */
size_t cw_cli_listdir(const char *dir, const char *suffix, int wantdir,
                      char ***out);
void cw_cli_freelist(char **v, size_t n);

#endif /* CW_CLI_TESTCASE_H */
