/*
** home.c -- the default home directory: found relative to the object
** holding the engine code, so that an installed tree can be moved.
*/
#define _GNU_SOURCE /* dladdr1, RTLD_DL_LINKMAP */

#include "api/home.h"

#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Set by CMakeLists.txt; these defaults only keep other builds working. */
#ifndef CW_DATADIR
#define CW_DATADIR "/usr/local/share/crosswalk"
#endif
#ifndef CW_BUILD_DIR
#define CW_BUILD_DIR ""
#endif
#ifndef CW_SOURCE_DIR
#define CW_SOURCE_DIR ""
#endif

static char found[PATH_MAX];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* 1 when 'dir'/'sub' is a directory. */
static int hasdir(const char *dir, const char *sub)
{
    char p[PATH_MAX + 32];
    struct stat st;

    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, sub) >= sizeof p)
        return 0;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
** The real path of the object holding this code into 'out': the shared
** library, or the program itself (whose link map has no name).  Asked
** with a variable of this file, as ISO C has no function pointer to void *.
*/
static int self_path(char *out)
{
    Dl_info info;
    struct link_map *map = NULL;
    const char *name = NULL;

    if (dladdr1(found, &info, (void **)&map, RTLD_DL_LINKMAP) && map != NULL &&
        map->l_name != NULL && map->l_name[0] != '\0')
        name = map->l_name;
    else
        name = "/proc/self/exe";
    return realpath(name, out) != NULL;
}

/* 1 when 'path' is 'dir' or below it. */
static int below(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    return n > 0 && strncmp(path, dir, n) == 0 &&
           (path[n] == '/' || path[n] == '\0');
}

static void find(void)
{
    char dir[PATH_MAX];
    char *slash;

    if (self_path(dir) && (slash = strrchr(dir, '/')) != NULL) {
        *slash = '\0';
        /* its directory, then up to three parents: bin/, lib/,
        ** lib/x86_64-linux-gnu/ and lib/lua/5.4/ */
        for (int up = 0; up <= 3; up++) {
            if ((size_t)snprintf(found, sizeof found, "%s/share/crosswalk",
                                 dir) < sizeof found &&
                hasdir(found, "schemas"))
                return;
            if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
                break;
            *slash = '\0';
        }
        if (self_path(dir) && below(dir, CW_BUILD_DIR) &&
            hasdir(CW_SOURCE_DIR, "schemas")) {
            snprintf(found, sizeof found, "%s", CW_SOURCE_DIR);
            return;
        }
    }
    snprintf(found, sizeof found, "%s", CW_DATADIR);
}

const char *cw__home(void)
{
    const char *env = getenv("CROSSWALK_HOME");

    if (env != NULL && env[0] != '\0')
        return env;
    pthread_once(&once, find);
    return found;
}
