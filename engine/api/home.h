/*
** home.h -- the default home directory (home.c): where the library finds
** schemas/ and lua/ when the caller sets no home.
*/
#ifndef CW_HOME_H
#define CW_HOME_H

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

#endif /* CW_HOME_H */
