/*
** fuzzutil.c -- the temporary directory the fuzz targets write their
** inputs to (fuzz.h).
*/
#include "fuzz.h"

#include "crosswalk.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NPATHS 8 /* distinct names a target may use */

static char dir[4096];
static struct {
    char name[64];
    char path[4200];
} paths[NPATHS];

/* Remove the directory and every file in it (atexit). */
static void cleanup(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[4400];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        remove(p);
    }
    closedir(d);
    rmdir(dir);
}

/* Make the directory once, under $TMPDIR or /tmp. */
static void makedir(void)
{
    const char *t = getenv("TMPDIR");

    if (dir[0] != '\0')
        return;
    snprintf(dir, sizeof dir, "%s/cwfuzz.XXXXXX",
             t != NULL && t[0] != '\0' ? t : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("fuzz: mkdtemp");
        abort();
    }
    atexit(cleanup);
}

const char *fuzz_path(const char *name)
{
    size_t i;

    makedir();
    for (i = 0; i < NPATHS && paths[i].name[0] != '\0'; i++)
        if (strcmp(paths[i].name, name) == 0)
            return paths[i].path;
    if (i == NPATHS || strlen(name) >= sizeof paths[i].name) {
        fprintf(stderr, "fuzz: too many or too long file names\n");
        abort();
    }
    snprintf(paths[i].name, sizeof paths[i].name, "%s", name);
    snprintf(paths[i].path, sizeof paths[i].path, "%s/%s", dir, name);
    return paths[i].path;
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
    const char *p = fuzz_path(name);
    FILE *f = fopen(p, "wb");

    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) ||
        fclose(f) != 0) {
        perror(p);
        abort();
    }
    return p;
}

void fuzz_report(int rc, const char *msg)
{
    static int verbose = -1;

    if (verbose < 0)
        verbose = getenv("CW_FUZZ_VERBOSE") != NULL;
    if (verbose)
        fprintf(stderr, "fuzz: %s: %s\n", cw_strstatus(rc), msg);
}
