/*
** home.c -- the default home directory: found relative to the object
** holding the engine code, so that an installed tree can be moved; and
** finding a recipe: a file, a recipe folder, or a name in the home.
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

/* ==== Finding a recipe ==== */

/* 1 when 'path' is a regular file (following links). */
static int isfile(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* 1 when 's' is a bare recipe name: letters, digits, '_' and '-'. */
static int barename(const char *s)
{
    if (*s == '\0' || *s == '-')
        return 0;
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Make 'dir' the folder of 'loc', named after its last part (resolved,
** so that "." names the folder it is). */
static int setfolder(cw_recipeloc *loc, const char *dir, size_t len)
{
    char real[PATH_MAX];
    const char *last;

    loc->folder.len = 0;
    if (cw__buf_add(&loc->folder, dir, len) != CW_OK)
        return CW_ENOMEM;
    last = realpath(loc->folder.p, real) != NULL ? real : loc->folder.p;
    if (strrchr(last, '/') != NULL && strrchr(last, '/')[1] != '\0')
        last = strrchr(last, '/') + 1;
    loc->shown.len = 0;
    return cw__buf_adds(&loc->shown, last);
}

int cw__recipe_find(const char *home, const char *given, cw_recipeloc *loc,
                    cw_err *err)
{
    struct stat st;
    const char *base;
    size_t n = strlen(given);

    *loc = (cw_recipeloc){{0}, {0}, {0}};
    while (n > 1 && given[n - 1] == '/')
        n--;
    if (stat(given, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (cw__buf_printf(&loc->file, "%.*s/recipe.lua", (int)n, given) !=
                CW_OK ||
            setfolder(loc, given, n) != CW_OK)
            return cw__fail(err, CW_ENOMEM, "out of memory");
        if (!isfile(loc->file.p))
            return cw__fail(err, CW_EUSAGE,
                            "%s: a folder without recipe.lua (a recipe "
                            "folder holds recipe.lua, and optionally "
                            "schemas/, lua/, cases/ and README.md)",
                            given);
        return CW_OK;
    }
    if (stat(given, &st) != 0 && barename(given) && home != NULL) {
        if (cw__buf_printf(&loc->file, "%s/pipelines/%s/recipe.lua", home,
                           given) != CW_OK)
            return cw__fail(err, CW_ENOMEM, "out of memory");
        if (isfile(loc->file.p)) {
            if (setfolder(loc, loc->file.p,
                          loc->file.len - strlen("/recipe.lua")) != CW_OK)
                return cw__fail(err, CW_ENOMEM, "out of memory");
            return CW_OK;
        }
        loc->file.len = 0;
        if (cw__buf_printf(&loc->file, "%s/pipelines/%s.lua", home, given) !=
            CW_OK)
            return cw__fail(err, CW_ENOMEM, "out of memory");
        if (isfile(loc->file.p))
            return CW_OK;
        return cw__fail(err, CW_EUSAGE,
                        "no recipe '%s': no file or folder of that name "
                        "here, nor %s/pipelines/%s/recipe.lua in the home",
                        given, home, given);
    }
    if (cw__buf_adds(&loc->file, given) != CW_OK)
        return cw__fail(err, CW_ENOMEM, "out of memory");
    base = strrchr(given, '/') != NULL ? strrchr(given, '/') + 1 : given;
    if (strcmp(base, "recipe.lua") == 0) {
        int rc = base == given
                     ? setfolder(loc, ".", 1)
                     : setfolder(loc, given, (size_t)(base - 1 - given));

        if (rc != CW_OK)
            return cw__fail(err, CW_ENOMEM, "out of memory");
    }
    return CW_OK;
}

void cw__recipeloc_free(cw_recipeloc *loc)
{
    cw__buf_free(&loc->file);
    cw__buf_free(&loc->folder);
    cw__buf_free(&loc->shown);
}
