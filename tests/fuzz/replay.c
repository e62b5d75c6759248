/*
** replay.c -- a main() for a fuzz target built without libFuzzer: runs
** LLVMFuzzerTestOneInput() once on each file named, and on each file of
** each directory named, so that the regression inputs and the corpus
** replay in the normal test run, with any compiler.
*/
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static unsigned long nrun;

/* Run the target on the file 'path'; 0, or -1 when it cannot be read. */
static int runfile(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t n = 0, cap = 0, k;

    if (f == NULL) {
        perror(path);
        return -1;
    }
    for (;;) {
        if (n == cap) {
            uint8_t *p = realloc(data, cap = cap ? 2 * cap : 4096);

            if (p == NULL) {
                fprintf(stderr, "%s: out of memory\n", path);
                fclose(f);
                free(data);
                return -1;
            }
            data = p;
        }
        k = fread(data + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    fclose(f);
    /* A copy of exactly 'n' bytes, so that ASan sees reads past the end
    ** as libFuzzer would. */
    {
        uint8_t *exact = malloc(n ? n : 1);

        if (exact == NULL) {
            free(data);
            return -1;
        }
        memcpy(exact, data, n);
        free(data);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
    }
    nrun++;
    return 0;
}

/* Compare for qsort: directory entries in name order. */
static int bynames(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run the target on every regular file in 'path' (not recursive). */
static int rundir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (d == NULL) {
        perror(path);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        char **p;
        size_t len = strlen(path) + strlen(e->d_name) + 2;

        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            p = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *p);
            if (p == NULL) {
                rc = -1;
                break;
            }
            names = p;
        }
        if ((names[n] = malloc(len)) == NULL) {
            rc = -1;
            break;
        }
        snprintf(names[n++], len, "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, bynames);
    for (size_t i = 0; i < n; i++) {
        struct stat st;

        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            rc = runfile(names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    struct stat st;

    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        int rc;

        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 1;
        }
        rc = S_ISDIR(st.st_mode) ? rundir(argv[i]) : runfile(argv[i]);
        if (rc != 0)
            return 1;
    }
    printf("%s: %lu inputs run, none failed\n", argv[0], nrun);
    return 0;
}
