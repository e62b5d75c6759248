/*
** home.h -- the default home directory (home.c): where the library finds
** schemas/ and lua/ when the caller sets no home; and where a recipe named
** on the command line is: a file, a recipe folder, or a name in the home.
*/
#ifndef CW_HOME_H
#define CW_HOME_H

#include "core/cw.h"

/*
** The home a run, validate, load, inspect or schema set uses when none is
** given: $CROSSWALK_HOME when set and not empty; else the nearest
** share/crosswalk holding schemas/ found from the directory of the object
** holding the engine code (libcrosswalk.so, a program or a module linking
** the static library) up to three parents; else, when that object is in
** the build tree it was built in, the source tree; else the data directory
** chosen when it was configured.  Never NULL; static storage, or the
** environment's string.
*/
const char *cw__home(void);

/* Where a recipe is (cw__recipe_find). */
typedef struct cw_recipeloc {
    cw_buf file;   /* the recipe file to load */
    cw_buf folder; /* its recipe folder, or empty (p NULL): none */
    cw_buf shown;  /* the folder's name in messages: its last part */
} cw_recipeloc;

/*
** Find the recipe 'given' names: a folder holding recipe.lua (its folder
** is 'given'); a file (named recipe.lua: its directory is its folder;
** any other name: no folder); or, when no such file or folder exists and
** 'given' is a bare name (letters, digits, '_' and '-'), the recipe of
** that name in 'home': pipelines/NAME/recipe.lua, else pipelines/NAME.lua.
** Any other missing path is returned as the file, for the loader to
** report.  CW_OK, CW_EUSAGE (a folder without recipe.lua, a name found
** nowhere) or CW_ENOMEM; free 'loc' with cw__recipeloc_free either way.
*/
int cw__recipe_find(const char *home, const char *given, cw_recipeloc *loc,
                    cw_err *err);
void cw__recipeloc_free(cw_recipeloc *loc);

#endif /* CW_HOME_H */
