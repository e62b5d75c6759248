/*
** path.c -- files that must stay inside a folder: a recipe folder's
** schemas and modules, and the home's lua/ modules.  A path is inside
** its folder when, with every symbolic link followed, it is the folder
** or below it.
*/
#define _XOPEN_SOURCE 700 /* realpath */

#include "core/cw.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cw__path_inside(const char *root, const char *path, char real[CW_PATH_MAX])
{
    char rroot[PATH_MAX], rpath[PATH_MAX];
    struct stat st;
    size_t n;

    real[0] = '\0';
    if (realpath(path, rpath) == NULL)
        return errno == ENOENT || errno == ENOTDIR ? CW_PATH_MISSING
                                                   : CW_PATH_ERROR;
    if (realpath(root, rroot) == NULL)
        return CW_PATH_ERROR;
    n = strlen(rroot);
    if (n == 1) /* the root directory: everything is below it */
        n = 0;
    if (strncmp(rpath, rroot, n) != 0 || (rpath[n] != '/' && rpath[n] != '\0'))
        return CW_PATH_OUTSIDE;
    if (stat(rpath, &st) != 0)
        return CW_PATH_ERROR;
    if (!S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return CW_PATH_ERROR;
    }
    if (strlen(rpath) >= CW_PATH_MAX) {
        errno = ENAMETOOLONG;
        return CW_PATH_ERROR;
    }
    memcpy(real, rpath, strlen(rpath) + 1);
    return CW_PATH_OK;
}
